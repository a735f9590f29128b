"""Search tests: a tantivy index in a temporary directory, and a small shop to search in.

Items, stock and categories are made with the catalog's, inventory's and logistics' own
services (tests may; app code goes through interface modules), and reach the index the way
they do in production: events → the search consumer → the flush.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from decimal import Decimal

import pytest

from shop.backends import get_backend, reset_backends

_numbers = itertools.count(1)


def use_tantivy(settings, path) -> None:
    settings.BAZAAR_BACKENDS = {**settings.BAZAAR_BACKENDS, "search": {
        "BACKEND": "search.backends.tantivy.TantivyBackend", "EMBEDDED": True, "OPTIONS": {"path": str(path)}}}
    reset_backends()


@pytest.fixture
def search_index(settings, tmp_path):
    """The search port on a fresh tantivy index of this test's own."""
    from search.selectors import memos_forget

    use_tantivy(settings, tmp_path / "search-index")
    memos_forget()
    yield get_backend("search")
    reset_backends()
    memos_forget()


def deliver() -> None:
    """What the worker does in production: relay the outbox, then flush the stale items."""
    from events.services import relay_pending
    from search.services import stale_items_flush

    relay_pending()
    stale_items_flush()


@dataclass
class SearchShop:
    """The shared test world (tests/shop_world.py) plus Electronics > Mobiles / Audio with
    facetable attributes, and a helper to add items with stock."""

    world: object
    electronics: int = 0
    mobiles: int = 0
    audio: int = 0
    items: dict[str, int] = field(default_factory=dict)

    def add(self, title: str, *, brand: str = "Acme", category: int | None = None, price_paise: int = 49_900,
            stock: dict[str, int] | None = None, attributes: dict | None = None, rating: str | None = None,
            description: str = "", status: str = "active", image: str = "") -> int:
        from catalog.services import item_create, item_rating_set
        from inventory.services import stock_set

        n = next(_numbers)
        item = item_create(seller_id=self.world.seller.pk, sku=f"S-{n}", title=title, brand=brand,
                           category_id=category or self.mobiles, price_paise=price_paise, description=description,
                           attributes=attributes or {}, status=status, images=[image] if image else [])
        if rating is not None:
            item_rating_set(item_id=item.item_id, rating=Decimal(rating), rating_count=10 * n)
        for code, units in (stock if stock is not None else {"DEL1": 5}).items():
            stock_set(item_id=item.item_id, warehouse_id=self.world.warehouses[code].pk, on_hand=units,
                      actor_id=None, source="system")
        self.items[title] = item.item_id
        return item.item_id


def build_search_shop(world) -> SearchShop:
    from catalog.services import attribute_define, category_create

    electronics = category_create(name="Electronics", slug=f"electronics-{next(_numbers)}").pk
    mobiles = category_create(name="Mobiles", slug="mobiles", parent_id=electronics).pk
    audio = category_create(name="Audio", slug="audio", parent_id=electronics).pk
    attribute_define(category_id=mobiles, code="colour", label="Colour", type="choice",
                     choices=["Black", "Blue", "Green"], facetable=True)
    attribute_define(category_id=mobiles, code="ram_gb", label="RAM", type="number", unit="GB", facetable=True)
    attribute_define(category_id=mobiles, code="dual_sim", label="Dual SIM", type="boolean")
    return SearchShop(world=world, electronics=electronics, mobiles=mobiles, audio=audio)


@pytest.fixture
def shop(world, search_index) -> SearchShop:
    return build_search_shop(world)
