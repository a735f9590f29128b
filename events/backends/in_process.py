"""The embedded event bus: delivers each event to the registered consumers, in this process."""

from __future__ import annotations

from collections.abc import Sequence

from events.backends.base import Event, PublishError
from events.registry import dispatch_batch, dispatch_each


class InProcessEventBus:
    def publish(self, events: Sequence[Event]) -> None:
        """Batch consumers first, each once over its events of the whole batch; then, event by
        event in order, the other consumers. An event is delivered when all its consumers
        succeeded. A failed batch consumer fails all its events of the batch, and as with any
        failed event, the later events of their keys wait (in neither list) until it goes out."""
        batch_failed = dispatch_batch(events)
        delivered, failed, errors = [], [], []
        failed_keys: set[str] = set()
        for event in events:
            error = batch_failed.get(event.event_id)
            if error is None and event.key in failed_keys:
                continue  # keeps its key's order: it goes out after the failed one does
            if error is None:
                try:
                    dispatch_each(event)
                except Exception as exc:
                    error = f"{event.type} {event.event_id}: {exc!r}"
            if error is not None:
                failed.append(event.event_id)
                failed_keys.add(event.key)
                if error not in errors:  # a batch consumer's one error, not once per event
                    errors.append(error)
                continue
            delivered.append(event.event_id)
        if failed:
            raise PublishError("; ".join(errors), published=delivered, failed=failed)
