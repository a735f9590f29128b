"""Job results written directly (no Spark): what a succeeded run of popular / als / also_bought
leaves in the result tables, for the serving and page tests."""

from __future__ import annotations

from django.utils import timezone

from catalog.services import item_create
from inventory.services import stock_set
from recommendations.models import AlsoBought, CustomerRecommendation, JobRun, PopularItem
from recommendations.selectors import runs_forget


def succeeded_run(name: str) -> JobRun:
    now = timezone.now()
    return JobRun.objects.create(name=name, started_at=now, finished_at=now, outcome=JobRun.Outcome.SUCCEEDED,
                                 duration_seconds=1.0)


def popular_results(overall: list[int], *, states: dict[str, list[int]] | None = None,
                    categories: dict[int, list[int]] | None = None) -> JobRun:
    run = succeeded_run("popular")
    rows = [("all", "", overall)] + [("state", s, ids) for s, ids in (states or {}).items()] + [
        ("category", str(c), ids) for c, ids in (categories or {}).items()]
    PopularItem.objects.bulk_create(
        PopularItem(run=run, scope=scope, scope_key=key, item_id=item_id, score=100.0 - rank, rank=rank)
        for scope, key, ids in rows for rank, item_id in enumerate(ids, start=1))
    runs_forget()
    return run


def personal_results(by_customer: dict[int, list[int]]) -> JobRun:
    run = succeeded_run("als")
    CustomerRecommendation.objects.bulk_create(
        CustomerRecommendation(run=run, customer_id=customer, item_id=item_id, score=1.0 / rank, rank=rank)
        for customer, ids in by_customer.items() for rank, item_id in enumerate(ids, start=1))
    runs_forget()
    return run


def also_bought_results(by_item: dict[int, list[int]]) -> JobRun:
    run = succeeded_run("also_bought")
    AlsoBought.objects.bulk_create(
        AlsoBought(run=run, item_id=item, other_item_id=other, score=1.0 / rank, rank=rank)
        for item, ids in by_item.items() for rank, other in enumerate(ids, start=1))
    runs_forget()
    return run


def add_item(world, sku: str, *, brand: str = "Acme", category_id: int | None = None, title: str | None = None,
             stock: dict[str, int] | None = None, price_paise: int = 49_900) -> int:
    item = item_create(seller_id=world.seller.pk, sku=sku, title=title or f"Item {sku}",
                       category_id=category_id or world.category_id, price_paise=price_paise, brand=brand)
    for code, units in ({"BLR1": 5} if stock is None else stock).items():
        stock_set(item_id=item.item_id, warehouse_id=world.warehouses[code].pk, on_hand=units, actor_id=None,
                  source="system")
    return item.item_id
