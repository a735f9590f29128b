"""Demo stock: most items in two or three warehouses, some sold out, a few nearly gone."""

from __future__ import annotations

import random
from collections.abc import Sequence

from django.db import transaction

from events.interface import emit
from inventory.models import Stock, StockAdjustment


@transaction.atomic
def seed_stock(*, item_ids: Sequence[int], warehouses: Sequence, seed: int = 11) -> int:
    """Stock for items that have none yet; returns the number of stock rows created. Idempotent.

    Bulk-inserted with their audit rows and one stock event per item, so search can index them.
    """
    stocked = set(Stock.objects.filter(item_id__in=list(item_ids)).values_list("item_id", flat=True))
    rng = random.Random(seed)
    rows, audits = [], []
    warehouse_ids = [w.id for w in warehouses]
    for item_id in item_ids:
        if item_id in stocked or not warehouse_ids:
            continue
        roll = rng.random()
        for warehouse_id in rng.sample(warehouse_ids, k=min(len(warehouse_ids), rng.choice([1, 2, 3]))):
            # 5% sold out everywhere (a row at 0, so a second run leaves them sold out), 10% nearly gone.
            units = 0 if roll < 0.05 else rng.choice([1, 2, 3]) if roll < 0.15 else rng.randint(5, 120)
            rows.append(Stock(item_id=item_id, warehouse_id=warehouse_id, on_hand=units))
            audits.append(StockAdjustment(item_id=item_id, warehouse_id=warehouse_id, on_hand_before=0,
                                          on_hand_after=units, source=StockAdjustment.Source.SYSTEM,
                                          reason="demo data"))
    Stock.objects.bulk_create(rows, batch_size=1000)
    StockAdjustment.objects.bulk_create(audits, batch_size=1000)
    for item_id in sorted({row.item_id for row in rows}):
        emit("inventory.stock_changed.v1", key=item_id, payload={"item_id": item_id, "reason": "seeded"})
    return len(rows)
