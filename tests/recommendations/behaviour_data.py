"""Behaviour for the recommendations tests: events made by hand, and a small structured catalog
for the synthetic generator (no database needed)."""

from __future__ import annotations

import itertools
import uuid
from datetime import UTC, datetime, timedelta

from recommendations.behaviour import BehaviourEvent, BehaviourType
from recommendations.synthetic import SyntheticItem

T0 = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)
_ids = itertools.count(1)


def event(type_: BehaviourType = BehaviourType.PRODUCT_VIEWED, *, at: datetime = T0, item_id: int = 1,
          customer_id: int | None = 7, category_id: int = 10, pin_code: str = "560001", **extra) -> BehaviourEvent:
    return BehaviourEvent(event_id=uuid.UUID(int=next(_ids)), type=type_, occurred_at=at,
                          visitor_id=f"v{customer_id}", customer_id=customer_id, item_id=item_id,
                          category_id=category_id, price_paise=49900, pin_code=pin_code, **extra)


def events_over_hours(n: int, *, hours: int = 3) -> list[BehaviourEvent]:
    """n events of two types over a few hours: several partitions."""
    types = (BehaviourType.PRODUCT_VIEWED, BehaviourType.CART_ADDED)
    return [event(types[i % 2], at=T0 + timedelta(minutes=i * 60 * hours / n), item_id=i % 5 + 1) for i in range(n)]


def structured_items(categories: int = 8, per_category: int = 25, brands_per_category: int = 3) -> list[SyntheticItem]:
    items = []
    for c in range(categories):
        for n in range(per_category):
            items.append(SyntheticItem(item_id=1000 + c * 100 + n, category_id=100 + c,
                                       brand=f"brand-{c}-{n % brands_per_category}",
                                       price_paise=10_000 * (1 + (n * 7) % per_category), category_name=f"cat {c}"))
    return items
