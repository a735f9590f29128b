"""The embedded event bus: delivers each event to the registered consumers, in this process."""

from __future__ import annotations

from collections.abc import Sequence

from events.backends.base import Event, PublishError
from events.registry import dispatch


class InProcessEventBus:
    def publish(self, events: Sequence[Event]) -> None:
        delivered, failed, errors = [], [], []
        failed_keys: set[str] = set()
        for event in events:
            if event.key in failed_keys:
                continue  # keeps its key's order: it goes out after the failed one does
            try:
                dispatch(event)
            except Exception as exc:
                failed.append(event.event_id)
                failed_keys.add(event.key)
                errors.append(f"{event.type} {event.event_id}: {exc!r}")
                continue
            delivered.append(event.event_id)
        if failed:
            raise PublishError("; ".join(errors), published=delivered, failed=failed)
