"""The Kafka event bus against a real Apache Kafka 4 broker (infra/engines/kafka.py), no mocks.

One broker for the session (`kafka_engine`, tests/conftest.py); each test makes its own topic and
consumer groups and deletes them.
"""

from __future__ import annotations

import itertools
import json
import logging
import re
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.utils import timezone
from kafka import KafkaAdminClient, KafkaConsumer
from kafka.structs import TopicPartition

from events.backends.base import Event, PublishError
from events.backends.kafka import TYPE_HEADER, KafkaEventBus, consume, event_from_record
from events.models import HandledEvent, OutboxEvent
from events.registry import register, unregister
from events.services import RelayReport, emit, relay_pending
from infra.engines.base import RunningEngine, free_port

PARTITIONS = 3


@pytest.fixture
def admin(kafka_engine: RunningEngine) -> Iterator[KafkaAdminClient]:
    client = KafkaAdminClient(bootstrap_servers=kafka_engine.address)
    yield client
    client.close()


@pytest.fixture
def topic(admin: KafkaAdminClient) -> Iterator[str]:
    """A fresh topic with several partitions (an auto-created one would get num.partitions=1)."""
    name = f"test.events.{uuid.uuid4().hex[:12]}"
    # wait_for_metadata: KRaft acknowledges the creation before the broker's metadata (and so
    # every client) sees its partitions; a test that asks at once would find none.
    admin.create_topics({name: {"num_partitions": PARTITIONS, "replication_factor": 1}}, wait_for_metadata=True)
    yield name
    admin.delete_topics([name])


@pytest.fixture
def new_group(admin: KafkaAdminClient) -> Iterator[Callable[[], str]]:
    """Makes consumer group names for the test; the groups are deleted afterwards."""
    made: list[str] = []

    def make() -> str:
        made.append(f"test-group-{uuid.uuid4().hex[:12]}")
        return made[-1]

    yield make
    if made:
        admin.delete_groups(made)  # per-group errors (a group that never formed) are returned, not raised


@pytest.fixture
def bus(kafka_engine: RunningEngine, topic: str) -> Iterator[KafkaEventBus]:
    bus = KafkaEventBus(kafka_engine.address, topic)
    yield bus
    bus.close()


def make_event(key: str, n: int, type: str = "tests.thing_happened.v1") -> Event:
    return Event(event_id=uuid.uuid4(), type=type, key=key, payload={"n": n},
                 occurred_at=datetime(2026, 1, 2, 3, 4, 5, n, tzinfo=UTC))


def read(kafka_engine: RunningEngine, topic: str, group: str, n: int, *, idle_s: float = 5) -> list[Event]:
    """Consume up to n events (stopping early after idle_s without one): what the group sees."""
    received: list[Event] = []
    consume(kafka_engine.address, topic, group, handle=received.append, max_messages=n, idle_timeout_s=idle_s)
    return received


def as_event(row: OutboxEvent) -> Event:
    return Event(event_id=row.event_id, type=row.type, key=row.key, payload=row.payload,
                 occurred_at=row.occurred_at)


def in_key_order(received: list[Event], published: list[Event]) -> dict[str, list[uuid.UUID]]:
    """Per key, the ids as received (first delivery of each) next to the ids as published."""
    mismatched: dict[str, list[uuid.UUID]] = {}
    for key in {e.key for e in published}:
        seen = list(dict.fromkeys(e.event_id for e in received if e.key == key))
        if seen != [e.event_id for e in published if e.key == key]:
            mismatched[key] = seen
    return mismatched


@pytest.mark.django_db
def test_relay_publishes_the_outbox_and_a_group_reads_every_key_in_order(kafka_engine, topic, bus, new_group):
    keys = [f"order-{uuid.uuid4().hex[:6]}" for _ in range(4)]
    types = ["orders.order_placed.v1", "payments.payment_captured.v1", "orders.order_packed.v1",
             "orders.order_shipped.v1", "orders.order_delivered.v1"]
    with transaction.atomic():
        for step, type_ in enumerate(types):  # keys interleaved, as concurrent orders would be
            for key in keys:
                emit(type_, key=key, payload={"order_id": key, "step": step, "total": "1299.50",
                                              "lines": [{"sku": "KETTLE-1", "qty": 2}], "note": "चाय ☕"})

    report = relay_pending(bus=bus)

    assert report == RelayReport(published=20)
    rows = list(OutboxEvent.objects.order_by("id"))
    assert all(row.published_at is not None and row.attempts == 0 for row in rows)

    received = read(kafka_engine, topic, new_group(), 20)

    assert sorted(e.event_id for e in received) == sorted(r.event_id for r in rows)
    # Every field survives the trip, and each key's events arrive in the order they were emitted.
    by_key: dict[str, list[Event]] = defaultdict(list)
    for event in received:
        by_key[event.key].append(event)
    for key in keys:
        assert by_key[key] == [as_event(r) for r in rows if r.key == key]
        assert [e.type for e in by_key[key]] == types


