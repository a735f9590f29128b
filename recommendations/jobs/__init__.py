"""The batch jobs, one module each: `run(ctx) -> JobOutput`. `manage.py spark_job NAME`."""

from __future__ import annotations

from collections.abc import Callable

from recommendations.jobs import als, als_eval, also_bought, popular
from recommendations.jobs.base import JobContext, JobOutput

JOBS: dict[str, Callable[[JobContext], JobOutput]] = {
    "popular": popular.run,
    "als": als.run,
    "also_bought": also_bought.run,
    "als_eval": als_eval.run,
}
