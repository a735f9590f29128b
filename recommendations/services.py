"""Running a batch job and swapping its results in.

`job_run(name)` records a JobRun, runs the job on Spark, and stores what it returns in one
transaction with the run's "succeeded": readers (selectors.py) follow the latest succeeded run,
so they see the old results or the new, never a mix, and a run that fails (Spark, the lake, or
the database at the last step) leaves the last good results where they were. Re-running is
idempotent: the same inputs give the same rows under a new run. The results of the last
RECOMMENDATIONS_KEEP_RUNS succeeded runs are kept (a reader that read the previous run's id an
instant before the swap still finds its rows); older ones are deleted in the same transaction.
"""

from __future__ import annotations

import logging
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from recommendations.conf import rec_settings
from recommendations.jobs import JOBS
from recommendations.jobs.base import JobContext, JobOutput
from recommendations.lake_inbox import lake_drain
from recommendations.models import AlsoBought, CustomerRecommendation, JobRun, PopularItem
from recommendations.selectors import runs_forget
from recommendations.spark import spark_session

logger = logging.getLogger(__name__)
BATCH = 2000
NIGHTLY = ("popular", "als", "also_bought", "als_eval")


class UnknownJob(ValueError):
    pass


@dataclass(frozen=True)
class JobFailed(RuntimeError):
    name: str
    run_id: int
    error: str

    def __str__(self) -> str:
        return f"{self.name} (run {self.run_id}) failed: {self.error}"


def job_run(name: str, *, progress: Callable[[str], None] | None = None) -> JobRun:
    """Run the job `name` and swap its results in; raises JobFailed (recorded on its JobRun)."""
    job = JOBS.get(name)
    if job is None:
        raise UnknownJob(f"no job {name!r}; the jobs are {', '.join(JOBS)}")
    run = JobRun.objects.create(name=name, started_at=timezone.now())
    started = time.monotonic()
    try:
        ctx = JobContext(name=name, spark=spark_session(), conf=rec_settings(), now=run.started_at,
                         progress=progress or (lambda line: logger.info("%s", line)))
        output = job(ctx)
        ctx.stage("storing the results")
        _swap_in(run, output, seconds=time.monotonic() - started)
    except Exception as exc:
        logger.exception("Batch job %s (run %s) failed", name, run.pk)
        JobRun.objects.filter(pk=run.pk).update(
            outcome=JobRun.Outcome.FAILED, finished_at=timezone.now(), duration_seconds=time.monotonic() - started,
            error=traceback.format_exc()[-8000:])
        raise JobFailed(name, run.pk, f"{type(exc).__name__}: {exc}") from exc
    run.refresh_from_db()
    return run


@transaction.atomic
def _swap_in(run: JobRun, output: JobOutput, *, seconds: float) -> None:
    tables: list[type[PopularItem | CustomerRecommendation | AlsoBought]] = []
    if output.popular is not None:
        tables.append(PopularItem)
        PopularItem.objects.bulk_create(
            (PopularItem(run=run, scope=r.scope, scope_key=r.scope_key, item_id=r.item_id, score=r.score, rank=r.rank)
             for r in output.popular), batch_size=BATCH)
    if output.customers is not None:
        tables.append(CustomerRecommendation)
        CustomerRecommendation.objects.bulk_create(
            (CustomerRecommendation(run=run, customer_id=r.customer_id, item_id=r.item_id, score=r.score, rank=r.rank)
             for r in output.customers), batch_size=BATCH)
    if output.also_bought is not None:
        tables.append(AlsoBought)
        AlsoBought.objects.bulk_create(
            (AlsoBought(run=run, item_id=r.item_id, other_item_id=r.other_item_id, score=r.score, rank=r.rank)
             for r in output.also_bought), batch_size=BATCH)
    run.outcome = JobRun.Outcome.SUCCEEDED
    run.finished_at = timezone.now()
    run.duration_seconds = seconds
    run.figures = output.figures
    run.save(update_fields=["outcome", "finished_at", "duration_seconds", "figures"])
    keep = list(JobRun.objects.filter(name=run.name, outcome=JobRun.Outcome.SUCCEEDED)
                .order_by("-finished_at", "-pk").values_list("pk", flat=True)[:rec_settings().keep_runs])
    stale = list(JobRun.objects.filter(name=run.name).exclude(pk__in=keep).values_list("pk", flat=True))
    for model in tables:
        model.objects.filter(run_id__in=stale).delete()
    transaction.on_commit(runs_forget)  # pages and answers name the new run from now on


def batch_jobs_run(names: tuple[str, ...] = NIGHTLY) -> dict[str, str]:
    """Each job in turn (the nightly beat task); one failing does not stop the others."""
    outcomes = {}
    try:
        lake_drain()  # the in-process bus's waiting behaviour events go in first
    except Exception:
        logger.exception("Draining the lake inbox before the batch jobs failed")
    for name in names:
        try:
            run = job_run(name)
            outcomes[name] = f"succeeded in {run.duration_seconds:.1f} s"
        except JobFailed as exc:
            outcomes[name] = str(exc)
    return outcomes
