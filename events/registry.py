"""Consumers, registered per event type, and the dispatch that makes a duplicate a no-op."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from django.db import IntegrityError, transaction

from events.backends.base import Event
from events.models import HandledEvent

logger = logging.getLogger(__name__)

Handler = Callable[[Event], None]


@dataclass(frozen=True)
class Consumer:
    name: str
    event_type: str
    handler: Handler


_consumers: dict[str, list[Consumer]] = defaultdict(list)


def register(event_type: str, *, name: str) -> Callable[[Handler], Handler]:
    """Decorator: `@events.consumer("catalog.item_created.v1", name="search.index_item")`.

    The name is what the consumer's handled ids are stored under, so keep it stable.
    """

    def decorate(handler: Handler) -> Handler:
        consumers = _consumers[event_type]
        if any(c.name == name for c in consumers):
            raise ValueError(f"Consumer {name!r} is already registered for {event_type}.")
        consumers.append(Consumer(name=name, event_type=event_type, handler=handler))
        return handler

    return decorate


def unregister(event_type: str, *, name: str) -> None:
    _consumers[event_type] = [c for c in _consumers[event_type] if c.name != name]


def consumers_for(event_type: str) -> list[Consumer]:
    return list(_consumers.get(event_type, ()))


def dispatch(event: Event) -> int:
    """Hand the event to every consumer of its type, each at most once. Returns how many ran.

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
