"""The live reports (issue 9 item 3): Spark Structured Streaming over the behaviour events, sliding
windows with a watermark, each micro-batch's changed figures upserted into `LiveReportRow`.

    source → events (deduplicated by event id within the watermark) → figures → two queries:
      "hour": windows of 1 hour sliding every 5 minutes
      "day":  windows of 1 day sliding every hour
    each: group by (window, report, key), sum → foreachBatch: upsert the changed windows' totals

The source is the shop's Kafka topic when the event bus is Kafka (the connector reads the topic
directly, from a day back on a fresh checkpoint), else the lake as a file stream: the last two
days' hourly folders of the kinds the reports count, restarted on a fresh checkpoint at midnight
(UTC), so a listing never walks months of folders. Compaction (`lake_compact`) re-writes an old
hour's events under a new file name; the deduplication and the watermark drop them again.

Every write is a window's total, not an increment, so a micro-batch that Spark re-runs after a
crash writes the same rows again. Decision 0027 has the measurements.
"""

from __future__ import annotations

import contextlib
import logging
import shutil
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.db import connection, transaction
from django.utils import timezone

from logistics.interface import pin_code_states
from recommendations.behaviour import EVENT_TYPE_PREFIX, BehaviourType
from recommendations.conf import RecommendationSettings, rec_settings
from recommendations.models import LiveReportRow, StreamProgress
from recommendations.places import PIN_PREFIX_STATES
from recommendations.spark import spark_session

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame, SparkSession
    from pyspark.sql.streaming import StreamingQuery

logger = logging.getLogger(__name__)

Report = LiveReportRow.Report
# What a customer seeks: the signals the "most sought-after" reports count.
SOUGHT = (BehaviourType.PRODUCT_VIEWED, BehaviourType.SEARCH_CLICKED, BehaviourType.WISHLIST_ADDED,
          BehaviourType.CART_ADDED, BehaviourType.ORDER_PLACED)
LIVE_TYPES = (*SOUGHT, BehaviourType.WISHLIST_REMOVED)
LAKE_SCHEMA_DDL = (
    "event_id STRING, occurred_at TIMESTAMP, item_id BIGINT, category_id BIGINT, price_paise BIGINT, "
    "pin_code STRING, quantity INT, type STRING, date STRING, hour INT"
)
KAFKA_VALUE_DDL = (
    "event_id STRING, type STRING, occurred_at STRING, payload STRUCT<item_id: BIGINT, category_id: BIGINT, "
    "price_paise: BIGINT, pin_code: STRING, quantity: INT>"
)
HEARTBEAT_SECONDS = 5.0
# The row an upsert replaces (SQLite names it; MariaDB's ON DUPLICATE KEY UPDATE takes any unique key).
UPSERT_TARGET = ["span", "window_start", "report", "key"]
RETRY_SECONDS = 30.0


@dataclass(frozen=True, slots=True)
class Span:
    name: str
    length: str
    slide: str
    keep: timedelta  # rows of windows that ended longer ago than this are deleted


SPANS = (
    Span(LiveReportRow.Span.HOUR, "1 hour", "5 minutes", timedelta(hours=3)),
    Span(LiveReportRow.Span.DAY, "1 day", "1 hour", timedelta(days=2)),
)


@dataclass(frozen=True, slots=True)
class Source:
    kind: str  # "kafka" or "lake"
    bootstrap_servers: str = ""
    topic: str = ""
    lake: str = ""


def configured_source(backends: dict[str, dict], conf: RecommendationSettings) -> Source:
    """Kafka when the event bus is Kafka, else the lake."""
    bus = backends["event_bus"]
    if not bus.get("EMBEDDED") and "kafka" in bus["BACKEND"]:
        options = bus["OPTIONS"]
        return Source("kafka", bootstrap_servers=options["bootstrap_servers"], topic=options["topic"])
    return Source("lake", lake=conf.lake_location)


# --- the events -----------------------------------------------------------------------------------

def lake_dates(today: date) -> tuple[str, str]:
    return ((today - timedelta(days=1)).isoformat(), today.isoformat())


def lake_glob(lake: str, dates: Iterable[str]) -> str:
    """The hourly folders of the live kinds on the given dates (a Hadoop glob)."""
    return f"{lake.rstrip('/')}/type={{{','.join(LIVE_TYPES)}}}/date={{{','.join(dates)}}}/hour=*"


