"""The lake's writer on the in-process bus (decision 0023): behaviour events wait in `LakeInbox`
(stored by the batch consumer in recommendations/handlers.py, one INSERT per relayed batch) and
are written to the lake in batches, then deleted.

A drain runs after the consumer's commit once RECOMMENDATIONS_LAKE_BATCH events wait or the oldest
has waited RECOMMENDATIONS_LAKE_BATCH_SECONDS; the task
`recommendations.lake_drain` (and every batch job run) drains what is left. Crash-safe like the
Kafka writer: the file is durable before the rows are deleted, so a crash in between writes the
same events again and every reader drops the duplicates by event id.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.core.cache import cache
from django.db.models import Count, Min
from django.utils import timezone

from recommendations.behaviour import BehaviourEvent
from recommendations.conf import rec_settings
from recommendations.lake import lake_write
from recommendations.models import LakeInbox

logger = logging.getLogger(__name__)
LOCK_KEY = "recommendations:lake-drain"
LOCK_SECONDS = 300
BATCH_ROWS = 5000

def lake_drain_soon() -> None:
    """After a consumer's commit: drain when RECOMMENDATIONS_LAKE_BATCH events wait, or the oldest
    has waited RECOMMENDATIONS_LAKE_BATCH_SECONDS (one query on the small inbox table: counted in
    the database, so every process sees the same batch)."""
    conf = rec_settings()
    waiting = LakeInbox.objects.aggregate(n=Count("pk"), oldest=Min("received_at"))
    due = waiting["n"] >= conf.lake_batch or (
        waiting["oldest"] is not None
        and waiting["oldest"] <= timezone.now() - timedelta(seconds=conf.lake_batch_seconds))
    if due:
        try:
            lake_drain()
        except Exception:  # the rows stay; the next drain writes them
            logger.exception("Writing behaviour events to the lake failed; they wait in the inbox")


def lake_drain() -> int:
    """Write every waiting behaviour event to the lake; returns how many. One drain at a time."""
    if not cache.add(LOCK_KEY, 1, LOCK_SECONDS):
        return 0
    written = 0
    try:
        while True:
            rows = list(LakeInbox.objects.order_by("received_at", "pk")[:BATCH_ROWS])
            if not rows:
                return written
            events = [BehaviourEvent.from_bus(event_id=row.event_id, type=row.type, occurred_at=row.occurred_at,
                                              payload=row.payload) for row in rows]
            lake_write([e for e in events if e is not None])  # durable when it returns
            LakeInbox.objects.filter(pk__in=[row.pk for row in rows]).delete()
            written += len(rows)
    finally:
        cache.delete(LOCK_KEY)
