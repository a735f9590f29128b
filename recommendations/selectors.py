"""Reading the batch jobs' latest good results (the serving function of issue 9 item 5 builds on
these, with the cache and the stock and delivery filters)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from recommendations.models import AlsoBought, CustomerRecommendation, JobRun, PopularItem


@dataclass(frozen=True, slots=True)
class ScoredItem:
    item_id: int
    score: float
    rank: int


@dataclass(frozen=True, slots=True)
class JobRunInfo:
    id: int
    name: str
    started_at: datetime
    finished_at: datetime | None
    outcome: str
    duration_seconds: float | None
    figures: dict[str, Any]
    error: str


def latest_run(name: str, *, succeeded: bool = True) -> JobRunInfo | None:
    runs = JobRun.objects.filter(name=name)
    if succeeded:
        runs = runs.filter(outcome=JobRun.Outcome.SUCCEEDED).order_by("-finished_at", "-pk")
    else:
        runs = runs.order_by("-started_at", "-pk")
    run = runs.first()
    if run is None:
        return None
    return JobRunInfo(run.pk, run.name, run.started_at, run.finished_at, run.outcome, run.duration_seconds,
                      run.figures, run.error)


def _scored(rows) -> list[ScoredItem]:
    return [ScoredItem(item_id, score, rank) for item_id, score, rank in rows]


def popular_items(*, scope: str = PopularItem.Scope.ALL, scope_key: str = "", limit: int = 20) -> list[ScoredItem]:
    run = latest_run("popular")
    if run is None:
        return []
    return _scored(PopularItem.objects.filter(run_id=run.id, scope=scope, scope_key=scope_key).order_by("rank")
                   .values_list("item_id", "score", "rank")[:limit])


def customer_recommendations(*, customer_id: int, limit: int = 20) -> list[ScoredItem]:
    run = latest_run("als")
    if run is None:
        return []
    return _scored(CustomerRecommendation.objects.filter(run_id=run.id, customer_id=customer_id).order_by("rank")
                   .values_list("item_id", "score", "rank")[:limit])


def also_bought_items(*, item_id: int, limit: int = 10) -> list[ScoredItem]:
    run = latest_run("also_bought")
    if run is None:
        return []
    return _scored(AlsoBought.objects.filter(run_id=run.id, item_id=item_id).order_by("rank")
                   .values_list("other_item_id", "score", "rank")[:limit])