def read_raw(kafka_engine: RunningEngine, topic: str, count: int) -> list:
    """Every record of the topic from the start, without a group: what is really in the log."""
    raw = KafkaConsumer(bootstrap_servers=kafka_engine.address, enable_auto_commit=False)
    try:
        partitions = [TopicPartition(topic, p) for p in sorted(raw.partitions_for_topic(topic))]
        raw.assign(partitions)
        raw.seek_to_beginning(*partitions)
        records = []
        while len(records) < count:
            batch = raw.poll(timeout_ms=2000)
            assert batch, "the broker returned fewer records than were published"
            records += [r for recs in batch.values() for r in recs]
    finally:
        raw.close()
    return records


def test_wire_format_key_header_and_json_value(kafka_engine, topic, bus):
    events = [make_event(f"order-{i}", i) for i in range(12)]
    bus.publish(events)

    records = read_raw(kafka_engine, topic, 12)

    assert len(records) == 12
    by_id = {e.event_id: e for e in events}
    for record in records:
        event = by_id[uuid.UUID(json.loads(record.value)["event_id"])]
        assert record.key == event.key.encode()
        assert dict(record.headers)[TYPE_HEADER] == event.type.encode()
        assert json.loads(record.value) == {
            "event_id": str(event.event_id), "type": event.type, "key": event.key,
            "payload": event.payload, "occurred_at": event.occurred_at.isoformat(),
        }
        assert event_from_record(record) == event


def test_keys_spread_over_the_partitions_and_each_key_stays_on_one(kafka_engine, topic, bus, admin):
    assert len(admin.describe_topics([topic])[0]["partitions"]) == PARTITIONS
    events = [make_event(f"order-{key}", step) for step in range(4) for key in range(12)]
    bus.publish(events)

    records = read_raw(kafka_engine, topic, len(events))

    partitions_of: dict[bytes, set[int]] = defaultdict(set)
    for record in records:
        partitions_of[record.key].add(record.partition)
    assert all(len(partitions) == 1 for partitions in partitions_of.values())
    assert len(set().union(*partitions_of.values())) > 1
    # Within a partition the log keeps each key's events in publication order.
    received = [json.loads(r.value)["event_id"] for r in sorted(records, key=lambda r: (r.partition, r.offset))]
    for key in {e.key for e in events}:
        assert [i for i in received if i in {str(e.event_id) for e in events if e.key == key}] == [
            str(e.event_id) for e in events if e.key == key]


def test_the_producer_is_idempotent_one_session_with_sequence_numbers(kafka_engine, topic, bus, admin):
    """The broker tracks the producer's id and per-partition sequence: a batch the producer retries
    after a lost acknowledgement is recognised and not appended twice (KIP-98)."""
    events = [make_event(f"order-{key}", step) for step in range(5) for key in range(9)]
    bus.publish(events[:20])
    bus.publish(events[20:])  # the same producer: the sequence continues, no new session

    per_partition: dict[int, int] = defaultdict(int)
    for record in read_raw(kafka_engine, topic, len(events)):
        per_partition[record.partition] += 1
    states = admin.describe_producers([TopicPartition(topic, p) for p in per_partition])

    producer_ids = set()
    for tp, state in states.items():
        (producer,) = state.active_producers  # one producer wrote this partition
        assert producer.producer_id >= 0  # -1 would be a non-idempotent producer
        assert producer.last_sequence == per_partition[tp.partition] - 1  # every record numbered once
        producer_ids.add(producer.producer_id)
    assert len(producer_ids) == 1


