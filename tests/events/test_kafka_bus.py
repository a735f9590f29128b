"""The Kafka event bus against a real Kafka-protocol broker (noida-db), no mocks.

Each test uses its own topic and consumer group on one broker for the session.
"""

from __future__ import annotations

import json
import uuid
from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.utils import timezone
from kafka import KafkaConsumer
from kafka.structs import TopicPartition

from events.backends.base import Event, PublishError
from events.backends.kafka import TYPE_HEADER, KafkaEventBus, consume, event_from_record
from events.models import HandledEvent, OutboxEvent
from events.registry import register, unregister
from events.services import RelayReport, emit, relay_pending
from tests.brokers import RunningServer, broker_fixture, free_port, kafka_create_topic

pytestmark = pytest.mark.broker

kafka_server = broker_fixture("kafka")


@pytest.fixture
def topic(kafka_server: RunningServer) -> str:
    name = f"test.events.{uuid.uuid4().hex[:12]}"
    kafka_create_topic(kafka_server, name, partitions=3)
    return name


@pytest.fixture
def bus(kafka_server: RunningServer, topic: str) -> Iterator[KafkaEventBus]:
    bus = KafkaEventBus(kafka_server.address, topic)
    yield bus
    bus.close()


def new_group() -> str:
    return f"test-group-{uuid.uuid4().hex[:12]}"


def make_event(key: str, n: int, type: str = "tests.thing_happened.v1") -> Event:
    return Event(event_id=uuid.uuid4(), type=type, key=key, payload={"n": n},
                 occurred_at=datetime(2026, 1, 2, 3, 4, 5, n, tzinfo=UTC))


def read(kafka_server: RunningServer, topic: str, group: str, n: int, *, idle_s: float = 5) -> list[Event]:
    """Consume up to n events (stopping early after idle_s without one): what the group sees."""
    received: list[Event] = []
    consume(kafka_server.address, topic, group, handle=received.append, max_messages=n, idle_timeout_s=idle_s)
    return received


def as_event(row: OutboxEvent) -> Event:
    return Event(event_id=row.event_id, type=row.type, key=row.key, payload=row.payload,
                 occurred_at=row.occurred_at)


@pytest.mark.django_db
def test_relay_publishes_the_outbox_and_a_group_reads_every_key_in_order(kafka_server, topic, bus):
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

    received = read(kafka_server, topic, new_group(), 20)

    assert sorted(e.event_id for e in received) == sorted(r.event_id for r in rows)
    # Every field survives the trip, and each key's events arrive in the order they were emitted.
    by_key: dict[str, list[Event]] = defaultdict(list)
    for event in received:
        by_key[event.key].append(event)
    for key in keys:
        assert by_key[key] == [as_event(r) for r in rows if r.key == key]
        assert [e.type for e in by_key[key]] == types


def test_wire_format_key_header_and_json_value(kafka_server, topic, bus):
    events = [make_event(f"order-{i}", i) for i in range(12)]
    bus.publish(events)

    raw = KafkaConsumer(bootstrap_servers=kafka_server.address, enable_auto_commit=False)
    try:
        partitions = [TopicPartition(topic, p) for p in range(3)]
        raw.assign(partitions)
        raw.seek_to_beginning(*partitions)
        records = []
        while len(records) < 12:
            batch = raw.poll(timeout_ms=2000)
            assert batch, "the broker returned fewer records than were published"
            records += [r for recs in batch.values() for r in recs]
    finally:
        raw.close()

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
    # The key picks the partition: the events spread over the topic, one key stays on one partition.
    assert len({r.partition for r in records}) > 1


def test_a_group_commits_and_a_new_member_resumes_after_the_last_handled_event(kafka_server, topic, bus):
    group = new_group()
    first_batch = [make_event(f"order-{i % 3}", i) for i in range(6)]
    bus.publish(first_batch)

    first = read(kafka_server, topic, group, 4)
    assert len(first) == 4

    second_batch = [make_event(f"order-{i % 3}", 10 + i) for i in range(3)]
    bus.publish(second_batch)

    # A new consumer of the same group gets the 2 it left plus the 3 new ones, none of the first 4.
    second = read(kafka_server, topic, group, 5)
    assert len(second) == 5
    assert not {e.event_id for e in first} & {e.event_id for e in second}
    assert {e.event_id for e in first + second} == {e.event_id for e in first_batch + second_batch}
    # Across both consumers each key's events are still in publication order.
    published = first_batch + second_batch
    for key in {e.key for e in published}:
        seen = [e for e in first + second if e.key == key]
        assert [e.event_id for e in seen] == [e.event_id for e in published if e.key == key]

    # Everything was committed: a third member finds nothing left.
    assert read(kafka_server, topic, group, 1, idle_s=1) == []


@pytest.mark.django_db
def test_an_event_published_twice_is_handled_once(kafka_server, topic, bus):
    handled: list[Event] = []
    register("tests.kafka_duplicate.v1", name="tests.kafka_duplicate_counter")(handled.append)
    try:
        with transaction.atomic():
            row = emit("tests.kafka_duplicate.v1", key="order-1", payload={"order_id": "order-1"})
        assert relay_pending(bus=bus).published == 1
        # The relay crashed after Kafka took the event but before it marked the row: it goes again.
        OutboxEvent.objects.filter(pk=row.pk).update(published_at=None)
        assert relay_pending(bus=bus).published == 1

        messages = consume(kafka_server.address, topic, new_group(), max_messages=2, idle_timeout_s=5)
    finally:
        unregister("tests.kafka_duplicate.v1", name="tests.kafka_duplicate_counter")

    assert messages == 2  # both copies were delivered...
    row.refresh_from_db()
    assert handled == [as_event(row)]  # ...and the consumer ran once
    assert HandledEvent.objects.filter(consumer="tests.kafka_duplicate_counter",
                                       event_id=row.event_id).count() == 1


def test_a_failed_event_holds_back_its_key_and_other_keys_go_through(kafka_server, topic):
    bus = KafkaEventBus(kafka_server.address, topic, max_request_size=4_000)
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
    assert {e.event_id for e in read(kafka_server, topic, new_group(), 3, idle_s=1)} == {
        ok_before.event_id, other_key.event_id}


def test_publishing_to_an_unreachable_broker_raises_publish_error(topic):
    bus = KafkaEventBus(f"127.0.0.1:{free_port()}", topic, bootstrap_timeout_ms=1_000)
    first, second, other = make_event("order-1", 1), make_event("order-1", 2), make_event("order-2", 3)

    with pytest.raises(PublishError) as caught:
        bus.publish([first, second, other])

    assert caught.value.published == []
    assert caught.value.failed == [first.event_id, other.event_id]  # second waits behind first


@pytest.mark.django_db
def test_the_relay_records_a_failed_publish_and_backs_off(topic):
    bus = KafkaEventBus(f"127.0.0.1:{free_port()}", topic, bootstrap_timeout_ms=1_000)
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


@pytest.mark.django_db(transaction=True)
def test_consume_events_command_dispatches_from_the_configured_kafka(kafka_server, topic, bus, settings):
    settings.BAZAAR_BACKENDS = {
        **settings.BAZAAR_BACKENDS,
        "event_bus": {"BACKEND": "events.backends.kafka.KafkaEventBus", "EMBEDDED": False,
                      "OPTIONS": {"bootstrap_servers": kafka_server.address, "topic": topic}},
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
