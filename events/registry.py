"""Consumers, registered per event type, and the dispatch that makes a duplicate a no-op.

Two kinds: a consumer (`register`) takes one event at a time, and `dispatch` keeps a
HandledEvent marker per consumer and event, so a redelivered event is skipped. A batch consumer
(`register_batch`) takes a whole relayed batch at once, in one transaction, and keeps no markers:
it must make a redelivered event a no-op by itself (an insert that ignores a known id, an upsert).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from uuid import UUID

from django.db import IntegrityError, transaction

from events.backends.base import Event
from events.models import HandledEvent

logger = logging.getLogger(__name__)

Handler = Callable[[Event], None]
BatchHandler = Callable[[list[Event]], None]


@dataclass(frozen=True)
class Consumer:
    name: str
    event_type: str
    handler: Handler


@dataclass(frozen=True)
class BatchConsumer:
    name: str
    event_types: frozenset[str]
    handler: BatchHandler


_consumers: dict[str, list[Consumer]] = defaultdict(list)
_batch_consumers: dict[str, BatchConsumer] = {}  # by name: one handler for all its types


def _name_taken(event_type: str, name: str) -> bool:
    batch = _batch_consumers.get(name)
    in_batch = batch is not None and event_type in batch.event_types
    return in_batch or any(c.name == name for c in _consumers[event_type])


def register(event_type: str, *, name: str) -> Callable[[Handler], Handler]:
    """Decorator: `@events.consumer("catalog.item_created.v1", name="search.index_item")`.

    The name is what the consumer's handled ids are stored under, so keep it stable.
    """

    def decorate(handler: Handler) -> Handler:
        if _name_taken(event_type, name):
            raise ValueError(f"Consumer {name!r} is already registered for {event_type}.")
        _consumers[event_type].append(Consumer(name=name, event_type=event_type, handler=handler))
        return handler

    return decorate


def register_batch(event_type: str, *, name: str) -> Callable[[BatchHandler], BatchHandler]:
    """Decorator: `@events.batch_consumer("recommendations.behaviour.product_viewed.v1", name=...)`.

    The handler receives a list of events, in the order they were relayed, of every type it was
    registered for (register it once per type, under one name), and runs in one transaction per
    list: if it raises, none of its work is kept and all those events are delivered again.

    It keeps no HandledEvent markers, so it must be idempotent by itself: any event may come
    again, also after later events of its key (when another consumer of an earlier one failed).
    """

    def decorate(handler: BatchHandler) -> BatchHandler:
        known = _batch_consumers.get(name)
        if _name_taken(event_type, name):
            raise ValueError(f"Consumer {name!r} is already registered for {event_type}.")
        if known is not None and known.handler != handler:  # == : a bound method is made anew each time
            raise ValueError(f"Batch consumer {name!r} is registered with another handler.")
        types = known.event_types if known else frozenset()
        _batch_consumers[name] = BatchConsumer(name=name, event_types=types | {event_type}, handler=handler)
        return handler

    return decorate


def unregister(event_type: str, *, name: str) -> None:
    _consumers[event_type] = [c for c in _consumers[event_type] if c.name != name]
    batch = _batch_consumers.get(name)
    if batch is not None and event_type in batch.event_types:
        if batch.event_types == {event_type}:
            del _batch_consumers[name]
        else:
            _batch_consumers[name] = BatchConsumer(name=name, event_types=batch.event_types - {event_type},
                                                   handler=batch.handler)


def consumers_for(event_type: str) -> list[Consumer]:
    return list(_consumers.get(event_type, ()))


def batch_consumers_for(event_type: str) -> list[BatchConsumer]:
    return [c for c in _batch_consumers.values() if event_type in c.event_types]


def dispatch(event: Event) -> int:
    """Hand the event to every consumer of its type, each at most once. Returns how many ran.

    For a bus that delivers one event at a time (`manage.py consume_events`): the batch
    consumers get it as a batch of one, after the others.
    """
    ran = dispatch_each(event)
    for consumer in batch_consumers_for(event.type):
        with transaction.atomic():
            consumer.handler([event])
        ran += 1
    return ran


def dispatch_each(event: Event) -> int:
    """Hand the event to every (one-at-a-time) consumer of its type, each at most once; batch
    consumers are left to `dispatch_batch`. Returns how many ran.

    A consumer's work and its handled-marker commit together: if the handler fails, neither
    is kept and the next delivery tries again; if the marker exists, the handler is skipped.
    """
    ran = 0
    for consumer in consumers_for(event.type):
        try:
            with transaction.atomic():
                HandledEvent.objects.create(consumer=consumer.name, event_id=event.event_id)
                consumer.handler(event)
        except IntegrityError:
            if HandledEvent.objects.filter(consumer=consumer.name, event_id=event.event_id).exists():
                logger.info("Duplicate %s for %s ignored", event.event_id, consumer.name)
                continue
            raise
        ran += 1
    return ran


def dispatch_batch(events: Sequence[Event]) -> dict[UUID, str]:
    """Hand each batch consumer its events of `events`, in one call and one transaction each.

    Returns the events whose batch consumer raised, with the error: all of that consumer's
    events in the batch, to be delivered again. The other consumers' work is kept.
    """
    failed: dict[UUID, str] = {}
    for consumer in list(_batch_consumers.values()):
        mine = [event for event in events if event.type in consumer.event_types]
        if not mine:
            continue
        try:
            with transaction.atomic():
                consumer.handler(mine)
        except Exception as exc:
            logger.warning("Batch consumer %s failed on %s events", consumer.name, len(mine), exc_info=True)
            for event in mine:
                failed[event.event_id] = f"{consumer.name} ({len(mine)} events): {exc!r}"
    return failed
