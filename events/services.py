"""The transactional outbox: emit inside the caller's transaction, relay at least once."""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, transaction
from django.db.models import Q
from django.utils import timezone

from events.backends.base import Event, EventBus, PublishError
from events.models import HandledEvent, OutboxEvent, RelayLane
from shop import metrics
from shop.backends import get_backend
from shop.queue import send_now

logger = logging.getLogger(__name__)


def lane_for(key: str, lanes: int | None = None) -> int:
    return zlib.crc32(key.encode()) % (lanes or settings.EVENTS_RELAY_LANES)


def emit(type: str, *, key: object, payload: Mapping[str, object], using: str = DEFAULT_DB_ALIAS,
         relay_now: bool = True) -> OutboxEvent:
    """Record an event in the current transaction of `using`; it is published after commit.

    If the transaction rolls back, the event never existed. Types are versioned
    (`orders.order_placed.v1`); the payload must be JSON and should carry ids and
    snapshots, never model instances. `relay_now=False` (analytics such as searches) leaves the
    event to the 5-second sweep instead of queueing a relay task for it.
    """
    key = str(key)
    row = OutboxEvent.objects.using(using).create(
        type=type, key=key, payload=payload, occurred_at=timezone.now(), lane=lane_for(key)
    )
    if relay_now and settings.EVENTS_RELAY_ON_COMMIT and not _relay_already_requested(using):
        transaction.on_commit(_request_relay, using=using)
    if type.startswith(metrics.COUNTED_EVENT_PREFIXES):  # orders and payments by outcome, once committed
        transaction.on_commit(partial(metrics.count_committed_event, type, payload), using=using)
    return row


def _relay_already_requested(using: str) -> bool:
    """One relay kick per transaction, however many events it emits."""
    pending = transaction.get_connection(using).run_on_commit
    return any(func is _request_relay for _, func, _ in pending)


RELAY_KICK_KEY = "events:relay-kicked"
RELAY_TRAILING_KICK_KEY = "events:relay-kick-queued"


def _request_relay() -> None:
    """Kick the relay, at most twice per EVENTS_RELAY_KICK_SECONDS: once at once, and once at the
    end of the interval for the commits that came during it.

    One task per commit filled the worker's queue with hundreds of relay tasks (a bulk import, the
    demo seed) that everything queued after them waited behind. A kick only says "there is work":
    the kicked relay drains the outbox (relay_drain). A commit inside the interval may come after
    that relay finished, so it queues the trailing kick (countdown: the interval), and its events
    wait at most about one interval, not for the 5-second sweep. The flags are cache keys with
    that TTL: site-wide on Redis, per process on the local-memory cache.
    """
    try:
        interval = settings.EVENTS_RELAY_KICK_SECONDS
        if interval <= 0 or cache.add(RELAY_KICK_KEY, 1, timeout=interval):
            send_now("events.relay")
        elif cache.add(RELAY_TRAILING_KICK_KEY, 1, timeout=interval):
            send_now("events.relay", countdown=interval)
    except Exception:  # the periodic sweep publishes it anyway; a commit must not fail for this
        logger.warning("Could not queue an event relay; the sweep will pick the events up", exc_info=True)


def outbox_databases() -> list[str]:
    """The aliases that hold an outbox: the main database and any own cart/wishlist database."""
    return [DEFAULT_DB_ALIAS] + [alias for alias in ("cart", "wishlist") if alias in settings.DATABASES]


@dataclass(frozen=True)
class RelayReport:
    published: int = 0
    failed: int = 0
    lanes_busy: int = 0
    lanes_full: int = 0  # lanes that filled a batch: more may be waiting there

    def __add__(self, other: RelayReport) -> RelayReport:
        return RelayReport(self.published + other.published, self.failed + other.failed,
                           self.lanes_busy + other.lanes_busy, self.lanes_full + other.lanes_full)


def relay_identity() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"


def lane_lease(*, lane: int, relay: str, now: datetime, using: str = DEFAULT_DB_ALIAS) -> bool:
    """Take lane `lane` for `relay` if nobody holds an unexpired lease. One conditional UPDATE."""
    RelayLane.objects.using(using).get_or_create(lane=lane)
    until = now + timedelta(seconds=settings.EVENTS_RELAY_LEASE_SECONDS)
    taken = (
        RelayLane.objects.using(using)
        .filter(Q(leased_until__isnull=True) | Q(leased_until__lt=now) | Q(leased_by=relay), lane=lane)
        .update(leased_by=relay, leased_until=until)
    )
    return taken == 1


def lane_release(*, lane: int, relay: str, using: str = DEFAULT_DB_ALIAS) -> None:
    RelayLane.objects.using(using).filter(lane=lane, leased_by=relay).update(leased_by="", leased_until=None)


def _backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(2 ** attempts, settings.EVENTS_MAX_BACKOFF_SECONDS))


def _as_event(row: OutboxEvent) -> Event:
    return Event(event_id=row.event_id, type=row.type, key=row.key, payload=row.payload,
                 occurred_at=row.occurred_at)


