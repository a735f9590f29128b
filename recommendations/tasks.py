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
