"""Analytics events, written to the outbox in batches: the cheap path for what a page merely observes.

A search, and the behaviour events the recommendation jobs learn from, describe what a visitor did,
not a change the shop must keep: one outbox row per page in its own transaction (an INSERT and a
commit, a log flush on MariaDB) made that write most of a kept search page's cost. `emit_analytics`
keeps the row in this process and a background thread writes the rows gathered in one INSERT,
every `EVENTS_ANALYTICS_FLUSH_SECONDS` (or at once when `EVENTS_ANALYTICS_BATCH` are waiting).
From the outbox they are relayed like any event (by the sweep: they ask for no relay of their own).

The trade-off, recorded in docs/decisions/0025: a process killed with SIGKILL loses the analytics
events of its last second (a graceful stop, gunicorn's and `make run`'s, writes them first). Nothing
about money or stock goes this way; `events.services.emit` stays the one way to record a change.
With `EVENTS_ANALYTICS_FLUSH_SECONDS = 0` (the tests) each event is written at once.
"""

from __future__ import annotations

import atexit
import logging
import os
import threading

from django.conf import settings
from django.db import connection
from django.utils import timezone

from events.models import OutboxEvent
from events.services import lane_for

logger = logging.getLogger(__name__)

MAX_WAITING = 50_000  # if the database stays down, the oldest are dropped past this (and logged)


class _Pending:
    def __init__(self) -> None:
        self._rows: list[OutboxEvent] = []
        self._lock = threading.Lock()
        self._flusher: threading.Thread | None = None
        self._pid = 0
        self._stopping = threading.Event()

    def add(self, row: OutboxEvent) -> None:
        seconds = settings.EVENTS_ANALYTICS_FLUSH_SECONDS
        with self._lock:
            self._rows.append(row)
            waiting = len(self._rows)
        if seconds <= 0 or waiting >= settings.EVENTS_ANALYTICS_BATCH:
            self.flush()
        else:
            self._flusher_ensure()

    def flush(self) -> int:
        """Write what is waiting in one INSERT; on failure keep it for the next flush."""
        with self._lock:
            rows, self._rows = self._rows, []
        if not rows:
            return 0
        try:
            OutboxEvent.objects.bulk_create(rows)
        except Exception:
            logger.warning("Could not write %d analytics events; keeping them for the next flush", len(rows),
                           exc_info=True)
            with self._lock:
                self._rows[:0] = rows
                dropped = len(self._rows) - MAX_WAITING
                if dropped > 0:
                    del self._rows[:dropped]
                    logger.error("Dropped the %d oldest analytics events: the outbox is not writable", dropped)
            return 0
        return len(rows)

    def _flusher_ensure(self) -> None:
        if self._flusher is not None and self._flusher.is_alive() and self._pid == os.getpid():
            return
        with self._lock:
            if self._flusher is not None and self._flusher.is_alive() and self._pid == os.getpid():
                return
            self._pid = os.getpid()  # a forked child starts its own thread (the parent's is not there)
            self._stopping = threading.Event()
            self._flusher = threading.Thread(target=self._run, args=(self._stopping,),
                                             name="analytics-events", daemon=True)
            self._flusher.start()

    def _run(self, stopping: threading.Event) -> None:
        try:
            while not stopping.wait(max(settings.EVENTS_ANALYTICS_FLUSH_SECONDS, 0.05)):
                self.flush()
        finally:
            connection.close()  # this thread's own connection

    def stop(self) -> None:
        """At exit: stop the thread and write what is left."""
        self._stopping.set()
        if self._flusher is not None and self._flusher is not threading.current_thread():
            self._flusher.join(timeout=5)
        try:
            self.flush()
        finally:
            connection.close()


pending = _Pending()
atexit.register(pending.stop)


def emit_analytics(type: str, *, key: object, payload: dict) -> None:
    """Record an analytics event (a search, a product view …): in the outbox within about a second,
    written by another thread, so not part of the caller's transaction (with a flush interval of 0,
    the tests', it is written at once on the caller's connection)."""
    key = str(key)
    pending.add(OutboxEvent(type=type, key=key, payload=payload, occurred_at=timezone.now(), lane=lane_for(key)))


def analytics_flush() -> int:
    """Write the waiting analytics events now (tests, commands that end)."""
    return pending.flush()

