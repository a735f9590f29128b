"""Fixtures shared by the cart and wishlist tests: customers, sellable items with stock.

Items and stock are made with the catalog's and inventory's own services (tests may; app code
goes through their interface modules).
"""

from __future__ import annotations

import itertools

import pytest

WAREHOUSE_ID = 1
_skus = itertools.count(1)


@pytest.fixture
def category(db):
    from catalog.services import category_create

    return category_create(name="Kitchen", slug=f"kitchen-{next(_skus)}")


@pytest.fixture
def make_item(category):
    """make_item(price_paise=..., stock=..., status=...) → the item's id."""
    from catalog.services import item_create
    from inventory.services import stock_set

    def make(*, price_paise: int = 49900, stock: int = 5, title: str = "", status: str = "active") -> int:
        n = next(_skus)
        item = item_create(seller_id=900, sku=f"SKU-{n}", title=title or f"Steel tumbler {n}",
                           category_id=category.pk, price_paise=price_paise, status=status,
                           images=[f"https://img.example/{n}.jpg"])
        if stock:
            stock_set(item_id=item.item_id, warehouse_id=WAREHOUSE_ID, on_hand=stock, actor_id=None,
                      source="system")
        return item.item_id

    return make


@pytest.fixture
def set_stock():
    from inventory.services import stock_set

    def set_(item_id: int, on_hand: int) -> None:
        stock_set(item_id=item_id, warehouse_id=WAREHOUSE_ID, on_hand=on_hand, actor_id=None, source="system")

    return set_


@pytest.fixture
def set_price():
    from catalog.services import item_update

    def set_(item_id: int, price_paise: int) -> None:
        item_update(item_id=item_id, price_paise=price_paise)

    return set_


@pytest.fixture
def retire():
    from catalog.services import item_retire

    return lambda item_id: item_retire(item_id=item_id)


@pytest.fixture
def customer(user_factory):
    return user_factory(email="asha@example.com", password="a-long-test-password")


def outbox(type_prefix: str = "") -> list:
    """Outbox rows on every outbox database, oldest first (optionally of one type family)."""
    from events.models import OutboxEvent
    from events.services import outbox_databases

    rows = []
    for alias in outbox_databases():
        rows += list(OutboxEvent.objects.using(alias).filter(type__startswith=type_prefix).order_by("id"))
    return rows