def test_each_group_reads_every_event_and_keeps_its_own_offsets(kafka_engine, topic, bus, new_group):
    events = [make_event(f"order-{i % 4}", i) for i in range(12)]
    bus.publish(events)
    billing, search = new_group(), new_group()
    ids = sorted(e.event_id for e in events)

    billing_saw = read(kafka_engine, topic, billing, 12)
    search_saw = read(kafka_engine, topic, search, 5) + read(kafka_engine, topic, search, 7)

    # Two groups do not share the stream: each reads all of it, each key in order.
    assert sorted(e.event_id for e in billing_saw) == ids
    assert sorted(e.event_id for e in search_saw) == ids  # search's second member resumed at 5
    assert in_key_order(billing_saw, events) == in_key_order(search_saw, events) == {}
    # Each group's committed position is its own: both get only the next event.
    more = make_event("order-0", 99)
    bus.publish([more])
    assert read(kafka_engine, topic, search, 2, idle_s=1) == [more]
    assert read(kafka_engine, topic, billing, 2, idle_s=1) == [more]


def test_a_group_commits_and_a_new_member_resumes_after_the_last_handled_event(kafka_engine, topic, bus,
                                                                              new_group):
    group = new_group()
    first_batch = [make_event(f"order-{i % 3}", i) for i in range(6)]
    bus.publish(first_batch)

    first = read(kafka_engine, topic, group, 4)
    assert len(first) == 4

    second_batch = [make_event(f"order-{i % 3}", 10 + i) for i in range(3)]
    bus.publish(second_batch)

    # A new consumer of the same group gets the 2 it left plus the 3 new ones, none of the first 4.
    second = read(kafka_engine, topic, group, 5)
    assert len(second) == 5
    assert not {e.event_id for e in first} & {e.event_id for e in second}
    assert {e.event_id for e in first + second} == {e.event_id for e in first_batch + second_batch}
    # Across both consumers each key's events are still in publication order.
    published = first_batch + second_batch
    for key in {e.key for e in published}:
        seen = [e for e in first + second if e.key == key]
        assert [e.event_id for e in seen] == [e.event_id for e in published if e.key == key]

    # Everything was committed: a third member finds nothing left.
    assert read(kafka_engine, topic, group, 1, idle_s=1) == []


@pytest.mark.django_db
def test_an_event_published_twice_is_handled_once(kafka_engine, topic, bus, new_group):
    handled: list[Event] = []
    register("tests.kafka_duplicate.v1", name="tests.kafka_duplicate_counter")(handled.append)
    try:
        with transaction.atomic():
            row = emit("tests.kafka_duplicate.v1", key="order-1", payload={"order_id": "order-1"})
        assert relay_pending(bus=bus).published == 1
        # The relay crashed after Kafka took the event but before it marked the row: it goes again.
        OutboxEvent.objects.filter(pk=row.pk).update(published_at=None)
        assert relay_pending(bus=bus).published == 1

        messages = consume(kafka_engine.address, topic, new_group(), max_messages=2, idle_timeout_s=5)
    finally:
        unregister("tests.kafka_duplicate.v1", name="tests.kafka_duplicate_counter")

    assert messages == 2  # both copies were delivered...
    row.refresh_from_db()
    assert handled == [as_event(row)]  # ...and the consumer ran once
    assert HandledEvent.objects.filter(consumer="tests.kafka_duplicate_counter",
                                       event_id=row.event_id).count() == 1


def test_a_failed_event_holds_back_its_key_and_other_keys_go_through(kafka_engine, topic, new_group):
    bus = KafkaEventBus(kafka_engine.address, topic, max_request_size=4_000)
    try:
        ok_before = make_event("order-a", 0)
        too_big = Event(event_id=uuid.uuid4(), type="tests.thing_happened.v1", key="order-b",
                        payload={"blob": "x" * 10_000}, occurred_at=timezone.now())
        behind_it = make_event("order-b", 2)
        other_key = make_event("order-c", 3)

        with pytest.raises(PublishError) as caught:
            bus.publish([ok_before, too_big, behind_it, other_key])
    finally:
        bus.close()

    assert caught.value.published == [ok_before.event_id, other_key.event_id]
    assert caught.value.failed == [too_big.event_id]  # behind_it: in neither list, never sent
    assert {e.event_id for e in read(kafka_engine, topic, new_group(), 3, idle_s=1)} == {
        ok_before.event_id, other_key.event_id}


