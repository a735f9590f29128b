from datetime import timedelta

from celery import shared_task
from django.conf import settings

from events.services import outbox_purge, relay_pending


@shared_task(name="events.relay", acks_late=True, ignore_result=True)
def relay_events() -> int:
    return relay_pending().published


@shared_task(name="events.purge", ignore_result=True)
def purge_events() -> int:
    return outbox_purge(older_than=timedelta(days=settings.EVENTS_KEEP_DAYS))
