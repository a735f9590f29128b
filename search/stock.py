"""Where each item has units available: the warehouse ids search indexes for deliverability.

Inventory's interface answers totals (`availability_get`) and promises (`delivery_promises`),
not "which warehouses hold it". Search needs the set, so that the engine can filter by "a
stocked warehouse reaches this PIN". The function belongs in inventory:

    # inventory/selectors.py (exported by inventory/interface.py)
    def stock_locations(*, item_ids: Iterable[int]) -> dict[int, frozenset[int]]:
        ids = list(item_ids)
        found: dict[int, set[int]] = {i: set() for i in ids}
        for item_id, warehouse_id in (Stock.objects.filter(item_id__in=ids, on_hand__gt=F("reserved"))
                                      .values_list("item_id", "warehouse_id")):
            found[item_id].add(warehouse_id)
        return {i: frozenset(w) for i, w in found.items()}

Until inventory exports it, the same single query runs here against inventory's Stock model,
looked up through the app registry. That is a known, temporary breach of the dependency rule,
kept to this one function; delete the fallback once `inventory.interface.stock_locations` exists.
"""

from __future__ import annotations

from collections.abc import Iterable

import inventory.interface as inventory


def stock_locations(*, item_ids: Iterable[int]) -> dict[int, frozenset[int]]:
    """For each item, the warehouses where it has units available (on hand above reserved);
    an item with none maps to an empty set. One query."""
    ids = list(dict.fromkeys(int(i) for i in item_ids))
    if not ids:
        return {}
    exported = getattr(inventory, "stock_locations", None)
    if exported is not None:
        return {i: frozenset(exported(item_ids=ids).get(i, ())) for i in ids}
    return _stock_locations_fallback(ids)


def _stock_locations_fallback(ids: list[int]) -> dict[int, frozenset[int]]:
    from django.apps import apps
    from django.db.models import F

    stock = apps.get_model("inventory", "Stock")
    found: dict[int, set[int]] = {i: set() for i in ids}
    for start in range(0, len(ids), 1000):
        rows = (stock.objects.filter(item_id__in=ids[start:start + 1000], on_hand__gt=F("reserved"))
                .values_list("item_id", "warehouse_id"))
        for item_id, warehouse_id in rows:
            found[item_id].add(warehouse_id)
    return {i: frozenset(w) for i, w in found.items()}
