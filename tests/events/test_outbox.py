"""The transactional outbox: emit, relay, consumers, with the embedded in-process bus."""

from __future__ import annotations

import threading
import uuid
from collections import Counter, defaultdict
from datetime import timedelta

import pytest
from django.db import connections, transaction
from django.utils import timezone

from events.backends.base import Event, PublishError
from events.backends.in_process import InProcessEventBus
from events.models import HandledEvent, OutboxEvent
from events.registry import dispatch, register, unregister
from events.services import emit, relay_pending


@pytest.fixture
def received():
    """A consumer of `test.thing_happened.v1` that records what it handled."""
    seen: list[Event] = []
    register("test.thing_happened.v1", name="tests.recorder")(seen.append)
    yield seen
    unregister("test.thing_happened.v1", name="tests.recorder")


class Boom(Exception):
    pass


@pytest.mark.django_db(transaction=True)
def test_emit_inside_rolled_back_transaction_publishes_nothing(received):
    with pytest.raises(Boom), transaction.atomic():
        emit("test.thing_happened.v1", key="a", payload={"n": 1})
        raise Boom

    report = relay_pending()

    assert OutboxEvent.objects.count() == 0
    assert report.published == 0
    assert received == []


@pytest.mark.django_db(transaction=True)
def test_committed_events_reach_the_consumer_once_and_in_order(received):
    with transaction.atomic():
        for n in range(5):
            emit("test.thing_happened.v1", key="order-1", payload={"n": n})

    first = relay_pending()
    second = relay_pending()

    assert first.published == 5
    assert second.published == 0
    assert [e.payload["n"] for e in received] == [0, 1, 2, 3, 4]
    assert not OutboxEvent.objects.filter(published_at__isnull=True).exists()


@pytest.mark.django_db(transaction=True)
def test_a_redelivered_event_is_a_no_op_for_the_consumer(received):
    with transaction.atomic():
        row = emit("test.thing_happened.v1", key="k", payload={})
    event = Event(event_id=row.event_id, type=row.type, key=row.key, payload=row.payload,
                  occurred_at=row.occurred_at)

    assert dispatch(event) == 1
    assert dispatch(event) == 0
    assert len(received) == 1
    assert HandledEvent.objects.filter(event_id=row.event_id).count() == 1


@pytest.mark.django_db(transaction=True)
def test_relay_crash_between_publish_and_mark_republishes_and_consumer_ignores_duplicate(received):
    """The relay dies after the bus took the events, before it marked them published."""
    with transaction.atomic():
        emit("test.thing_happened.v1", key="k", payload={"n": 1})

    class CrashAfterPublish(InProcessEventBus):
        def publish(self, events):
            super().publish(events)
            raise SystemExit("relay process killed")  # nothing after publish runs

    with pytest.raises(SystemExit):
        relay_pending(bus=CrashAfterPublish(), relay="relay-that-dies")

    assert OutboxEvent.objects.get().published_at is None  # not marked: it goes out again
    # The dead relay's lease expires; a new relay takes the lane and publishes again.
    later = timezone.now() + timedelta(minutes=5)
    report = relay_pending(relay="relay-2", now=later)

    assert report.published == 1
    assert len(received) == 1  # the consumer saw the event once
    assert OutboxEvent.objects.get().published_at is not None


@pytest.mark.django_db(transaction=True)
def test_a_failing_consumer_is_retried_with_backoff_and_holds_back_its_key_only():
    calls = Counter()
    delivered: list[tuple[str, int]] = []

    def flaky(event: Event) -> None:
        calls[event.key] += 1
        if event.key == "bad" and calls["bad"] < 3:
            raise RuntimeError("downstream is down")
        delivered.append((event.key, event.payload["n"]))

    register("test.flaky.v1", name="tests.flaky")(flaky)
    try:
        with transaction.atomic():
            emit("test.flaky.v1", key="bad", payload={"n": 1})
            emit("test.flaky.v1", key="bad", payload={"n": 2})
            emit("test.flaky.v1", key="good", payload={"n": 1})

        now = timezone.now()
        first = relay_pending(now=now)
        assert (first.published, first.failed) == (1, 1)
        assert delivered == [("good", 1)]
        failed = OutboxEvent.objects.get(key="bad", payload__n=1)
        assert failed.attempts == 1 and "downstream is down" in failed.last_error
        assert failed.next_attempt_at > now

        # Before the backoff ends nothing is tried; the key's second event waits behind the first.
        assert relay_pending(now=now + timedelta(milliseconds=500)).published == 0
        assert calls["bad"] == 1

        relay_pending(now=now + timedelta(seconds=3))  # second attempt fails, backoff doubles
        assert OutboxEvent.objects.get(key="bad", payload__n=1).attempts == 2
        relay_pending(now=now + timedelta(seconds=10))
        assert delivered == [("good", 1), ("bad", 1), ("bad", 2)]
    finally:
        unregister("test.flaky.v1", name="tests.flaky")


