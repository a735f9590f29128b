"""The staff dashboard of the live reports (issue 9 item 7, decision 0028): what staff read on the
page and in its JSON twin, who may not, and that it keeps within the site's CSP."""

from __future__ import annotations

import html
import re
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import Permission
from django.utils import timezone

from catalog.services import category_create, item_create
from recommendations.models import JobRun, LiveReportRow, StreamProgress

DASHBOARD = "/admin/recommendations/livereportrow/"
DATA = "/admin/recommendations/livereportrow/live.json"
CHART_JS = Path(settings.BASE_DIR) / "static" / "vendor" / "chart.js"
# Sliding windows as the stream writes them (recommendations/streaming.py): an hour sliding every
# 5 minutes, a day sliding every hour. The tests write one window per span that covers now with
# room to spare (it ends 10 minutes, or 2 hours, after the last slide).
SPANS = {"hour": (timedelta(minutes=5), timedelta(hours=1)), "day": (timedelta(hours=1), timedelta(days=1))}


def window_start(span: str) -> datetime:
    slide, size = SPANS[span]
    now = timezone.now()
    epoch = datetime(2000, 1, 1, tzinfo=UTC)
    last_slide = now - (now - epoch) % slide
    return last_slide - size + 2 * slide


def live_rows(span: str, report: str, figures: dict[str, tuple[int, int]], *, ago: timedelta = timedelta(0)) -> None:
    """The stream's rows of the span's window that covers now: {key: (events, revenue in paise)}."""
    start = window_start(span) - ago
    updated = timezone.now() - timedelta(seconds=30)
    LiveReportRow.objects.bulk_create(
        LiveReportRow(span=span, window_start=start, window_end=start + SPANS[span][1], report=report, key=key,
                      events=events, revenue_paise=revenue, updated_at=updated)
        for key, (events, revenue) in figures.items())


@pytest.fixture
def shop(user_factory):
    """Two categories with an item each, and the stream's figures about them."""
    seller = user_factory(email="seller@example.com", is_seller=True)
    gadgets = category_create(name="Gadgets", slug="gadgets").pk
    books = category_create(name="Books", slug="books").pk
    phone = item_create(seller_id=seller.pk, sku="PH-1", title="Galaxy M14 phone", category_id=gadgets,
                        price_paise=1_299_900, brand="Acme").item_id
    novel = item_create(seller_id=seller.pk, sku="BK-1", title="The Guide, a novel", category_id=books,
                        price_paise=39_900, brand="Indian Thought").item_id
    live_rows("hour", "items", {str(phone): (42, 0), str(novel): (7, 0)})
    live_rows("day", "items", {str(phone): (1_234_567, 0), str(novel): (90, 0)})
    live_rows("hour", "categories", {str(gadgets): (42, 0)})
    live_rows("day", "categories", {str(gadgets): (300, 0), str(books): (95, 0)})
    live_rows("day", "wishlisted", {str(novel): (12, 0)})
    live_rows("hour", "orders", {"": (3, 2_599_800)})
    live_rows("day", "orders", {"": (19, 12_345_678_90)})
    live_rows("day", "orders_state", {"KARNATAKA": (11, 12_345_600), "DELHI": (8, 400_000)})
    live_rows("day", "orders_pin", {"560": (11, 12_345_600), "110": (8, 400_000)})
    live_rows("day", "revenue_category", {str(gadgets): (15, 19_498_500), str(books): (4, 159_600)})
    now = timezone.now()
    StreamProgress.objects.create(query="hour", source="kafka", batch_id=1_204, advanced_at=now - timedelta(seconds=20),
                                  heartbeat_at=now - timedelta(seconds=5), watermark=now - timedelta(minutes=10),
                                  rows_per_second=125.5)
    StreamProgress.objects.create(query="day", source="kafka", batch_id=98, advanced_at=now - timedelta(minutes=9),
                                  heartbeat_at=now - timedelta(minutes=7), rows_per_second=0.0)
    JobRun.objects.create(name="als_eval", started_at=now - timedelta(hours=2), finished_at=now - timedelta(hours=1),
                          outcome=JobRun.Outcome.SUCCEEDED, duration_seconds=66.7, figures={
                              "cutoff": "2026-11-30T00:00:00+00:00", "customers_scored": 812, "test_items": 1_530,
                              "methods": {
                                  "als": {"precision@10": 0.0101, "recall@10": 0.0512, "ndcg@10": 0.0344,
                                          "coverage": 0.4121},
                                  "popular": {"precision@10": 0.0081, "recall@10": 0.04, "ndcg@10": 0.0275,
                                              "coverage": 0.0123}},
                              "lift_als_over_popular": {"precision@10": 0.2469, "recall@10": 0.28, "ndcg@10": None}})
    JobRun.objects.create(name="popular", started_at=now - timedelta(days=1), finished_at=now - timedelta(days=1),
                          outcome=JobRun.Outcome.SUCCEEDED, duration_seconds=12.0)
    JobRun.objects.create(name="popular", started_at=now - timedelta(minutes=30),
                          finished_at=now - timedelta(minutes=29), outcome=JobRun.Outcome.FAILED, duration_seconds=41.5,
                          error="Traceback (most recent call last):\n  ...\nNoBehaviour: no behaviour in the lake\n")
    return {"phone": phone, "novel": novel, "gadgets": gadgets, "books": books}


