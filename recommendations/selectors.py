"""Reading the batch jobs' latest good results, and serving them (issue 9 item 5):
`recommendations_for`, `popular_for`, `also_bought_for`, `recently_viewed_for`."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from hashlib import blake2b
from typing import Any

from django.core.cache import cache
from django.utils import timezone

from catalog.interface import items_get
from inventory.interface import availability_get, delivery_promises
from logistics.interface import PinCodeError
from orders.interface import recently_ordered_item_ids
from recommendations.conf import rec_settings
from recommendations.models import AlsoBought, CustomerRecommendation, JobRun, PopularItem
from recommendations.places import pin_states


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


# --- serving (issue 9 item 5) ---------------------------------------------------------------
#
# The jobs' rows are read through the cache under the latest succeeded run's id, so a new run is
# a new key and nothing needs expiring; the run ids themselves are cached until the next swap
# (services._swap_in forgets them on commit). Each answer is then filtered, at the moment it is
# asked, to what can be sold to this visitor now: active (one catalog call), in stock (one
# inventory query) and, with a PIN, deliverable there (inventory's two-query delivery promises),
# never what the customer ordered recently, and mixed so one brand or category does not fill a row.

RUNS_KEY = "recommendations:latest-runs:v1"
JOB_NAMES = ("popular", "als", "also_bought")


@dataclass(frozen=True, slots=True)
class RecommendedItem:
    item_id: int
    title: str
    brand: str
    price_paise: int
    rating: str
    rating_count: int
    image: str
    category_id: int
    category_name: str
    delivery_date: date | None = None  # with a PIN: the earliest delivery there
    courier: str = ""
    warehouse_id: int | None = None
    score: float = 0.0


@dataclass(frozen=True, slots=True)
class Recommendations:
    source: str  # "personal" | "popular_state" | "popular" | "also_bought" | "recent" | "none"
    items: tuple[RecommendedItem, ...]
    state: str = ""  # for popular_state: the state the PIN is in


def latest_run_ids() -> dict[str, int | None]:
    """{job name: its latest succeeded run's id} for the serving jobs: one cache read. A page reads
    it once and passes it on (`runs=`): each read is a round trip to the cache."""
    ids = cache.get(RUNS_KEY)
    if ids is None:
        ids = {name: None for name in JOB_NAMES}
        for name, pk in (JobRun.objects.filter(name__in=JOB_NAMES, outcome=JobRun.Outcome.SUCCEEDED)
                         .order_by("name", "-finished_at", "-pk").values_list("name", "pk")):
            if ids[name] is None:
                ids[name] = pk
        cache.set(RUNS_KEY, ids, rec_settings().cache_seconds)
    return ids


def runs_forget() -> None:
    """After a run swaps in (and in tests that write result rows themselves)."""
    cache.delete(RUNS_KEY)


def _kept_rows(kind: str, run_id: int | None, rows: Callable[[int], list[tuple[int, float]]],
               *parts: object) -> list[tuple[int, float]]:
    if run_id is None:
        return []
    named = blake2b(repr(parts).encode(), digest_size=12).hexdigest()  # a state's name has spaces
    key = f"recommendations:{kind}:{run_id}:{named}"
    found = cache.get(key)
    if found is None:
        found = rows(run_id)
        cache.set(key, found, rec_settings().cache_seconds)
    return found


def _popular_rows(runs: dict, scope: str, scope_key: str) -> list[tuple[int, float]]:
    return _kept_rows("popular", runs["popular"], lambda run_id: list(
        PopularItem.objects.filter(run_id=run_id, scope=scope, scope_key=scope_key).order_by("rank")
        .values_list("item_id", "score")), scope, scope_key)


def _personal_rows(runs: dict, customer_id: int) -> list[tuple[int, float]]:
    return _kept_rows("customer", runs["als"], lambda run_id: list(
        CustomerRecommendation.objects.filter(run_id=run_id, customer_id=customer_id).order_by("rank")
        .values_list("item_id", "score")), customer_id)


def _also_bought_rows(runs: dict, item_id: int) -> list[tuple[int, float]]:
    return _kept_rows("also-bought", runs["also_bought"], lambda run_id: list(
        AlsoBought.objects.filter(run_id=run_id, item_id=item_id).order_by("rank")
        .values_list("other_item_id", "score")), item_id)


def pin_state(pin: str | None) -> str:
    """The PIN's state in capitals, as the popular job keys it ("" if unknown)."""
    return pin_states([pin]).get(pin, "") if pin else ""


def sellable(ranked: Iterable[tuple[int, float]], *, pin: str | None, category_id: int | None = None,
             exclude: Iterable[int] = ()) -> list[RecommendedItem]:
    """The ranked items that can be sold now: active, in stock, deliverable to `pin` (if any), in
    `category_id` (if any), not excluded; in their order. One query per kind, whatever the count."""
    excluded = set(exclude)
    scores: dict[int, float] = {}
    for item_id, score in ranked:
        if item_id not in excluded and item_id not in scores:
            scores[item_id] = score
    if not scores:
        return []
    items = {i: s for i, s in items_get(scores).items()
             if s.is_active and (category_id is None or category_id in s.category_ids)}
    if not items:
        return []
    promises = None
    if pin:
        try:
            promises = delivery_promises(item_ids=list(items), pin_code=pin)
        except PinCodeError:
            promises = None
    if promises is None:
        stock = availability_get(item_ids=list(items))
        keep = {i for i, units in stock.items() if units > 0}
    else:
        keep = set(promises)
    found = []
    for item_id, score in scores.items():
        if item_id not in keep or item_id not in items:
            continue
        item, promise = items[item_id], (promises or {}).get(item_id)
        found.append(RecommendedItem(
            item_id=item_id, title=item.title, brand=item.brand, price_paise=item.price_paise,
            rating=str(item.rating), rating_count=item.rating_count, image=item.images[0] if item.images else "",
            category_id=item.category_id, category_name=item.category_name,
            delivery_date=promise.delivery_date if promise else None, courier=promise.courier if promise else "",
            warehouse_id=promise.warehouse_id if promise else None, score=score))
    return found


def mixed(items: list[RecommendedItem], *, limit: int) -> list[RecommendedItem]:
    """The first `limit` in rank order, at most RECOMMENDATIONS_MAX_PER_BRAND of a brand and
    …_MAX_PER_CATEGORY of a category while others wait; what waited fills any room left."""
    conf = rec_settings()
    chosen, waiting = [], []
    brands: Counter[str] = Counter()
    categories: Counter[int] = Counter()
    for item in items:
        brand = item.brand.casefold()
        if (brand and brands[brand] >= conf.max_per_brand) or categories[item.category_id] >= conf.max_per_category:
            waiting.append(item)
            continue
        chosen.append(item)
        brands[brand] += 1
        categories[item.category_id] += 1
        if len(chosen) == limit:
            return chosen
    return chosen + waiting[:limit - len(chosen)]


def _recently_bought(customer_id: int | None) -> set[int]:
    if not customer_id:
        return set()
    since = timezone.now() - timedelta(days=rec_settings().recent_order_days)
    return recently_ordered_item_ids(user_id=customer_id, since=since)


def popular_for(*, pin: str | None = None, state: bool = False, category_id: int | None = None,
                limit: int = 12, exclude: Iterable[int] = (), runs: dict | None = None) -> Recommendations:
    """Popular items: in the PIN's state (`state=True`; empty when the state has no figures), or
    in the category, or overall; filtered like every row."""
    runs = runs or latest_run_ids()
    if runs["popular"] is None:
        return Recommendations("none", ())
    if state:
        name = pin_state(pin)
        if not name:
            return Recommendations("none", ())
        rows = _popular_rows(runs, PopularItem.Scope.STATE, name)
        items = sellable(rows, pin=pin, category_id=category_id, exclude=exclude)
        return Recommendations("popular_state" if items else "none", tuple(mixed(items, limit=limit)), state=name)
    if category_id is not None:
        rows = _popular_rows(runs, PopularItem.Scope.CATEGORY, str(category_id))
    else:
        rows = _popular_rows(runs, PopularItem.Scope.ALL, "")
    items = sellable(rows, pin=pin, category_id=category_id, exclude=exclude)
    return Recommendations("popular" if items else "none", tuple(mixed(items, limit=limit)))


def recommendations_for(user_id: int | None = None, visitor_id: str | None = None, *, category_id: int | None = None,
                        pin: str | None = None, limit: int = 12, runs: dict | None = None) -> Recommendations:
    """What to show this visitor: their own ALS results when, after filtering, at least
    RECOMMENDATIONS_MIN_PERSONAL remain; else popular in their PIN's state, topped up with popular
    overall (or in the category). A visitor without an account (`visitor_id`) gets popular items:
    the jobs learn from customers."""
    limit = max(1, min(int(limit), 50))
    runs = runs or latest_run_ids()
    if runs["als"] is None and runs["popular"] is None:  # no job has run yet: nothing to ask
        return Recommendations("none", ())
    bought = _recently_bought(user_id)
    if user_id:
        personal = sellable(_personal_rows(runs, user_id), pin=pin, category_id=category_id, exclude=bought)
        if len(personal) >= rec_settings().min_personal:
            return Recommendations("personal", tuple(mixed(personal, limit=limit)))
    near = (popular_for(pin=pin, state=True, category_id=category_id, limit=limit, exclude=bought, runs=runs)
            if pin else None)
    if near is not None and len(near.items) >= limit:
        return near
    shown = [item.item_id for item in near.items] if near else []
    overall = popular_for(pin=pin, category_id=category_id, limit=limit - len(shown), exclude=bought | set(shown),
                          runs=runs)
    items = (*(near.items if near else ()), *overall.items)
    if not items:
        return Recommendations("none", ())
    source = "popular_state" if near and near.items else "popular"
    return Recommendations(source, items, state=near.state if near else "")


def also_bought_for(item_id: int, *, pin: str | None = None, limit: int = 12,
                    user_id: int | None = None, runs: dict | None = None) -> Recommendations:
    """"Customers also bought": the item's neighbours from the also_bought job, filtered."""
    rows = _also_bought_rows(runs or latest_run_ids(), item_id)
    if not rows:
        return Recommendations("none", ())
    items = sellable(rows, pin=pin, exclude={item_id, *_recently_bought(user_id)})
    return Recommendations("also_bought" if items else "none", tuple(mixed(items, limit=max(1, min(limit, 50)))))


def recently_viewed_for(item_ids: Iterable[int], *, pin: str | None = None, limit: int = 12,
                        exclude: Iterable[int] = ()) -> Recommendations:
    """The visitor's own recent views (newest first), still for sale; not mixed: it is their list."""
    items = sellable(((i, 0.0) for i in item_ids), pin=pin, exclude=exclude)
    return Recommendations("recent" if items else "none", tuple(items[:limit]))
