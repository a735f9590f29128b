"""Reads of inventory: availability, and the delivery promise (where stock is × how fast it travels)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import F, Sum

from inventory.models import Allocation, Stock
from logistics.interface import delivery_estimates


@dataclass(frozen=True)
class DeliveryPromise:
    item_id: int
    pin_code: str
    delivery_date: date
    ship_date: date
    transit_days: int
    warehouse_id: int
    courier: str


def availability_get(*, item_ids: Iterable[int]) -> dict[int, int]:
    """Units available now per item, over all warehouses; items with no stock row are 0. An order
    line may be split over warehouses, so this is what a cart may hold of the item."""
    ids = [i for i in item_ids if 0 < i < 2**63]
    totals = dict.fromkeys(ids, 0)
    rows = (Stock.objects.filter(item_id__in=ids).values("item_id")
            .annotate(units=Sum(F("on_hand") - F("reserved"))))  # not `available`: Stock's property
    for row in rows:
        totals[row["item_id"]] = row["units"] or 0
    return totals


def delivery_promises(*, item_ids: Iterable[int], pin_code: str,
                      now: datetime | None = None) -> dict[int, DeliveryPromise]:
    """The earliest delivery to `pin_code` for each item, over the warehouses that hold it now.

    Two queries for any number of items: the stock rows, then one route lookup for all their
    warehouses. Items out of stock, or stocked only where no courier reaches the PIN, are absent.
    """
    ids = list(item_ids)
    stocked: dict[int, list[int]] = defaultdict(list)
    for item_id, warehouse_id in (Stock.objects.filter(item_id__in=ids, on_hand__gt=F("reserved"))
                                  .values_list("item_id", "warehouse_id")):
        stocked[item_id].append(warehouse_id)
    if not stocked:
        return {}
    estimates = delivery_estimates(warehouse_ids={w for ws in stocked.values() for w in ws},
                                   pin_code=pin_code, now=now)
    promises = {}
    for item_id, warehouse_ids in stocked.items():
        reachable = [(estimates[w].delivery_date, w) for w in warehouse_ids if w in estimates]
        if not reachable:
            continue
        _, best = min(reachable)
        estimate = estimates[best]
        promises[item_id] = DeliveryPromise(
            item_id=item_id, pin_code=pin_code, delivery_date=estimate.delivery_date,
            ship_date=estimate.ship_date, transit_days=estimate.transit_days, warehouse_id=best,
            courier=estimate.courier_name,
        )
    return promises


def reservations_for_order(*, order_id: str) -> list[Allocation]:
    return list(Allocation.objects.filter(order_id=order_id).order_by("item_id"))


@dataclass(frozen=True)
class HeldAllocation:
    order_id: str
    item_id: int
    warehouse_id: int
    quantity: int


def held_reservations_by_order(*, created_before: datetime) -> dict[str, list[HeldAllocation]]:
    """Held allocations older than `created_before`, grouped by order id (for reconciliation)."""
    grouped: dict[str, list[HeldAllocation]] = defaultdict(list)
    rows = (Allocation.objects.filter(status=Allocation.Status.HELD, created_at__lt=created_before)
            .values_list("order_id", "item_id", "warehouse_id", "quantity"))
    for order_id, item_id, warehouse_id, quantity in rows:
        grouped[order_id].append(HeldAllocation(order_id, item_id, warehouse_id, quantity))
    return dict(grouped)


def reservation_statuses(*, order_ids: Iterable[str]) -> dict[str, set[str]]:
    """For each order, the statuses of its reservations (empty set: it has none)."""
    ids = list(order_ids)
    statuses: dict[str, set[str]] = {order_id: set() for order_id in ids}
    for order_id, status in Allocation.objects.filter(order_id__in=ids).values_list("order_id", "status"):
        statuses[order_id].add(status)
    return statuses


def stock_locations(*, item_ids: Iterable[int]) -> dict[int, frozenset[int]]:
    """For each item, the warehouses where it has units available now (empty: sold out).

    One query per 1,000 items; search indexes these so it can filter by "a stocked warehouse
    reaches this PIN" inside the engine.
    """
    ids = list(dict.fromkeys(int(i) for i in item_ids if 0 < int(i) < 2**63))
    found: dict[int, set[int]] = {i: set() for i in ids}
    for start in range(0, len(ids), 1000):
        rows = (Stock.objects.filter(item_id__in=ids[start:start + 1000], on_hand__gt=F("reserved"))
                .values_list("item_id", "warehouse_id"))
        for item_id, warehouse_id in rows:
            found[item_id].add(warehouse_id)
    return {i: frozenset(w) for i, w in found.items()}
