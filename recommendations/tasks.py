from celery import shared_task

from recommendations.services import batch_jobs_run


@shared_task(name="recommendations.batch_jobs", acks_late=True)
def run_batch_jobs() -> dict[str, str]:
    """popular, als, also_bought, als_eval in turn; safe to run twice (each swaps in a new run)."""
    return batch_jobs_run()