@pytest.mark.django_db(transaction=True)
def test_two_relays_running_at_once_never_publish_a_row_twice(settings):
    """Two relay threads, each with its own database connection, drain one outbox together."""
    settings.EVENTS_RELAY_BATCH = 7  # many small passes, so the relays really interleave
    keys = [f"order-{i}" for i in range(12)]
    with transaction.atomic():
        for n in range(10):
            for key in keys:
                emit("test.counted.v1", key=key, payload={"n": n})

    published: Counter = Counter()
    order_by_key: dict[str, list[int]] = defaultdict(list)
    guard = threading.Lock()

    class CountingBus:
        """Counts what reaches the bus itself: dedupe by consumers would hide a double publish."""

        def publish(self, events):
            with guard:
                for event in events:
                    published[event.event_id] += 1
                    order_by_key[event.key].append(event.payload["n"])

    errors: list[BaseException] = []

    def run(name: str) -> None:
        try:
            while relay_pending(bus=CountingBus(), relay=name).published or (
                OutboxEvent.objects.filter(published_at__isnull=True).exists()
            ):
                pass
        except BaseException as exc:  # surfaced below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(f"relay-{i}",)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert len(published) == 120
    assert max(published.values()) == 1
    assert all(order == list(range(10)) for order in order_by_key.values())


def test_publish_error_lists_what_went_out_and_what_failed(db):
    def broken(event):
        raise RuntimeError("no")

    register("test.partial.v1", name="tests.partial")(broken)
    try:
        ok = Event(event_id=uuid.uuid4(), type="test.other.v1", key="x", payload={},
                   occurred_at=timezone.now())
        bad = Event(event_id=uuid.uuid4(), type="test.partial.v1", key="y", payload={},
                    occurred_at=timezone.now())
        behind = Event(event_id=uuid.uuid4(), type="test.other.v1", key="y", payload={},
                       occurred_at=timezone.now())
        with pytest.raises(PublishError) as info:
            InProcessEventBus().publish([ok, bad, behind])
        assert info.value.published == [ok.event_id]
        assert info.value.failed == [bad.event_id]
    finally:
        unregister("test.partial.v1", name="tests.partial")


@pytest.mark.django_db(transaction=True)
def test_a_commit_asks_for_one_relay_which_publishes_at_once(settings, received):
    from events.services import _request_relay

    settings.EVENTS_RELAY_ON_COMMIT = True
    with transaction.atomic():
        for n in range(3):
            emit("test.thing_happened.v1", key="k", payload={"n": n})
        kicks = [f for _, f, _ in transaction.get_connection().run_on_commit if f is _request_relay]
        assert len(kicks) == 1
    # The kick ran the relay task (eagerly in tests, on a worker in production) after commit.
    assert [e.payload["n"] for e in received] == [0, 1, 2]


@pytest.mark.django_db(transaction=True)
def test_an_unexpected_bus_error_backs_off_instead_of_aborting_the_pass():
    class BrokenBus:
        def publish(self, events):
            raise ConnectionResetError("peer went away")

    with transaction.atomic():
        emit("test.thing_happened.v1", key="a", payload={})
        emit("test.thing_happened.v1", key="a", payload={})

    report = relay_pending(bus=BrokenBus())

    assert report.failed == 1  # the first event of the key; the second waits behind it
    first, second = OutboxEvent.objects.order_by("id")
    assert first.attempts == 1 and "peer went away" in first.last_error
    assert second.attempts == 0 and second.published_at is None


@pytest.mark.django_db(transaction=True)
def test_purge_deletes_old_published_events_and_markers_only(received):
    from events.services import outbox_purge

    with transaction.atomic():
        emit("test.thing_happened.v1", key="old", payload={})
    relay_pending()
    with transaction.atomic():
        emit("test.thing_happened.v1", key="pending", payload={})

    deleted = outbox_purge(older_than=timedelta(days=1), now=timezone.now() + timedelta(days=2))

    assert deleted == 2  # the published event and its handled-marker
    assert list(OutboxEvent.objects.values_list("key", flat=True)) == ["pending"]
    assert not HandledEvent.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_backlog_behind_one_failing_key_does_not_starve_the_others(settings):
    settings.EVENTS_RELAY_LANES = 1
    settings.EVENTS_RELAY_BATCH = 5
    delivered: list[str] = []

    def picky(event: Event) -> None:
        if event.key == "stuck":
            raise RuntimeError("this key's consumer is down")
        delivered.append(event.key)

    register("test.picky.v1", name="tests.picky")(picky)
    try:
        with transaction.atomic():
            for _ in range(20):
                emit("test.picky.v1", key="stuck", payload={})
            emit("test.picky.v1", key="fine", payload={})
        now = timezone.now()
        relay_pending(now=now)  # the stuck key's first event fails and backs off
        relay_pending(now=now + timedelta(milliseconds=10))
        assert delivered == ["fine"]
    finally:
        unregister("test.picky.v1", name="tests.picky")
