"""What other apps use of the events app: emit an event, register a consumer (or a batch consumer,
which takes a relayed batch at once and is idempotent by itself), and for analytics
(what a visitor did, not a change the shop keeps) `emit_analytics`: batched, outside the caller's
transaction (events/buffer.py)."""

from events.backends.base import Event
from events.buffer import analytics_flush, emit_analytics
from events.registry import register as consumer
from events.registry import register_batch as batch_consumer
from events.services import emit

__all__ = ["Event", "analytics_flush", "batch_consumer", "consumer", "emit", "emit_analytics"]
