"""Batch consumers: a relayed batch at once, in one transaction, idempotent by themselves."""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from events.backends.base import Event, PublishError
from events.backends.in_process import InProcessEventBus
from events.models import HandledEvent, OutboxEvent
from events.registry import dispatch, register, register_batch, unregister
from events.services import emit, relay_pending

SEEN = "test.seen.v1"
OTHER = "test.other.v1"


def event(type: str = SEEN, key: str = "k") -> Event:
    return Event(event_id=uuid.uuid4(), type=type, key=key, payload={}, occurred_at=timezone.now())


@pytest.fixture
def batches():
    """A batch consumer of SEEN and OTHER that records each batch it was given."""
    calls: list[list[Event]] = []
    register_batch(SEEN, name="tests.batch")(calls.append)
    register_batch(OTHER, name="tests.batch")(calls.append)
    yield calls
    unregister(SEEN, name="tests.batch")
    unregister(OTHER, name="tests.batch")


@pytest.fixture
def each():
    """A one-at-a-time consumer of SEEN, counting the events it handled."""
    seen: Counter = Counter()
    register(SEEN, name="tests.each")(lambda e: seen.update([e.event_id]))
    yield seen
    unregister(SEEN, name="tests.each")


@pytest.mark.django_db(transaction=True)
def test_a_relayed_batch_reaches_the_batch_consumer_in_one_call_and_the_others_once_each(batches, each):
    with transaction.atomic():
        for n in range(6):
            emit(SEEN if n % 2 else OTHER, key="visitor-1", payload={"n": n}, relay_now=False)
        emit("test.nobody.v1", key="visitor-1", payload={"n": 6}, relay_now=False)

    assert relay_pending().published == 7
    assert relay_pending().published == 0

    [batch] = batches  # one key, one lane: one publish call
    assert [e.payload["n"] for e in batch] == [0, 1, 2, 3, 4, 5]  # its types, in order
    assert sorted(each.values()) == [1, 1, 1]
    assert HandledEvent.objects.filter(consumer="tests.batch").count() == 0  # no markers of its own


@pytest.mark.django_db(transaction=True)
def test_a_failing_batch_consumer_fails_all_its_events_which_are_retried_then_delivered(each, settings):
    settings.EVENTS_RELAY_LANES = 1  # one publish call for all the keys
    calls = Counter()
    kept: list[int] = []

    def flaky(events: list[Event]) -> None:
        calls["batch"] += 1
        kept.extend(e.payload["n"] for e in events)
        if calls["batch"] == 1:
            raise RuntimeError("lake inbox is down")

    register_batch(SEEN, name="tests.flaky_batch")(flaky)
    try:
        with transaction.atomic():
            for n in range(3):
                emit(SEEN, key=f"visitor-{n}", payload={"n": n}, relay_now=False)
            emit(OTHER, key="bystander", payload={"n": 9}, relay_now=False)
        now = timezone.now()

        first = relay_pending(now=now)
        assert (first.published, first.failed) == (1, 3)  # the bystander went out
        assert not each  # a failed event's other consumers wait for its redelivery
        failed = OutboxEvent.objects.filter(type=SEEN)
        assert all(r.attempts == 1 and "lake inbox is down" in r.last_error and r.next_attempt_at > now
                   for r in failed)

        assert relay_pending(now=now + timedelta(milliseconds=100)).published == 0  # backing off
        later = relay_pending(now=now + timedelta(seconds=5))
        assert (later.published, later.failed) == (3, 0)
        assert not OutboxEvent.objects.filter(published_at__isnull=True).exists()
        assert sorted(kept) == [0, 0, 1, 1, 2, 2]  # every event again: at least once
        assert sorted(each.values()) == [1, 1, 1]  # the one-at-a-time consumer: exactly once
    finally:
        unregister(SEEN, name="tests.flaky_batch")


@pytest.mark.django_db(transaction=True)
def test_a_failing_batch_consumer_keeps_no_work_and_holds_back_its_keys_later_events():
    from events.models import RelayLane

    def broken(events: list[Event]) -> None:
        RelayLane.objects.create(lane=999)  # work that must be rolled back
        raise RuntimeError("no")

    register_batch(SEEN, name="tests.broken_batch")(broken)
    try:
        first, second = event(SEEN, key="a"), event(SEEN, key="a")
        behind = event(OTHER, key="a")  # not the batch consumer's, but behind a failed one of its key
        elsewhere = event(OTHER, key="b")
        with pytest.raises(PublishError) as info:
            InProcessEventBus().publish([first, behind, second, elsewhere])
        assert info.value.failed == [first.event_id, second.event_id]
        assert info.value.published == [elsewhere.event_id]  # `behind` in neither list: it waits
        assert str(info.value).count("RuntimeError('no')") == 1  # the batch's one error, once
        assert not RelayLane.objects.filter(lane=999).exists()
    finally:
        unregister(SEEN, name="tests.broken_batch")


@pytest.mark.django_db(transaction=True)
def test_one_at_a_time_dispatch_gives_a_batch_consumer_a_batch_of_one(batches, each):
    """`manage.py consume_events` (Kafka) dispatches each event as it reads it."""
    one = event(SEEN)

    assert dispatch(one) == 2
    assert dispatch(one) == 1  # the marker skips the one-at-a-time consumer, the batch one runs again
    assert batches == [[one], [one]]
    assert each[one.event_id] == 1


def test_a_batch_consumer_name_has_one_handler_and_is_not_shared_with_a_one_at_a_time_consumer():
    def handler(events):
        pass

    register_batch(SEEN, name="tests.named")(handler)
    try:
        with pytest.raises(ValueError, match="another handler"):
            register_batch(OTHER, name="tests.named")(lambda events: None)
        with pytest.raises(ValueError, match="already registered"):
            register(SEEN, name="tests.named")(lambda e: None)
        with pytest.raises(ValueError, match="already registered"):
            register_batch(SEEN, name="tests.named")(handler)
    finally:
        unregister(SEEN, name="tests.named")
    register_batch(OTHER, name="tests.named")(lambda events: None)  # gone: the name is free again
    unregister(OTHER, name="tests.named")
