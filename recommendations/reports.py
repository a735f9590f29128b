"""Reading the live reports the stream writes (recommendations/streaming.py): each report's figures
in the current window of an hour or a day, labelled for people, and how far the stream got."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from types import EllipsisType

from django.utils import timezone

from catalog.interface import category_names, items_get
from recommendations.models import LiveReportRow, StreamProgress

Span = LiveReportRow.Span
Report = LiveReportRow.Report
ITEM_REPORTS = {Report.ITEMS, Report.WISHLISTED}
CATEGORY_REPORTS = {Report.CATEGORIES, Report.REVENUE_BY_CATEGORY}
# The figure a report ranks by: revenue for the money reports, the count for the others.
BY_REVENUE = {Report.ORDERS_BY_STATE, Report.ORDERS_BY_PIN, Report.REVENUE_BY_CATEGORY}


@dataclass(frozen=True, slots=True)
class LiveFigure:
    key: str
    label: str
    events: int
    revenue_paise: int


@dataclass(frozen=True, slots=True)
class LiveReport:
    report: str
    title: str
    span: str
    window_start: datetime | None  # None: no figures in a window that covers now
    window_end: datetime | None
    figures: list[LiveFigure]
    updated_at: datetime | None  # when the stream last changed a figure of this window


@dataclass(frozen=True, slots=True)
class StreamStatus:
    query: str
    source: str
    batch_id: int
    advanced_at: datetime | None
    heartbeat_at: datetime | None
    watermark: datetime | None
    rows_per_second: float
    error: str


def current_window_start(span: str, *, now: datetime | None = None) -> datetime | None:
    """The start of the window of `span` that covers the most of the time up to `now`: of the sliding
    windows that cover now, the earliest that holds figures (it ends within a slide after now, so
    "the last hour" is the last 55 to 60 minutes). None when no window covering now has any."""
    now = now or timezone.now()
    return (LiveReportRow.objects.filter(span=span, window_start__lte=now, window_end__gt=now)
            .order_by("window_start").values_list("window_start", flat=True).first())


def live_report(report: str, span: str, *, limit: int = 10, now: datetime | None = None,
                window_start: datetime | EllipsisType | None = ...) -> LiveReport:
    """The report's top figures in the current window of `span` (an hour or a day up to now).
    `window_start`: that window, when the caller read it already (`current_window_start`)."""
    report = Report(report)
    start = current_window_start(span, now=now) if window_start is ... else window_start
    if start is None:
        return LiveReport(report, report.label, span, None, None, [], None)
    order = ("-revenue_paise", "-events", "key") if report in BY_REVENUE else ("-events", "-revenue_paise", "key")
    rows = list(LiveReportRow.objects.filter(span=span, window_start=start, report=report, events__gt=0)
                .order_by(*order)[:limit])
    labels = _labels(report, [row.key for row in rows])
    figures = [LiveFigure(row.key, labels.get(row.key, row.key or "all"), row.events, row.revenue_paise)
               for row in rows]
    window_end = rows[0].window_end if rows else None
    updated = max((row.updated_at for row in rows), default=None)
    return LiveReport(report, report.label, span, start, window_end, figures, updated)


def _labels(report: str, keys: list[str]) -> dict[str, str]:
    if report in ITEM_REPORTS:
        items = items_get([int(key) for key in keys if key.isdigit()], with_attributes=False)
        return {str(item_id): item.title for item_id, item in items.items()}
    if report in CATEGORY_REPORTS:
        return {str(pk): name for pk, name in category_names(int(key) for key in keys if key.isdigit()).items()}
    if report == Report.ORDERS_BY_STATE:
        return {key: key.title() for key in keys}
    if report == Report.ORDERS_BY_PIN:
        return {key: f"{key}xxx" for key in keys}
    return {}


def stream_status() -> list[StreamStatus]:
    return [StreamStatus(p.query, p.source, p.batch_id, p.advanced_at, p.heartbeat_at, p.watermark,
                         p.rows_per_second, p.error)
            for p in StreamProgress.objects.order_by("query")]