def text_of(response) -> str:
    """The page's text as a person reads it: tags dropped, entities decoded, spaces collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


def section(response, table_id: str) -> str:
    found = re.search(rf'<section[^>]*data-table="{table_id}".*?</section>', response.content.decode(), re.S)
    assert found, f"no section {table_id}"
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", found.group(0))).split())


@pytest.mark.django_db
def test_staff_read_the_live_reports_as_tables_with_rupees_and_indian_grouping(admin_client, shop):
    response = admin_client.get(DASHBOARD)
    assert response.status_code == 200
    assert "Galaxy M14 phone 42 The Guide, a novel 7" in section(response, "items-hour")
    assert "Galaxy M14 phone 12,34,567" in section(response, "items-day")  # lakhs, as Indians group
    assert "Gadgets 300 Books 95" in section(response, "categories-day")
    assert "The Guide, a novel 12" in section(response, "wishlisted-day")
    assert "Karnataka 11 ₹1,23,456.00 Delhi 8 ₹4,000.00" in section(response, "orders-state-day")
    assert "560xxx 11 ₹1,23,456.00 110xxx 8 ₹4,000.00" in section(response, "orders-pin-day")
    assert "Gadgets 15 ₹1,94,985.00 Books 4 ₹1,596.00" in section(response, "revenue-category-day")
    totals = section(response, "orders-total")
    assert "Last hour 3 ₹25,998.00" in totals and "Last day 19 ₹1,23,45,678.90" in totals
    assert re.search(r"updated 3\d s ago", section(response, "items-hour"))


@pytest.mark.django_db
def test_each_stream_query_says_when_it_last_advanced_and_a_stale_one_is_flagged(admin_client, shop):
    response = admin_client.get(DASHBOARD)
    streams = section(response, "streams")
    assert re.search(r"hour \(kafka\) \S+ \S+ \S+ 2\d s ago \d+ s ago ok 1,204", streams)
    assert re.search(r"day \(kafka\) .* 9 min ago 7 min ago stale: no heartbeat for 7 min 98", streams)
    flagged = re.findall(r'<tr class="is-flagged"><th scope="row">([^<]+)</th>', response.content.decode())
    assert "day (kafka)" in flagged and "hour (kafka)" not in flagged

    now = timezone.now()
    StreamProgress.objects.filter(query="hour").update(heartbeat_at=now, advanced_at=now - timedelta(minutes=3))
    StreamProgress.objects.filter(query="day").update(heartbeat_at=None, advanced_at=None)
    streams = section(admin_client.get(DASHBOARD), "streams")
    assert re.search(r"3 min ago \d s ago stale: alive, but no new figures", streams)
    assert "day (kafka) - never never stale: no heartbeat" in streams


@pytest.mark.django_db
def test_the_latest_evaluation_and_each_jobs_last_run_failed_ones_with_their_error_line(admin_client, shop):
    response = admin_client.get(DASHBOARD)
    evaluation = section(response, "evaluation")
    assert "Method P@10 R@10 NDCG@10 Coverage" in evaluation
    assert "als 0.0101 0.0512 0.0344 0.4121 popular 0.0081 0.0400 0.0275 0.0123" in evaluation
    assert "lift of ALS over popularity +24.7% +28.0% n/a -" in evaluation
    assert "812 customers scored, 1,530 test items" in evaluation
    jobs = section(response, "jobs")
    assert re.search(r"popular \d\d \w{3} \d\d:\d\d \(30 min ago\) 41.5 s failed run #\d+, 24 h ago "
                     r"NoBehaviour: no behaviour in the lake", jobs)
    assert "NoBehaviour: no behaviour in the lake" in jobs and "Traceback" not in jobs
    assert re.search(r"als_eval .* 66.7 s succeeded this run", jobs)
    assert "als never run" in jobs and "also_bought never run" in jobs
    flagged = re.findall(r'<tr class="is-flagged"><th scope="row">([^<]+)</th>', response.content.decode())
    assert "popular" in flagged and "als_eval" not in flagged


@pytest.mark.django_db
def test_the_json_answers_the_same_figures_in_a_bounded_number_of_queries(admin_client, shop,
                                                                          django_assert_max_num_queries):
    page = text_of(admin_client.get(DASHBOARD))
    admin_client.get(DATA)  # the session, read once, is not the endpoint's cost
    # Measured 40: ten live reports (the span's current window and the report's rows, 20), item
    # labels (one per item report, 3), category labels (two per category shown, 10; reports.py asks
    # catalog for each category alone), jobs and evaluation (6), streams (1). The session is cached.
    with django_assert_max_num_queries(25):
        response = admin_client.get(DATA)
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    assert "no-cache" in response["Cache-Control"]
    data = response.json()
    tables = [data["totals"], data["streams"], data["evaluation"], data["jobs"], *data["reports"]]
    assert [t["id"] for t in data["reports"]] == ["items-hour", "items-day", "categories-hour", "categories-day",
                                                  "wishlisted-day", "orders-state-day", "orders-pin-day",
                                                  "revenue-category-day"]
    for table in tables:
        for row in table["rows"]:
            for cell in row["cells"]:
                if "ago" not in cell:  # a second may pass between the two requests
                    assert cell in page, (table["id"], cell)
    by_id = {t["id"]: t for t in data["reports"]}
    assert by_id["items-day"]["chart"] == {"labels": ["Galaxy M14 phone", "The Guide, a novel"],
                                           "values": [1_234_567, 90], "money": False, "label": "Events"}
    assert by_id["orders-state-day"]["chart"]["values"] == [123_456.0, 4_000.0]
    assert by_id["orders-state-day"]["chart"]["money"] is True
    assert len(response.content) < 10_000


@pytest.mark.django_db
def test_a_window_that_no_longer_covers_now_is_not_shown(admin_client, shop):
    LiveReportRow.objects.filter(report="wishlisted").delete()
    live_rows("day", "wishlisted", {"1": (5, 0)}, ago=timedelta(days=2))
    wishlisted = section(admin_client.get(DASHBOARD), "wishlisted-day")
    assert re.search(r"window from \d\d \w{3} \d\d:\d\d Item Net adds No figures in a window covering now\.$",
                     wishlisted)
    LiveReportRow.objects.filter(span="day", window_start__gt=timezone.now() - timedelta(days=1)).delete()
    day = section(admin_client.get(DASHBOARD), "items-day")
    assert "no figures in a window covering now Item Events No figures in a window covering now." in day


@pytest.mark.django_db
@pytest.mark.parametrize("url", [DASHBOARD, DATA])
def test_only_staff_who_may_view_the_reports_get_in(client, user_factory, url):
    assert client.get(url).url == f"/admin/login/?next={url}"  # anonymous: to the admin's login
    client.force_login(user_factory(email="shopper@example.com"))
    assert client.get(url).url == f"/admin/login/?next={url}"  # a customer: the same
    staff = user_factory(email="clerk@example.com", is_staff=True)
    client.force_login(staff)
    assert client.get(url).status_code == 403  # staff without the permission
    staff.user_permissions.add(Permission.objects.get(codename="view_livereportrow"))
    client.force_login(staff)
    assert client.get(url).status_code == 200


@pytest.mark.django_db
def test_the_admin_index_and_the_job_runs_link_to_the_dashboard(admin_client):
    index = admin_client.get("/admin/").content.decode()
    assert f'href="{DASHBOARD}"' in index
    runs = admin_client.get("/admin/recommendations/jobrun/").content.decode()
    assert f'<a href="{DASHBOARD}">Live dashboard</a>' in runs


@pytest.mark.django_db
def test_the_page_keeps_within_the_csp_no_inline_script_or_style(admin_client, shop):
    response = admin_client.get(DASHBOARD)
    policy = dict(part.strip().split(" ", 1) for part in response["Content-Security-Policy"].split(";"))
    assert policy["script-src"] == "'self'" and policy["style-src"] == "'self'"
    page = response.content.decode()
    for tag in re.findall(r"<script\b[^>]*>", page):
        assert "src=" in tag or 'type="application/json"' in tag, tag
    assert not re.search(r"\sstyle=", page) and not re.search(r"\son[a-z]+=", page)
    assert '<script src="/static/vendor/chart.js/chart.umd.min.js" defer' in page
    assert '<script src="/static/js/live-dashboard.js" defer' in page
    assert 'data-poll-seconds="15"' in page and f'data-url="{DATA}"' in page
    assert 'data-poll-seconds="1"' in admin_client.get(DASHBOARD + "?poll=0").content.decode()
    assert 'data-poll-seconds="15"' in admin_client.get(DASHBOARD + "?poll=soon").content.decode()


@pytest.mark.django_db(transaction=True)
def test_the_vendored_chart_js_is_served_from_static_with_the_recorded_version(live_server):
    version = (CHART_JS / "VERSION").read_text().strip()
    assert re.fullmatch(r"4\.\d+\.\d+", version)
    assert f"Chart.js {version}" in (CHART_JS / "README.md").read_text()
    with urllib.request.urlopen(f"{live_server.url}/static/vendor/chart.js/chart.umd.min.js") as response:
        assert response.status == 200
        assert "javascript" in response.headers["Content-Type"]
        assert response.read(200).decode().startswith(f"/*!\n * Chart.js v{version}\n")
    assert "MIT" in (CHART_JS / "LICENSE.md").read_text()
