"""Readings of the outbox for /metrics (shop.metrics): its backlog and how old its oldest event is."""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone

from events.models import OutboxEvent
from shop.metrics import gauge


def _pending():
    # Every lane named, so the (lane, published_at, id) index answers rather than a table scan.
    return OutboxEvent.objects.filter(lane__in=range(settings.EVENTS_RELAY_LANES), published_at__isnull=True)


@gauge("bazaar_outbox_pending_events", "Events recorded but not yet published to the bus.")
def outbox_pending_events() -> float:
    return _pending().count()


@gauge("bazaar_outbox_oldest_pending_age_seconds",
       "How long the oldest unpublished event has waited (0 when none waits).")
def outbox_oldest_pending_age_seconds() -> float:
    oldest = _pending().order_by("id").values_list("occurred_at", flat=True).first()
    return max((timezone.now() - oldest).total_seconds(), 0.0) if oldest else 0.0
