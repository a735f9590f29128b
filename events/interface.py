"""What other apps use of the events app: emit an event, register a consumer."""

from events.backends.base import Event
from events.registry import register as consumer
from events.services import emit

__all__ = ["Event", "consumer", "emit"]