def relay_lane(*, lane: int, bus: EventBus, relay: str, now: datetime,
               using: str = DEFAULT_DB_ALIAS) -> RelayReport:
    """Publish the lane's pending events in id order, holding the lane's lease.

    No database transaction is held while the bus works: the lease keeps other relays
    out, and a relay that dies mid-way loses its lease when it expires. Events that the bus
    took but that were not marked yet go out again: at least once.
    """
    if not lane_lease(lane=lane, relay=relay, now=now, using=using):
        return RelayReport(lanes_busy=1)
    try:
        pending = OutboxEvent.objects.using(using).filter(lane=lane, published_at__isnull=True)
        # A key whose earlier event waits for its retry holds back its later events. Those keys
        # are left out in SQL, so a backlog behind one failing key never fills the batch and
        # starves the other keys of the lane.
        waiting = set(pending.filter(next_attempt_at__gt=now).values_list("key", flat=True).distinct())
        rows = list(pending.exclude(key__in=waiting).order_by("id")[: settings.EVENTS_RELAY_BATCH])
        full = int(len(rows) == settings.EVENTS_RELAY_BATCH)
        blocked_keys: set[str] = set()
        ready: list[OutboxEvent] = []
        for row in rows:
            if row.key in blocked_keys:
                continue
            if row.next_attempt_at and row.next_attempt_at > now:
                blocked_keys.add(row.key)
                continue
            ready.append(row)
        if not ready:
            return RelayReport()
        try:
            try:
                bus.publish([_as_event(row) for row in ready])
            except PublishError:
                raise
            except Exception as exc:  # a bus bug or an unexpected client error: nothing went out
                first_of_each_key = list({row.key: row.event_id for row in reversed(ready)}.values())
                raise PublishError(repr(exc), failed=first_of_each_key) from exc
        except PublishError as exc:
            taken, failed_ids = set(exc.published), set(exc.failed)
            done = [row for row in ready if row.event_id in taken]
            _mark_published(done, now=now, using=using)
            failed = _mark_failed([r for r in ready if r.event_id in failed_ids], error=str(exc),
                                  now=now, using=using)
            logger.warning("Relay lane %s: %s published, %s failed: %s", lane, len(done), failed, exc)
            return RelayReport(published=len(done), failed=failed, lanes_full=full)
        _mark_published(ready, now=now, using=using)
        return RelayReport(published=len(ready), lanes_full=full)
    finally:
        lane_release(lane=lane, relay=relay, using=using)


def _mark_published(rows: list[OutboxEvent], *, now: datetime, using: str) -> None:
    if rows:
        OutboxEvent.objects.using(using).filter(pk__in=[r.pk for r in rows]).update(
            published_at=now, last_error=""
        )


def _mark_failed(rows: list[OutboxEvent], *, error: str, now: datetime, using: str) -> int:
    """Retry later, backing off; the events behind a failed one of the same key wait with it."""
    for row in rows:
        row.attempts += 1
        OutboxEvent.objects.using(using).filter(pk=row.pk).update(
            attempts=row.attempts, next_attempt_at=now + _backoff(row.attempts), last_error=error[:2000]
        )
    return len(rows)


def relay_pending(*, bus: EventBus | None = None, relay: str | None = None,
                  now: datetime | None = None) -> RelayReport:
    """One pass over every lane of every outbox. Safe to run in several processes at once."""
    bus = bus or get_backend("event_bus")
    relay = relay or relay_identity()
    report = RelayReport()
    for using in outbox_databases():
        for lane in range(settings.EVENTS_RELAY_LANES):
            report += relay_lane(lane=lane, bus=bus, relay=relay, now=now or timezone.now(), using=using)
    return report


def relay_drain(*, budget_seconds: float = 10.0, bus: EventBus | None = None) -> RelayReport:
    """Relay pass after pass while a pass fills some lane's batch, or until `budget_seconds` have gone by.

    One pass takes at most EVENTS_RELAY_BATCH events per lane; a kick stands for any number of
    commits, so the relay it starts keeps going while a backlog is left. A pass that filled no batch
    took everything committed before it; what commits after it has its own kick (the trailing one,
    `_request_relay`). Passing again until a pass found nothing turned a steady trickle of commits
    into a relay that never stopped: about 25 queries a pass for a few events each, a third of a
    core beside 150 cart changes a second (decision 0035). The budget keeps one task from holding
    the default queue for long; the next kick or sweep goes on from there.
    """
    deadline = time.monotonic() + budget_seconds
    report = RelayReport()
    while True:
        last = relay_pending(bus=bus)
        report += last
        if last.lanes_full == 0 or time.monotonic() >= deadline:
            return report


def outbox_purge(*, older_than: timedelta, now: datetime | None = None) -> int:
    """Delete published events and handled-markers older than `older_than`.

    Keep `older_than` well beyond the longest redelivery a bus can make (Kafka's retention),
    or a very late duplicate would find no marker and run again.
    """
    cutoff = (now or timezone.now()) - older_than
    deleted = 0
    for using in outbox_databases():
        deleted += OutboxEvent.objects.using(using).filter(published_at__lt=cutoff).delete()[0]
    deleted += HandledEvent.objects.filter(handled_at__lt=cutoff).delete()[0]
    return deleted
