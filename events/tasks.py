from celery import shared_task

from events.services import relay_pending


@shared_task(name="events.relay", acks_late=True, ignore_result=True)
def relay_events() -> int:
    return relay_pending().published
