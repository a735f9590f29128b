"""The staff dashboard of the live reports and the batch jobs (issue 9 item 7, decision 0028).

`dashboard_data(now=...)` reads everything the page shows, already formatted for people: each
live report as a table (its rows' cells, as text) plus the numbers its chart draws; how long ago
each stream query advanced, flagged when stale; the latest evaluation; each job's last run. The
admin page (recommendations/admin.py) renders it as HTML tables, and its JSON twin answers the
same dict, which static/js/live-dashboard.js polls to redraw the tables and the Chart.js charts.
One function for both, so the page without JavaScript and the refreshed page say the same.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.http import HttpRequest, JsonResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone

from recommendations.reports import LiveReport, Report, Span, current_window_start, live_report, stream_status
from recommendations.selectors import JobRunInfo, latest_run
from shop.admin import inr
from shop.money import group_indian

# A stream query whose heartbeat, or last advance, is older than this is flagged.
STALE_AFTER = timedelta(minutes=2)
POLL_SECONDS = 15  # the page's default; `?poll=N` (1 to 300) asks for another
JOBS = ("popular", "als", "also_bought", "als_eval")
METRICS = (("precision@10", "P@10"), ("recall@10", "R@10"), ("ndcg@10", "NDCG@10"), ("coverage", "Coverage"))
NONE = "-"


@dataclass(frozen=True, slots=True)
class Panel:
    id: str
    report: Report
    span: Span
    title: str
    by_revenue: bool  # the chart draws revenue (rupees), else the count


PANELS = (
    Panel("items-hour", Report.ITEMS, Span.HOUR, "Top items, last hour", False),
    Panel("items-day", Report.ITEMS, Span.DAY, "Top items, last day", False),
    Panel("categories-hour", Report.CATEGORIES, Span.HOUR, "Top categories, last hour", False),
    Panel("categories-day", Report.CATEGORIES, Span.DAY, "Top categories, last day", False),
    Panel("wishlisted-day", Report.WISHLISTED, Span.DAY, "Most wishlisted, last day", False),
    Panel("orders-state-day", Report.ORDERS_BY_STATE, Span.DAY, "Orders and revenue by state, last day", True),
    Panel("orders-pin-day", Report.ORDERS_BY_PIN, Span.DAY, "Orders and revenue by PIN prefix, last day", True),
    Panel("revenue-category-day", Report.REVENUE_BY_CATEGORY, Span.DAY, "Revenue by category, last day", True),
)
# What each report's first column names, and what its count counts.
KEY_NAMES = {Report.ITEMS: "Item", Report.WISHLISTED: "Item", Report.CATEGORIES: "Category",
             Report.REVENUE_BY_CATEGORY: "Category", Report.ORDERS_BY_STATE: "State",
             Report.ORDERS_BY_PIN: "PIN prefix"}
COUNT_NAMES = {Report.ITEMS: "Events", Report.CATEGORIES: "Events", Report.WISHLISTED: "Net adds"}
ORDER_LINES = "Units"  # order reports count the units ordered


def count(n: Any) -> str:
    """A count with Indian grouping, as money is written: 1,23,456."""
    return group_indian(n) if isinstance(n, int) else NONE


def ago(then: datetime | None, now: datetime) -> str:
    """"never", "12 s ago", "3 min ago", "2 h 5 min ago", "3 days ago" ("in 4 s" for a clock ahead)."""
    if then is None:
        return "never"
    seconds = int((now - then).total_seconds())
    if seconds < 0:
        return f"in {-seconds} s"
    if seconds < 60:
        return f"{seconds} s ago"
    minutes = seconds // 60
    if minutes < 60:
        return f"{minutes} min ago"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {minutes} min ago" if minutes else f"{hours} h ago"
    return f"{hours // 24} days ago"


def local(when: datetime | None, fmt: str = "%d %b %H:%M") -> str:
    return NONE if when is None else timezone.localtime(when).strftime(fmt)


def last_line(text: str) -> str:
    lines = text.strip().splitlines()
    return lines[-1].strip()[:300] if lines else ""


def dashboard_data(*, now: datetime | None = None) -> dict[str, Any]:
    """Everything the dashboard shows, as JSON-ready text and numbers."""
    now = now or timezone.now()
    windows = {span: current_window_start(span, now=now) for span in Span}  # read once per span
    reports = [_panel(panel, live_report(panel.report, panel.span, now=now, window_start=windows[panel.span]), now)
               for panel in PANELS]
    return {
        "generated_at": now.isoformat(),
        "generated": local(now, "%d %b %Y %H:%M:%S %Z"),
        "totals": _totals(now, windows),
        "reports": reports,
        "streams": _streams(now),
        "evaluation": _evaluation(now),
        "jobs": _jobs(now),
    }


def _window(report: LiveReport) -> str:
    if report.window_start is None:
        return "no figures in a window covering now"
    start = local(report.window_start)
    if report.window_end is None:  # the span's window, with no figures of this report
        return f"window from {start}"
    return f"window {start}–{local(report.window_end)}"


def _panel(panel: Panel, report: LiveReport, now: datetime) -> dict[str, Any]:
    columns = [KEY_NAMES[panel.report], ORDER_LINES if panel.by_revenue else COUNT_NAMES[panel.report]]
    if panel.by_revenue:
        columns.append("Revenue")
    rows = []
    for figure in report.figures:
        cells = [figure.label, count(figure.events)]
        if panel.by_revenue:
            cells.append(inr(figure.revenue_paise))
        rows.append({"cells": cells})
    return {
        "id": panel.id,
        "title": panel.title,
        "window": _window(report),
        "updated": f"updated {ago(report.updated_at, now)}" if report.updated_at else "",
        "columns": columns,
        "rows": rows,
        "chart": {
            "labels": [figure.label for figure in report.figures],
            # Rupees for the money reports (the axis reads ₹), else the count.
            "values": [figure.revenue_paise / 100 if panel.by_revenue else figure.events for figure in report.figures],
            "money": panel.by_revenue,
            "label": "Revenue (₹)" if panel.by_revenue else columns[1],
        },
    }


def _totals(now: datetime, windows: dict[Span, datetime | None]) -> dict[str, Any]:
    rows = []
    for span, name in ((Span.HOUR, "Last hour"), (Span.DAY, "Last day")):
        report = live_report(Report.ORDERS, span, limit=1, now=now, window_start=windows[span])
        figure = report.figures[0] if report.figures else None
        rows.append({"cells": [name, count(figure.events if figure else 0),
                               inr(figure.revenue_paise if figure else 0), _window(report)]})
    return {"id": "orders-total", "title": "Orders", "columns": ["Span", ORDER_LINES, "Revenue", "Window"],
            "rows": rows}


def _streams(now: datetime) -> dict[str, Any]:
    rows = []
    for status in stream_status():
        alive = status.heartbeat_at is not None and now - status.heartbeat_at <= STALE_AFTER
        advancing = status.advanced_at is not None and now - status.advanced_at <= STALE_AFTER
        if status.error:
            state = f"failing: {last_line(status.error)}"
        elif not alive:
            state = ("stale: no heartbeat" if status.heartbeat_at is None
                     else f"stale: no heartbeat for {ago(status.heartbeat_at, now).removesuffix(' ago')}")
        elif not advancing:
            state = "stale: alive, but no new figures"
        else:
            state = "ok"
        rows.append({
            "cells": [f"{status.query} ({status.source})", local(status.advanced_at, "%d %b %H:%M:%S"),
                      ago(status.advanced_at, now), ago(status.heartbeat_at, now), state,
                      count(status.batch_id) if status.batch_id >= 0 else NONE,
                      local(status.watermark, "%d %b %H:%M:%S"), f"{status.rows_per_second:.1f}"],
            "flagged": state != "ok",
        })
    return {"id": "streams", "title": "Stream queries",
            "columns": ["Query", "Last advanced", "Advanced", "Heartbeat", "Status", "Batch", "Watermark",
                        "Rows/s"],
            "rows": rows, "empty": "The stream has not reported yet (manage.py spark_stream)."}


def _evaluation(now: datetime) -> dict[str, Any]:
    run = latest_run("als_eval")
    methods = (run.figures.get("methods") or {}) if run else {}
    rows = [{"cells": [method, *(_metric(values.get(key)) for key, _ in METRICS)]}
            for method, values in methods.items()]
    lift = (run.figures.get("lift_als_over_popular") or {}) if run else {}
    if lift:
        rows.append({"cells": ["lift of ALS over popularity",
                               *(_lift(lift[key]) if key in lift else NONE for key, _ in METRICS)]})
    about = ""
    if run:
        figures = run.figures
        about = (f"run #{run.id}, finished {ago(run.finished_at, now)}; cut-off {str(figures.get('cutoff', ''))[:10]}, "
                 f"{count(figures.get('customers_scored'))} customers scored, {count(figures.get('test_items'))} "
                 "test items")
    return {"id": "evaluation", "title": "Latest evaluation (als_eval)",
            "columns": ["Method", *(name for _, name in METRICS)], "rows": rows, "about": about,
            "empty": "No evaluation has succeeded yet (manage.py spark_job als_eval)."}


def _metric(value: Any) -> str:
    return f"{value:.4f}" if isinstance(value, int | float) else NONE


def _lift(value: Any) -> str:
    return f"{value:+.1%}" if isinstance(value, int | float) else "n/a"


def _jobs(now: datetime) -> dict[str, Any]:
    rows = []
    for name in JOBS:
        run = latest_run(name, succeeded=False)
        if run is None:
            rows.append({"cells": [name, "never run", NONE, NONE, NONE, ""], "flagged": False})
            continue
        good = run if run.outcome == "succeeded" else latest_run(name)
        rows.append({"cells": [name, f"{local(run.started_at)} ({ago(run.started_at, now)})", _duration(run),
                               run.outcome, _last_good(run, good, now), last_line(run.error)],
                     "flagged": run.outcome == "failed"})
    return {"id": "jobs", "title": "Batch jobs",
            "columns": ["Job", "Last run started", "Duration", "Outcome", "Last success", "Error"], "rows": rows}


def _duration(run: JobRunInfo) -> str:
    return NONE if run.duration_seconds is None else f"{run.duration_seconds:.1f} s"


def _last_good(run: JobRunInfo, good: JobRunInfo | None, now: datetime) -> str:
    if good is None:
        return "never"
    if good.id == run.id:
        return "this run"
    return f"run #{good.id}, {ago(good.finished_at, now)}"


def poll_seconds(raw: str | None) -> int:
    """The page's refresh interval: `?poll=N` within 1 to 300 seconds, else POLL_SECONDS."""
    try:
        return min(max(int(raw), 1), 300) if raw else POLL_SECONDS
    except ValueError:
        return POLL_SECONDS


# --- The views (admin.py routes to them, staff-only through admin_site.admin_view) ------------------

def dashboard_page(request: HttpRequest, context: dict[str, Any]) -> TemplateResponse:
    """The page: complete without JavaScript; live-dashboard.js then polls `dashboard_json`.
    `context`: the admin's own (each_context, opts)."""
    data = dashboard_data()
    return TemplateResponse(request, "admin/recommendations/dashboard.html", {
        **context, "title": "Live dashboard", "data": data,
        "poll_seconds": poll_seconds(request.GET.get("poll")),
        "data_url": reverse("admin:recommendations_dashboard_data"),
    })


def dashboard_json(request: HttpRequest) -> JsonResponse:
    return JsonResponse(dashboard_data(), json_dumps_params={"ensure_ascii": False})
