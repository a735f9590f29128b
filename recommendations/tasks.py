from celery import shared_task

from recommendations.services import batch_jobs_run


@shared_task(name="recommendations.batch_jobs", acks_late=True)
def run_batch_jobs() -> dict[str, str]:
    """popular, als, also_bought, als_eval in turn; safe to run twice (each swaps in a new run)."""
    return batch_jobs_run()


@shared_task(name="recommendations.lake_drain", acks_late=True)
def drain_lake_inbox() -> int:
    """Write the in-process bus's waiting behaviour events to the lake (safe to run twice: one drain
    at a time, and a file is durable before its rows are deleted)."""
    from recommendations.lake_inbox import lake_drain

    return lake_drain()


@shared_task(name="recommendations.lake_compact", acks_late=True)
def compact_lake() -> int:
    """Merge the small files of the lake's hours that ended an hour ago or more (the in-process
    writer adds one per partition every RECOMMENDATIONS_LAKE_BATCH_SECONDS); returns partitions merged."""
    from datetime import timedelta

    from django.utils import timezone

    from recommendations.lake import lake_compact

    return lake_compact(ended_before=timezone.now() - timedelta(hours=1)).partitions
