"""The event-bus port."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol
from uuid import UUID


@dataclass(frozen=True)
class Event:
    """An event as it travels: what consumers receive, whatever the bus."""

    event_id: UUID
    type: str
    key: str
    payload: dict = field(hash=False)
    occurred_at: datetime


class PublishError(Exception):
    """The bus did not take some events.

    `published` lists the ids it did take, `failed` the ones that failed; events in neither
    were not tried (they stand behind a failed event of their key) and simply stay pending.
    """

    def __init__(self, message: str, *, published: Sequence[UUID] = (), failed: Sequence[UUID] = ()):
        super().__init__(message)
        self.published = list(published)
        self.failed = list(failed)


class EventBus(Protocol):
    def publish(self, events: Sequence[Event]) -> None:
        """Deliver the events, in the order given, or raise PublishError.

        At least once: after an error, the relay publishes the unacknowledged events again.
        """
