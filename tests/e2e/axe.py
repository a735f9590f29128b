"""Accessibility checks with axe-core (vendored under tests/e2e/vendor/axe-core, see its README).

The site's Content-Security-Policy forbids inline scripts, so the script is not added as a
<script> tag: `page.evaluate` runs it through the DevTools protocol, which CSP does not govern.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

AXE_JS = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
# WCAG 2.0, 2.1 and 2.2 success criteria at levels A and AA; not axe's "best practice" rules.
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
BLOCKING = ("serious", "critical")


@cache
def axe_source() -> str:
    return AXE_JS.read_text(encoding="utf-8")


def axe_violations(page, *, impacts=BLOCKING, context=None) -> list[dict]:
    """Runs axe on the page as it is now; returns the violations of the given impacts."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(axe_source())
    results = page.evaluate(
        """async ([context, tags]) => {
            const r = await axe.run(context || document, {runOnly: {type: 'tag', values: tags},
                                                          resultTypes: ['violations']});
            return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
                nodes: v.nodes.map(n => ({target: n.target, html: n.html, summary: n.failureSummary}))}));
        }""",
        [context, WCAG_TAGS],
    )
    return [v for v in results if v["impact"] in impacts]


def axe_report(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"[{v['impact']}] {v['id']}: {v['help']} ({v['helpUrl']})")
        for node in v["nodes"]:
            lines.append(f"    {' '.join(map(str, node['target']))}: {node['html'][:200]}")
            if node["summary"]:
                lines.extend(f"        {line}" for line in node["summary"].splitlines())
    return "\n".join(lines)


def assert_accessible(page, label: str = "") -> None:
    """Fails with every serious or critical WCAG A/AA violation: rule, help and the nodes."""
    violations = axe_violations(page)
    where = label or page.url
    assert not violations, f"axe-core: serious/critical violations on {where}:\n{axe_report(violations)}"
