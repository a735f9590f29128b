from datetime import timedelta

from celery import shared_task
from django.conf import settings

from events.services import outbox_purge, relay_drain


@shared_task(name="events.relay", acks_late=True, ignore_result=True)
def relay_events(budget_seconds: float = 10.0) -> int:
    """A kick or the 5 s sweep: publish until the outbox is drained (or the budget is spent)."""
    return relay_drain(budget_seconds=budget_seconds).published


@shared_task(name="events.purge", ignore_result=True)
def purge_events() -> int:
    return outbox_purge(older_than=timedelta(days=settings.EVENTS_KEEP_DAYS))