def lake_events(spark: SparkSession, lake: str, dates: Iterable[str]) -> DataFrame:
    from pyspark.sql import functions as F

    frame = (spark.readStream.schema(LAKE_SCHEMA_DDL).option("basePath", lake)
             .option("maxFilesPerTrigger", 2000).parquet(lake_glob(lake, dates)))
    return frame.select("event_id", "occurred_at", "type", "item_id", "category_id", "price_paise", "pin_code",
                        F.coalesce("quantity", F.lit(1)).alias("quantity"))


def kafka_events(spark: SparkSession, source: Source, *, starting: datetime) -> DataFrame:
    """The topic's behaviour events, from `starting` on a fresh checkpoint (then where it left off)."""
    from pyspark.sql import functions as F

    value = F.from_json(F.col("value").cast("string"), KAFKA_VALUE_DDL).alias("e")
    frame = (spark.readStream.format("kafka")
             .option("kafka.bootstrap.servers", source.bootstrap_servers)
             .option("subscribe", source.topic)
             .option("startingTimestamp", str(int(starting.timestamp() * 1000)))
             # A partition with nothing since then starts at its end (Spark's default fails the query).
             .option("startingOffsetsByTimestampStrategy", "latest")
             .option("failOnDataLoss", "false")  # retention may have removed what a stopped stream missed
             .load().select(value))
    kind = F.regexp_extract("e.type", rf"^{EVENT_TYPE_PREFIX.replace('.', '[.]')}(.+)[.]v[0-9]+$", 1)
    return (frame.select(
        F.col("e.event_id").alias("event_id"), F.col("e.occurred_at").cast("timestamp").alias("occurred_at"),
        kind.alias("type"), "e.payload.item_id", "e.payload.category_id", "e.payload.price_paise",
        "e.payload.pin_code", F.coalesce("e.payload.quantity", F.lit(1)).alias("quantity"))
        .filter(F.col("type").isin(list(LIVE_TYPES)) & F.col("occurred_at").isNotNull()))


# --- the figures ----------------------------------------------------------------------------------

def states_frame(spark: SparkSession) -> tuple[DataFrame, DataFrame]:
    """(PIN → state) for the PINs logistics has loaded, and (first two digits → state): the postal
    circle, for a PIN it hasn't. Read once when the stream starts."""
    pins = [(pin, state.upper()) for pin, state in pin_code_states().items()] or [("", "")]
    circles = [(prefix, state.upper()) for prefix, state in PIN_PREFIX_STATES.items()]
    return (spark.createDataFrame(pins, "pin_code STRING, pin_state STRING"),
            spark.createDataFrame(circles, "circle STRING, circle_state STRING"))


def figures(events: DataFrame, states: tuple[DataFrame, DataFrame]) -> DataFrame:
    """Each event as the report rows it adds to: (occurred_at, report, key, events, revenue_paise).

    Sought reports count an event; the wishlist counts +1 / -1; the order reports count units and
    revenue (unit price × quantity)."""
    from pyspark.sql import functions as F

    pins, circles = states
    type_ = F.col("type")
    placed = type_ == BehaviourType.ORDER_PLACED
    sought = type_.isin(list(SOUGHT))
    wished = type_.isin([BehaviourType.WISHLIST_ADDED, BehaviourType.WISHLIST_REMOVED])
    units = F.col("quantity").cast("long")
    revenue = F.col("price_paise") * units
    with_state = (events
                  .join(F.broadcast(pins), "pin_code", "left")
                  .join(F.broadcast(circles), F.substring("pin_code", 1, 2) == F.col("circle"), "left")
                  .withColumn("state", F.coalesce("pin_state", "circle_state", F.lit("UNKNOWN"))))

    def row(condition: Column, report: str, key: Column, count: Column, money: Column) -> Column:
        return F.when(condition, F.struct(F.lit(str(report)).alias("report"), key.cast("string").alias("key"),
                                          count.alias("events"), money.alias("revenue_paise")))

    zero = F.lit(0).cast("long")
    one = F.lit(1).cast("long")
    rows = F.array(
        row(sought, Report.ITEMS, F.col("item_id"), one, zero),
        row(sought, Report.CATEGORIES, F.col("category_id"), one, zero),
        row(wished, Report.WISHLISTED, F.col("item_id"),
            F.when(type_ == BehaviourType.WISHLIST_ADDED, one).otherwise(-one), zero),
        row(placed, Report.ORDERS, F.lit(""), units, revenue),
        row(placed, Report.ORDERS_BY_STATE, F.col("state"), units, revenue),
        row(placed, Report.ORDERS_BY_PIN, F.substring("pin_code", 1, 3), units, revenue),
        row(placed, Report.REVENUE_BY_CATEGORY, F.col("category_id"), units, revenue),
    )
    return (with_state.select("occurred_at", F.explode(F.filter(rows, lambda r: r.isNotNull())).alias("r"))
            .select("occurred_at", "r.*"))


