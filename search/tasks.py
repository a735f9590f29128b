"""Celery tasks of search."""

import logging

from celery import shared_task

from search.services import RebuildInProgress, index_rebuild, stale_items_flush

logger = logging.getLogger(__name__)


@shared_task(name="search.flush_stale_items", acks_late=True)
def flush_stale_items() -> int:
    """Write the documents of items marked stale by the consumer. Kicked after each commit
    that marks items; also run every few seconds by beat, so a lost kick only delays."""
    return stale_items_flush().items


@shared_task(name="search.rebuild", acks_late=True)
def rebuild_index() -> int:
    """Build a fresh index from the catalog and switch to it (search keeps serving meanwhile)."""
    try:
        return index_rebuild().items
    except RebuildInProgress:
        logger.info("Search rebuild skipped: another one is running")
        return 0