def test_a_member_leaving_mid_stream_hands_its_partitions_over_in_key_order(kafka_engine, topic, bus, new_group):
    keys = [f"order-{i}" for i in range(24)]
    published = [make_event(key, step) for step in range(10) for key in keys]  # keys interleaved
    bus.publish(published)
    group = new_group()
    handled: list[tuple[str, Event, bool]] = []  # (member, event, was the other member still in?)
    lock = threading.Lock()
    first_handled_one, first_left = threading.Event(), threading.Event()
    errors: list[BaseException] = []
    # Small polls and frequent heartbeats, so a member notices a rebalance between a few events
    # rather than after a whole fetch; a slow handler keeps the stream going while members change.
    options = {"max_poll_records": 5, "heartbeat_interval_ms": 200}

    def handler(member: str, delay_s: float) -> Callable[[Event], None]:
        def handle(event: Event) -> None:
            with lock:
                handled.append((member, event, not first_left.is_set()))
            first_handled_one.set()
            time.sleep(delay_s)
        return handle

    def first_member() -> None:
        try:
            consume(kafka_engine.address, topic, group, handle=handler("first", 0.03), max_messages=60, **options)
        except BaseException as exc:
            errors.append(exc)
        finally:
            first_left.set()

    leaving = threading.Thread(target=first_member)
    leaving.start()
    try:
        assert first_handled_one.wait(30)
        # The second member joins while the first is mid-stream (a rebalance), then the first
        # stops after 60 events and leaves the group (another one): the second gets its partitions.
        second_count = consume(kafka_engine.address, topic, group, handle=handler("second", 0.005),
                               idle_timeout_s=3, **options)
    finally:
        leaving.join(60)
    assert errors == []

    by_first = [e for member, e, _ in handled if member == "first"]
    by_second = [e for member, e, _ in handled if member == "second"]
    assert len(by_first) == 60
    assert second_count == len(by_second)
    # The two members really shared the group for a while...
    assert any(member == "second" and together for member, _, together in handled)
    # ...and the second took over keys the first had started on.
    assert {e.key for e in by_first} & {e.key for e in by_second}
    # Nothing lost, nothing handled twice (each member committed what it handled before leaving
    # or giving up a partition), and every key's events in publication order across both members.
    received = [e for _, e, _ in handled]
    assert sorted(e.event_id for e in received) == sorted(e.event_id for e in published)
    assert in_key_order(received, published) == {}


def test_an_idle_consumer_waits_on_the_broker_instead_of_spinning(kafka_engine, topic, new_group):
    cpu_before, started = time.process_time(), time.monotonic()
    assert consume(kafka_engine.address, topic, new_group(), idle_timeout_s=3) == 0
    cpu_s, wall_s = time.process_time() - cpu_before, time.monotonic() - started
    # The broker holds an empty fetch for fetch_max_wait_ms (long polling): the client sleeps.
    assert wall_s >= 3
    assert cpu_s < 0.3 * wall_s, f"{cpu_s:.2f} s CPU in {wall_s:.1f} s idle"


def bootstrap_failures(caplog: pytest.LogCaptureFixture) -> list[float]:
    """When the client tried to connect and failed, from kafka-python's own log lines."""
    return [r.created for r in caplog.records
            if r.name.startswith("kafka") and re.match(r"Bootstrap connection to .* failed", r.getMessage())]


def assert_backs_off(attempts: list[float]) -> None:
    """Several attempts, each after a longer pause than the one before: exponential back-off
    (kafka-python's reconnect_backoff_ms, 50 ms doubling with ±20 % jitter), not a hot loop."""
    gaps = [later - earlier for earlier, later in itertools.pairwise(attempts)]
    assert 3 <= len(attempts) <= 12, attempts
    assert all(later > earlier for earlier, later in itertools.pairwise(gaps)), gaps