def windowed(events: DataFrame, states: tuple[DataFrame, DataFrame], span: Span, *,
             watermark_minutes: int) -> DataFrame:
    """The span's window totals: (window_start, window_end as epoch seconds, report, key, events, revenue)."""
    from pyspark.sql import functions as F

    deduplicated = (events.withWatermark("occurred_at", f"{watermark_minutes} minutes")
                    .dropDuplicatesWithinWatermark(["event_id"]))
    window = F.window("occurred_at", span.length, span.slide)
    return (figures(deduplicated, states)
            .groupBy(window.alias("w"), "report", "key")
            .agg(F.sum("events").alias("events"), F.sum("revenue_paise").alias("revenue_paise"))
            .select(F.unix_timestamp("w.start").alias("window_start"), F.unix_timestamp("w.end").alias("window_end"),
                    "report", "key", "events", "revenue_paise"))


# --- writing the figures ----------------------------------------------------------------------------

def _utc(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def figures_upsert(span: Span, source_kind: str, rows: list[Any], batch_id: int) -> None:
    """A micro-batch's changed window totals into the report table, and the query's progress."""
    now = timezone.now()
    try:
        _figures_write(span, source_kind, rows, batch_id, now)
    finally:
        connection.close()  # Spark's callback threads come and go: leave no connection behind


def _figures_write(span: Span, source_kind: str, rows: list[Any], batch_id: int, now: datetime) -> None:
    upsert_target = UPSERT_TARGET if connection.features.supports_update_conflicts_with_target else None
    with transaction.atomic():
        if rows:
            LiveReportRow.objects.bulk_create(
                [LiveReportRow(span=span.name, window_start=_utc(r["window_start"]), window_end=_utc(r["window_end"]),
                               report=r["report"], key=r["key"] or "", events=r["events"] or 0,
                               revenue_paise=r["revenue_paise"] or 0, updated_at=now) for r in rows],
                update_conflicts=True, unique_fields=upsert_target,
                update_fields=["window_end", "events", "revenue_paise", "updated_at"], batch_size=1000)
            LiveReportRow.objects.filter(span=span.name, window_end__lt=now - span.keep).delete()
        progress = {"source": source_kind, "batch_id": batch_id, "heartbeat_at": now, "error": ""}
        if rows:
            progress["advanced_at"] = now
        StreamProgress.objects.update_or_create(query=span.name, defaults=progress)


def heartbeat(span: Span, source_kind: str, query: StreamingQuery) -> None:
    """The query is alive: its watermark and input rate, for the dashboard."""
    last: Mapping[str, Any] = query.lastProgress or {}  # StreamingQueryProgress is a dict
    watermark = (last.get("eventTime") or {}).get("watermark")
    values: dict[str, Any] = {"source": source_kind, "heartbeat_at": timezone.now(),
                              "rows_per_second": float(last.get("processedRowsPerSecond") or 0.0)}
    if watermark and not watermark.startswith("1970-"):
        values["watermark"] = datetime.fromisoformat(watermark.replace("Z", "+00:00"))
    try:
        StreamProgress.objects.update_or_create(query=span.name, defaults=values)
    finally:
        connection.close()  # one write every few seconds: not worth a connection held between them


def failure_record(span_names: Iterable[str], error: str) -> None:
    try:
        StreamProgress.objects.filter(query__in=list(span_names)).update(error=error[-2000:])
    finally:
        connection.close()


# --- running ---------------------------------------------------------------------------------------

@dataclass
class StreamRun:
    """What `stream_run` did: for the command's last line and the tests."""

    restarts: int = 0  # a new day's folders
    failures: int = 0  # a query that failed and was started again
    batches: dict[str, int] = field(default_factory=dict)  # micro-batches per query


def checkpoint_dir(conf: RecommendationSettings, source: Source, span: Span, dates: tuple[str, ...]) -> Path:
    suffix = f"-{dates[-1]}" if source.kind == "lake" else ""
    return Path(conf.stream_checkpoint_dir) / f"{source.kind}-{span.name}{suffix}"


def queries_start(spark: SparkSession, source: Source, conf: RecommendationSettings, *, today: date,
                  trigger_seconds: float) -> list[tuple[Span, StreamingQuery]]:
    dates = lake_dates(today)
    states = states_frame(spark)
    started = []
    for span in SPANS:
        if source.kind == "kafka":
            events = kafka_events(spark, source, starting=timezone.now() - timedelta(days=1, hours=1))
        else:
            events = lake_events(spark, source.lake, dates)
        frame = windowed(events, states, span, watermark_minutes=conf.stream_watermark_minutes)
        location = checkpoint_dir(conf, source, span, dates)

        def write(batch: DataFrame, batch_id: int, span: Span = span) -> None:
            figures_upsert(span, source.kind, batch.collect(), batch_id)

        query = (frame.writeStream.outputMode("update").queryName(f"bazaar_live_{span.name}")
                 .option("checkpointLocation", str(location))
                 .trigger(processingTime=f"{trigger_seconds} seconds")
                 .foreachBatch(write).start())
        started.append((span, query))
    return started


def old_checkpoints_remove(conf: RecommendationSettings, source: Source, today: date) -> None:
    """The lake's checkpoints of earlier days (each day starts afresh)."""
    if source.kind != "lake":
        return
    keep = {checkpoint_dir(conf, source, span, lake_dates(today)).name for span in SPANS}
    root = Path(conf.stream_checkpoint_dir)
    for folder in root.glob("lake-*") if root.exists() else ():
        if folder.name not in keep:
            shutil.rmtree(folder, ignore_errors=True)


def stream_run(*, source: Source | None = None, stopping: threading.Event | None = None,
               progress: Callable[[str], None] = print, today: Callable[[], date] | None = None) -> StreamRun:
    """Run the live reports until `stopping` is set. A query that fails is recorded (the dashboard
    shows it) and the queries start again from their checkpoints after RETRY_SECONDS."""
    from django.conf import settings

    conf = rec_settings()
    source = source or configured_source(settings.BAZAAR_BACKENDS, conf)
    stopping = stopping or threading.Event()
    today = today or (lambda: timezone.now().date())
    spark = spark_session(kafka=source.kind == "kafka")
    if source.kind == "lake" and "://" not in source.lake:
        Path(source.lake).mkdir(parents=True, exist_ok=True)  # a shop with no behaviour yet
    run = StreamRun()
    while not stopping.is_set():
        day = today()
        old_checkpoints_remove(conf, source, day)
        queries = queries_start(spark, source, conf, today=day, trigger_seconds=conf.stream_trigger_seconds)
        where = source.topic if source.kind == "kafka" else lake_glob(source.lake, lake_dates(day))
        progress(f"live reports: {len(queries)} queries reading {source.kind} ({where}), "
                 f"a micro-batch every {conf.stream_trigger_seconds:g} s")
        try:
            while not stopping.wait(HEARTBEAT_SECONDS):
                failed = [(span, query.exception()) for span, query in queries if query.exception() is not None]
                if failed:
                    # Recorded for the dashboard; the queries start again from their checkpoints (pages
                    # never depend on the stream, so the shop carries on meanwhile).
                    error = "; ".join(f"the {span.name} query stopped: {exc}" for span, exc in failed)
                    failure_record([span.name for span, _ in failed], error)
                    progress(f"live reports: {error.splitlines()[0][:300]}; restarting in {RETRY_SECONDS:g} s")
                    run.failures += 1
                    stopping.wait(RETRY_SECONDS)
                    break
                for span, query in queries:
                    heartbeat(span, source.kind, query)
                if source.kind == "lake" and today() != day:
                    progress(f"live reports: a new day ({today()}): restarting on its folders")
                    run.restarts += 1
                    break
        finally:
            for span, query in queries:
                run.batches[span.name] = run.batches.get(span.name, 0) + len(query.recentProgress or [])
                with contextlib.suppress(Exception):
                    query.stop()
    return run

