"""Celery tasks of the catalog."""

from datetime import timedelta

from celery import shared_task

from catalog.documents import REPAIR_AFTER_SECONDS, documents_flush


@shared_task(name="catalog.sync_item_documents", acks_late=True)
def sync_item_documents() -> int:
    """Retry item documents still pending after their on-commit write (the backend was down)."""
    return documents_flush(older_than=timedelta(seconds=REPAIR_AFTER_SECONDS)).written