def test_publishing_to_an_unreachable_broker_backs_off_then_raises_publish_error(caplog):
    caplog.set_level(logging.WARNING, logger="kafka")
    bus = KafkaEventBus(f"127.0.0.1:{free_port()}", "test.events.unreachable", bootstrap_timeout_ms=3_000)
    first, second, other = make_event("order-1", 1), make_event("order-1", 2), make_event("order-2", 3)

    started = time.monotonic()
    with pytest.raises(PublishError) as caught:
        bus.publish([first, second, other])
    elapsed = time.monotonic() - started

    assert caught.value.published == []
    assert caught.value.failed == [first.event_id, other.event_id]  # second waits behind first
    assert 2.5 <= elapsed < 6  # bounded by bootstrap_timeout_ms, not by luck
    assert_backs_off(bootstrap_failures(caplog))


def test_consuming_from_an_unreachable_broker_backs_off_then_fails_the_command(settings, caplog):
    caplog.set_level(logging.WARNING, logger="kafka")
    settings.BAZAAR_BACKENDS = {
        **settings.BAZAAR_BACKENDS,
        "event_bus": {"BACKEND": "events.backends.kafka.KafkaEventBus", "EMBEDDED": False,
                      "OPTIONS": {"bootstrap_servers": f"127.0.0.1:{free_port()}", "topic": "test.events.x"}},
    }
    started = time.monotonic()
    with pytest.raises(CommandError, match=r"Kafka at 127\.0\.0\.1:"):
        call_command("consume_events", "--group", "test-group-unreachable", "--max-messages", "1")
    elapsed = time.monotonic() - started

    assert elapsed < 15  # consume()'s bootstrap_timeout_ms (10 s), then a clear error
    assert_backs_off(bootstrap_failures(caplog))


@pytest.mark.django_db
def test_the_relay_records_a_failed_publish_and_backs_off_longer_each_time():
    bus = KafkaEventBus(f"127.0.0.1:{free_port()}", "test.events.unreachable", bootstrap_timeout_ms=500)
    with transaction.atomic():
        first = emit("orders.order_placed.v1", key="order-9", payload={})
        second = emit("orders.order_paid.v1", key="order-9", payload={})
    now = timezone.now()

    assert relay_pending(bus=bus, now=now) == RelayReport(failed=1)

    first.refresh_from_db()
    second.refresh_from_db()
    assert first.published_at is None and first.attempts == 1 and first.next_attempt_at > now
    assert "unreachable" in first.last_error
    assert second.published_at is None and second.attempts == 0  # untried: waits behind the first
    # Before the back-off ends the relay does not even try: the key is held back as a whole.
    assert relay_pending(bus=bus, now=now + timedelta(milliseconds=500)) == RelayReport()

    # Once it ends the relay tries again, fails again, and waits longer before the next try.
    first_wait = first.next_attempt_at - now
    retry_at = first.next_attempt_at
    assert relay_pending(bus=bus, now=retry_at) == RelayReport(failed=1)
    first.refresh_from_db()
    assert first.attempts == 2 and first.next_attempt_at - retry_at > first_wait


@pytest.mark.django_db(transaction=True)
def test_consume_events_command_dispatches_from_the_configured_kafka(kafka_engine, topic, bus, new_group,
                                                                     settings):
    settings.BAZAAR_BACKENDS = {
        **settings.BAZAAR_BACKENDS,
        "event_bus": {"BACKEND": "events.backends.kafka.KafkaEventBus", "EMBEDDED": False,
                      "OPTIONS": {"bootstrap_servers": kafka_engine.address, "topic": topic}},
    }
    handled: list[Event] = []
    register("tests.kafka_command.v1", name="tests.kafka_command_counter")(handled.append)
    events = [make_event("order-1", 1, type="tests.kafka_command.v1"),
              make_event("order-1", 2, type="tests.kafka_command.v1")]
    bus.publish(events)
    try:
        call_command("consume_events", "--group", new_group(), "--max-messages", "2", "--idle-timeout", "5")
    finally:
        unregister("tests.kafka_command.v1", name="tests.kafka_command_counter")

    assert handled == events
    assert HandledEvent.objects.filter(consumer="tests.kafka_command_counter").count() == 2


def test_consume_events_command_refuses_without_kafka(settings):
    settings.BAZAAR_BACKENDS = {
        **settings.BAZAAR_BACKENDS,
        "event_bus": {"BACKEND": "events.backends.in_process.InProcessEventBus", "EMBEDDED": True},
    }
    with pytest.raises(CommandError, match="not Kafka"):
        call_command("consume_events", "--max-messages", "1")
