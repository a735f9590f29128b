"""The live reports for real (issue 9 item 3): Spark Structured Streaming in local mode, over the
lake as a file stream (the in-process bus) and over the real Kafka broker (`manage.py spark_stream`
as its own process), writing the report tables the dashboard reads. Like the other Spark tests, no
Java here is a skip, or a failure under CI's BAZAAR_REQUIRE_ENGINES."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import transaction
from django.utils import timezone

from events.backends.kafka import KafkaEventBus
from events.interface import Event
from events.models import OutboxEvent
from events.services import relay_pending
from infra.engines.base import EngineUnavailable, classpath
from orders.services import order_mark_paid
from recommendations.behaviour import BehaviourEvent, BehaviourType, behaviour_event_type
from recommendations.lake import lake_compact, lake_write
from recommendations.lake_inbox import lake_drain
from recommendations.models import LiveReportRow, StreamProgress
from recommendations.reports import live_report
from recommendations.spark import java_available
from recommendations.streaming import stream_run
from tests.engines import ENGINE_MARKS, unavailable
from tests.events.test_celery_worker import database_url_of_the_test_database
from tests.events.test_spark_kafka import topic  # noqa: F401  (the fixture: a topic of its own)
from tests.orders.helpers import place
from tests.recommendations.results import add_item
from tests.shop_world import BENGALURU_PIN

pytestmark = [*ENGINE_MARKS]
REPO = Path(__file__).resolve().parents[2]
HOUR, DAY = LiveReportRow.Span.HOUR, LiveReportRow.Span.DAY


def needs_java() -> None:
    if not java_available():
        unavailable("Spark cannot run here: no Java")


def behaviour(kind: BehaviourType, item_id: int, *, ago: timedelta, category_id: int, price_paise: int = 0,
              pin_code: str = "", quantity: int = 1) -> BehaviourEvent:
    return BehaviourEvent(event_id=uuid.uuid4(), type=kind, occurred_at=timezone.now() - ago, visitor_id="v",
                          item_id=item_id, category_id=category_id, price_paise=price_paise, pin_code=pin_code,
                          quantity=quantity)


def figures(report: str, span: str) -> dict[str, tuple[int, int]]:
    return {f.key: (f.events, f.revenue_paise) for f in live_report(report, span, limit=50).figures}


def wait_until(condition, *, seconds: float, what: str, alive=lambda: True) -> float:
    started = time.monotonic()
    while not condition():
        assert alive(), f"the stream stopped while waiting for {what}"
        assert time.monotonic() - started < seconds, f"{what}: not within {seconds:.0f} s"
        time.sleep(0.5)
    return time.monotonic() - started


@pytest.fixture
def lake(tmp_path, settings):
    settings.BEHAVIOUR_LAKE_PATH = str(tmp_path / "lake")
    settings.RECOMMENDATIONS_STREAM_CHECKPOINT_DIR = str(tmp_path / "checkpoints")
    return tmp_path / "lake"


@pytest.mark.django_db(transaction=True)
def test_the_lake_stream_counts_each_event_once_and_an_order_shows_within_60_seconds(world_tx, lake):
    needs_java()
    world = world_tx
    phone = add_item(world, "PHONE", title="Phone", price_paise=20_000, stock={"BLR1": 10})
    case = add_item(world, "CASE", title="Case", price_paise=5_000)
    cat = world.category_id
    earlier = [behaviour(BehaviourType.PRODUCT_VIEWED, phone, ago=timedelta(hours=3), category_id=cat)
               for _ in range(4)]
    recent = [
        *(behaviour(BehaviourType.PRODUCT_VIEWED, phone, ago=timedelta(minutes=9), category_id=cat) for _ in range(3)),
        behaviour(BehaviourType.SEARCH_CLICKED, case, ago=timedelta(minutes=8), category_id=cat),
        behaviour(BehaviourType.WISHLIST_ADDED, case, ago=timedelta(minutes=7), category_id=cat),
        behaviour(BehaviourType.WISHLIST_ADDED, phone, ago=timedelta(minutes=7), category_id=cat),
        behaviour(BehaviourType.WISHLIST_REMOVED, phone, ago=timedelta(minutes=6), category_id=cat),
        behaviour(BehaviourType.CART_ADDED, case, ago=timedelta(minutes=5), category_id=cat),
    ]
    lake_write(earlier + recent)

    stopping = threading.Event()
    failure: list[BaseException] = []
    lines: list[str] = []

    def run() -> None:
        try:
            stream_run(stopping=stopping, progress=lines.append)
        except BaseException as exc:  # reported by the test below
            failure.append(exc)

    thread = threading.Thread(target=run, name="live-reports", daemon=True)
    thread.start()
    try:
        wait_until(lambda: StreamProgress.objects.filter(advanced_at__isnull=False).count() == 2,
                   seconds=240, what="the first micro-batch of both queries", alive=thread.is_alive)
        # The last hour counts the last hour; the last day also the hours before it.
        # Sought: views, clicks, wishlist and cart adds, orders (a removal is not).
        assert figures("items", HOUR) == {str(phone): (4, 0), str(case): (3, 0)}
        assert figures("items", DAY) == {str(phone): (8, 0), str(case): (3, 0)}
        assert figures("categories", HOUR) == {str(cat): (7, 0)}
        assert figures("wishlisted", HOUR) == {str(case): (1, 0)}  # the phone was added and removed
        assert figures("orders", HOUR) == {}

        # Compaction re-writes the older hours under new file names, and a redelivered batch lands
        # again: the stream reads the new files and counts none of their events twice.
        assert lake_compact(ended_before=timezone.now()).partitions >= 0
        lake_write(recent[:2])

        # An order through the shop: the worker's relay hands its event to the behaviour consumer, whose
        # behaviour events reach the lake inbox; the scheduler's drain (every 15 s) writes them.
        started = time.monotonic()
        order = place(world.customer.pk, phone, 2, pin_code=BENGALURU_PIN)
        order_mark_paid(order_id=str(order.pk))  # what the payment-succeeded consumer does: placed
        relay_pending()  # orders.order_placed → behaviour.order_placed (analytics, written at once in tests)
        relay_pending()  # behaviour.order_placed → the lake inbox
        assert lake_drain() == 1
        wait_until(lambda: figures("orders", HOUR) == {"": (2, 40_000)}, seconds=60,
                   what="the order in the last hour's report", alive=thread.is_alive)
        shown_after = time.monotonic() - started
        assert shown_after < 60

        # The day's query runs beside the hour's, a micro-batch of its own.
        wait_until(lambda: figures("orders", DAY) == {"": (2, 40_000)}, seconds=60,
                   what="the order in the last day's report", alive=thread.is_alive)
        assert figures("orders_state", HOUR) == {"KARNATAKA": (2, 40_000)}
        assert figures("orders_pin", HOUR) == {BENGALURU_PIN[:3]: (2, 40_000)}
        assert figures("revenue_category", DAY) == {str(cat): (2, 40_000)}
        assert figures("items", HOUR) == {str(phone): (5, 0), str(case): (3, 0)}  # + the order, no duplicates
        assert figures("items", DAY) == {str(phone): (9, 0), str(case): (3, 0)}
        report = live_report("orders", HOUR)
        assert report.window_start <= timezone.now() < report.window_end
        assert report.window_end - report.window_start == timedelta(hours=1)
        progress = {p.query: p for p in StreamProgress.objects.all()}
        assert {p.source for p in progress.values()} == {"lake"} and not any(p.error for p in progress.values())
        # The watermark comes with the next heartbeat after a batch (every 5 s).
        wait_until(lambda: StreamProgress.objects.get(query=HOUR).watermark is not None, seconds=30,
                   what="the hour query's watermark", alive=thread.is_alive)
    finally:
        stopping.set()
        thread.join(60)
    assert not thread.is_alive(), "the stream did not stop when asked"
    assert not failure, failure
    assert lines and "reading lake" in lines[0]
    print(f"order shown in the last hour's report {shown_after:.1f} s after it was placed")


def publish(events: list[BehaviourEvent], bus: KafkaEventBus) -> None:
    from events.services import emit

    with transaction.atomic():
        for event in events:
            emit(behaviour_event_type(event.type), key=event.visitor_id, payload=event.as_payload())
    assert relay_pending(bus=bus).published == len(events)


@pytest.mark.django_db(transaction=True)
def test_the_stream_command_reads_kafka_directly_and_stops_on_sigterm(kafka_engine, topic, tmp_path):  # noqa: F811
    needs_java()
    try:
        jars = classpath("spark-kafka")
    except EngineUnavailable as exc:
        unavailable(f"Spark's Kafka connector cannot be fetched: {exc}")
        raise
    bus = KafkaEventBus(kafka_engine.address, topic)
    before = [behaviour(BehaviourType.PRODUCT_VIEWED, 41, ago=timedelta(minutes=30), category_id=4)
              for _ in range(3)]
    publish(before, bus)  # on the topic before the stream starts: read from a day back

    env = {**os.environ, "DATABASE_URL": database_url_of_the_test_database(),
           "KAFKA_BOOTSTRAP_SERVERS": kafka_engine.address, "KAFKA_EVENTS_TOPIC": topic,
           "SPARK_JARS": ",".join(str(jar) for jar in jars),
           "RECOMMENDATIONS_STREAM_CHECKPOINT_DIR": str(tmp_path / "checkpoints")}
    log = (tmp_path / "stream.log").open("w+")
    stream = subprocess.Popen([sys.executable, "manage.py", "spark_stream"], cwd=REPO, env=env, stdout=log,
                              stderr=subprocess.STDOUT, start_new_session=True)

    def output() -> str:
        log.flush()
        return (tmp_path / "stream.log").read_text()[-4000:]

    try:
        wait_until(lambda: figures("items", HOUR).get("41") == (3, 0), seconds=240,
                   what="the events published before the stream started", alive=lambda: stream.poll() is None)
        order = behaviour(BehaviourType.ORDER_PLACED, 42, ago=timedelta(seconds=1), category_id=4,
                          price_paise=12_345, pin_code="110020", quantity=3)
        # A relay that crashed before marking its batch published sends it again: the same envelopes
        # (before the order, so the micro-batch that shows the order has read them too).
        bus.publish([Event(event_id=row.event_id, type=row.type, key=row.key, payload=row.payload,
                           occurred_at=row.occurred_at) for row in OutboxEvent.objects.order_by("id")[:2]])
        started = time.monotonic()
        publish([order], bus)
        wait_until(lambda: figures("orders", HOUR) == {"": (3, 37_035)}, seconds=60,
                   what="the order in the last hour's report", alive=lambda: stream.poll() is None)
        assert time.monotonic() - started < 60
        wait_until(lambda: figures("orders_state", DAY) == {"DELHI": (3, 37_035)}, seconds=60,
                   what="the order in the last day's report", alive=lambda: stream.poll() is None)
        assert figures("items", HOUR) == {"41": (3, 0), "42": (1, 0)}  # the redelivered views counted once
        assert {p.source for p in StreamProgress.objects.all()} == {"kafka"}
    except AssertionError as exc:
        raise AssertionError(f"{exc}\n--- spark_stream:\n{output()}") from exc
    finally:
        bus.close()
        if stream.poll() is None:
            stream.send_signal(signal.SIGTERM)
        try:
            code = stream.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(stream.pid, signal.SIGKILL)
            raise
    whole = (tmp_path / "stream.log").read_text()  # Spark's warnings at stop can be long: not only the tail
    assert code == 0, output()
    assert "reading kafka" in whole and "live reports stopped" in whole
