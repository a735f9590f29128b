"""The alert rules, checked by Prometheus' own promtool, and a real Prometheus (Debian's package)
scraping the shop's /metrics with them loaded (issue 11: "CI checks the alert rules and scrapes
/metrics with a real Prometheus").

Where Prometheus is not installed (`scripts/system-packages` installs it) the tests are skipped with
the reason, and fail when BAZAAR_REQUIRE_ENGINES is set, as CI does.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests

from infra.engines.base import free_port
from tests.engines import unavailable

RULES = Path(__file__).resolve().parents[2] / "ops" / "prometheus"


def tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        unavailable(f"{name} is not installed (Debian package prometheus; scripts/system-packages installs it)")
    return path


def test_the_alert_rules_are_valid_and_their_unit_tests_pass():
    promtool = tool("promtool")
    check = subprocess.run([promtool, "check", "rules", "alerts.yml"], cwd=RULES, capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    assert "SUCCESS: 9 rules found" in check.stdout

    tested = subprocess.run([promtool, "test", "rules", "alerts_test.yml"], cwd=RULES, capture_output=True,
                            text=True)
    assert tested.returncode == 0, tested.stdout + tested.stderr
    assert "SUCCESS" in tested.stdout


@pytest.mark.django_db(transaction=True)
def test_a_real_prometheus_scrapes_the_shop_with_the_alert_rules_loaded(live_server, tmp_path, settings):
    prometheus = tool("prometheus")
    settings.METRICS_TOKEN = "scrape-token-for-the-test"
    (tmp_path / "token").write_text(settings.METRICS_TOKEN)
    target = urlsplit(live_server.url).netloc
    config = tmp_path / "prometheus.yml"
    config.write_text(f"""
global: {{scrape_interval: 1s, evaluation_interval: 1s}}
rule_files: ["{RULES / 'alerts.yml'}"]
scrape_configs:
  - job_name: bazaar
    metrics_path: /metrics
    authorization: {{credentials_file: "{tmp_path / 'token'}"}}
    static_configs: [{{targets: ["{target}"]}}]
""")
    requests.get(f"{live_server.url}/", timeout=10)  # a page view for the request metrics
    port = free_port()
    process = subprocess.Popen(
        [prometheus, f"--config.file={config}", f"--storage.tsdb.path={tmp_path / 'data'}",
         f"--web.listen-address=127.0.0.1:{port}", "--log.level=warn"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    api = f"http://127.0.0.1:{port}/api/v1"
    try:
        up, views = _wait_for_scrape(api, process)
        assert up == "1"
        assert "home" in views  # the shop's own request metrics came through
        rules = requests.get(f"{api}/rules", timeout=5).json()["data"]["groups"]
        assert {rule["name"] for group in rules for rule in group["rules"]} >= {
            "BazaarDown", "BazaarErrorRate", "BazaarOutboxBacklog", "BazaarOrderExpiryLagging",
            "BazaarReconciliationFindings"}
        assert all(rule["health"] == "ok" for group in rules for rule in group["rules"]), rules
        readings = requests.get(f"{api}/query", params={"query": "bazaar_outbox_pending_events"}, timeout=5)
        assert readings.json()["data"]["result"], "the scrape-time readings are there too"
    finally:
        process.terminate()
        output = process.communicate(timeout=20)[0]
    assert "level=error" not in output, output


def _wait_for_scrape(api: str, process: subprocess.Popen) -> tuple[str, set[str]]:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert process.poll() is None, process.communicate()[0]
        try:
            up = requests.get(f"{api}/query", params={"query": 'up{job="bazaar"}'}, timeout=2).json()
            hits = requests.get(f"{api}/query", params={"query": "bazaar_http_requests_total"}, timeout=2).json()
        except requests.ConnectionError:
            time.sleep(0.5)
            continue
        if up["data"]["result"] and hits["data"]["result"]:
            return (up["data"]["result"][0]["value"][1],
                    {sample["metric"].get("view", "") for sample in hits["data"]["result"]})
        time.sleep(0.5)
    raise AssertionError("Prometheus did not scrape /metrics within 60 s")
