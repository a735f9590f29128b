"""A small, real shop for tests that cross apps: PIN codes of a few regions, two couriers, two
warehouses, a category and items with stock. Built through each app's own services."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pytest

from accounts.models import User
from catalog.services import category_create, item_create
from inventory.services import stock_set
from logistics.services import courier_upsert, pin_codes_load, serviceability_compute, warehouse_create

# New Delhi, Mumbai, Bengaluru, Thiruvananthapuram, the Andaman and Nicobar Islands.
REGIONS = ("110", "400", "560", "695", "744")
DELHI_PIN, BENGALURU_PIN, ISLANDS_PIN = "110001", "560001", "744101"


@dataclass
class World:
    seller: User
    customer: User
    warehouses: dict = field(default_factory=dict)
    category_id: int = 0
    items: dict = field(default_factory=dict)

    def add_item(self, sku: str, *, price_paise: int = 49900, stock: dict[str, int] | None = None,
                 title: str | None = None) -> int:
        item = item_create(seller_id=self.seller.pk, sku=sku, title=title or f"Test item {sku}",
                           category_id=self.category_id, price_paise=price_paise, brand="Acme")
        for code, units in (stock or {}).items():
            stock_set(item_id=item.item_id, warehouse_id=self.warehouses[code].pk, on_hand=units, actor_id=None,
                      source="system")
        self.items[sku] = item.item_id
        return item.item_id


def build_world(user_factory) -> World:
    pin_codes_load(prefixes=REGIONS)
    courier_upsert(code="ROAD", name="Road Cargo", base_days=1, km_per_day=450, cutoff=dt.time(18, 0),
                   excluded_pin_prefixes=["744"], picks_up_sundays=True, refresh_serviceability=False)
    seller = user_factory(email="seller@example.com", is_seller=True)
    customer = user_factory(email="buyer@example.com", pin_code=BENGALURU_PIN)
    world = World(seller=seller, customer=customer)
    for code, pin in (("DEL1", "110020"), ("BLR1", "560068")):
        world.warehouses[code] = warehouse_create(code=code, name=code, pin_code=pin, seller_id=seller.pk,
                                                  refresh_serviceability=False)
    serviceability_compute()
    world.category_id = category_create(name="Gadgets", slug="gadgets").pk
    return world


@pytest.fixture
def world(db, user_factory) -> World:
    return build_world(user_factory)


@pytest.fixture
def world_tx(transactional_db, user_factory) -> World:
    """The same shop for tests that need real commits (threads, several connections)."""
    return build_world(user_factory)
