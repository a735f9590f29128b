"""Analytics events take the batched path (events/buffer.py): written in one INSERT per flush by a
thread of the process, never in the page's request; kept when the database refuses them."""

from __future__ import annotations

import time

import pytest

from events.buffer import pending
from events.interface import analytics_flush, emit_analytics
from events.models import OutboxEvent


@pytest.fixture
def batched(settings):
    settings.EVENTS_ANALYTICS_FLUSH_SECONDS = 3600  # only explicit flushes, or a full batch
    settings.EVENTS_ANALYTICS_BATCH = 1000
    yield
    pending.stop()


def _rows(type_: str = "test.analytics.v1") -> int:
    return OutboxEvent.objects.filter(type=type_).count()


def test_with_no_interval_each_event_is_written_at_once(db):
    emit_analytics("test.analytics.v1", key="visitor-1", payload={"query": "kettle"})
    row = OutboxEvent.objects.get(type="test.analytics.v1")
    assert (row.key, row.payload, row.published_at) == ("visitor-1", {"query": "kettle"}, None)


def test_events_wait_in_the_process_and_go_in_one_insert(db, batched, django_assert_num_queries):
    for n in range(120):
        emit_analytics("test.analytics.v1", key=f"visitor-{n % 7}", payload={"n": n})
    assert _rows() == 0
    with django_assert_num_queries(1):
        assert analytics_flush() == 120
    rows = list(OutboxEvent.objects.filter(type="test.analytics.v1").order_by("id"))
    assert [r.payload["n"] for r in rows] == list(range(120))  # in the order they happened
    assert len({r.event_id for r in rows}) == 120


def test_a_full_batch_is_written_without_waiting(db, batched, settings):
    settings.EVENTS_ANALYTICS_BATCH = 10
    for n in range(10):
        emit_analytics("test.analytics.v1", key="v", payload={"n": n})
    assert _rows() == 10


def test_events_the_database_refused_are_kept_for_the_next_flush(db, batched, monkeypatch):
    emit_analytics("test.analytics.v1", key="v", payload={"n": 1})
    real = OutboxEvent.objects.bulk_create

    def refuse(*args, **kwargs):
        raise RuntimeError("database away")
    monkeypatch.setattr(OutboxEvent.objects, "bulk_create", refuse)
    assert analytics_flush() == 0
    monkeypatch.setattr(OutboxEvent.objects, "bulk_create", real)
    emit_analytics("test.analytics.v1", key="v", payload={"n": 2})
    assert analytics_flush() == 2
    assert sorted(r.payload["n"] for r in OutboxEvent.objects.filter(type="test.analytics.v1")) == [1, 2]


def test_the_process_thread_writes_them_within_its_interval(transactional_db, settings):
    settings.EVENTS_ANALYTICS_FLUSH_SECONDS = 0.05
    settings.EVENTS_ANALYTICS_BATCH = 1000
    try:
        emit_analytics("test.analytics.v1", key="v", payload={"n": 1})
        deadline = time.monotonic() + 10
        while _rows() == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _rows() == 1
    finally:
        pending.stop()  # the next tests flush by themselves
