"""Staff watch the live dashboard in a real browser (decision 0028): Chart.js draws a chart for each
live report within the site's CSP, and the page refreshes its figures by itself."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from recommendations.models import LiveReportRow
from tests.e2e.axe import axe_report, axe_violations
from tests.recommendations.test_dashboard import CHART_JS, DASHBOARD, live_rows, shop  # noqa: F401  (the fixture)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PASSWORD = "a-long-test-password"
# Every violation of the CSP, recorded by the page itself (added through the DevTools protocol,
# which the CSP does not govern).
WATCH_CSP = """window.__cspViolations = [];
document.addEventListener('securitypolicyviolation',
    e => window.__cspViolations.push(e.violatedDirective + ' ' + e.blockedURI));"""


@pytest.fixture
def staff(user_factory):
    return user_factory(email="ops@example.com", is_staff=True, is_superuser=True)


def log_in(page, staff, path: str) -> None:
    # Django's admin login page names no icon, so Chromium asks for /favicon.ico, which the shop
    # has not (a 404 in the console); the dashboard itself names one.
    page.route("**/favicon.ico", lambda route: route.fulfill(status=204))
    page.goto(f"/admin/login/?next={path}")
    page.locator("#id_username").fill(staff.email)
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(re.escape(path.split("?")[0])))


def chart_of(page, table_id: str) -> dict:
    return page.evaluate("""id => {
        const chart = Chart.getChart(document.querySelector(`[data-table="${id}"] canvas`));
        if (!chart) return null;
        const canvas = chart.canvas, pixels = canvas.getContext('2d')
            .getImageData(0, 0, canvas.width, canvas.height).data;
        let painted = 0;
        for (let i = 3; i < pixels.length; i += 4) if (pixels[i]) painted++;
        return {labels: chart.data.labels, values: chart.data.datasets[0].data, width: canvas.width,
                height: canvas.height, painted};
    }""", table_id)


def test_the_charts_draw_within_the_csp_and_the_page_refreshes_by_itself(page, staff, shop):  # noqa: F811
    page.add_init_script(WATCH_CSP)
    log_in(page, staff, DASHBOARD + "?poll=1")
    expect(page.get_by_role("heading", level=1)).to_have_text("Live dashboard")

    # A chart above each live report's table, drawn by Chart.js from our own static files.
    expect(page.locator(".live-report canvas")).to_have_count(8)
    page.wait_for_function("() => window.Chart && Object.keys(Chart.instances).length === 8")
    assert page.evaluate("() => Chart.version") == (CHART_JS / "VERSION").read_text().strip()
    items = chart_of(page, "items-hour")
    assert items["labels"] == ["Galaxy M14 phone", "The Guide, a novel"] and items["values"] == [42, 7]
    assert items["width"] > 0 and items["height"] > 0 and items["painted"] > 1000  # bars and axes, not blank
    assert chart_of(page, "orders-state-day")["values"] == [123456, 4000]
    expect(page.get_by_text("This page refreshes itself every 1 s.")).to_be_visible()
    stale = page.locator('[data-table="streams"] tr.is-flagged')
    expect(stale).to_have_count(1)
    expect(stale).to_contain_text("stale: no heartbeat")

    # The stream writes a new figure: the table and the chart show it without a reload.
    page.evaluate("() => { window.__sameDocument = true; }")
    refreshes = int(page.locator("#live-dashboard").get_attribute("data-refreshes") or 0)
    row = LiveReportRow.objects.filter(span="hour", report="items", key=str(shop["novel"])).get()
    live_rows("hour", "items", {"999999": (5, 0)})  # an item the catalog no longer has: shown by id
    LiveReportRow.objects.filter(pk=row.pk).update(events=64)
    table = page.locator('[data-table="items-hour"] tbody')
    expect(table.locator("tr").first).to_have_text(re.compile(r"The Guide, a novel\s*64"), timeout=5_000)
    expect(table.locator("tr")).to_have_count(3)
    page.wait_for_function("""() => Chart.getChart(document.querySelector('[data-table="items-hour"] canvas'))
        .data.datasets[0].data.join() === '64,42,5'""", timeout=5_000)
    assert page.evaluate("() => window.__sameDocument") is True
    assert int(page.locator("#live-dashboard").get_attribute("data-refreshes")) > refreshes

    assert page.evaluate("() => window.__cspViolations") == []
    violations = axe_violations(page, context="#live-dashboard")
    assert not violations, axe_report(violations)


def test_without_javascript_the_tables_are_the_whole_page(browser, live_server, staff, shop):  # noqa: F811
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    try:
        page = context.new_page()
        log_in(page, staff, DASHBOARD)
        expect(page.locator('[data-table="items-day"] tbody tr').first).to_contain_text("Galaxy M14 phone")
        expect(page.locator('[data-table="revenue-category-day"] tbody')).to_contain_text("₹1,94,985.00")
        expect(page.get_by_text("Reload the page for newer figures.")).to_be_visible()
        expect(page.locator("[data-chart]").first).to_be_hidden()
    finally:
        context.close()
