"""Reviews tests: the shared shop (tests/shop_world.py), an item, and customers who received it.

Orders are delivered the way they are in production: placed, paid (what the payment consumer
does), then packed, shipped and delivered through orders.services.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass

import pytest

from accounts.services import profile_update
from events.services import relay_pending
from orders.services import order_mark_delivered, order_mark_packed, order_mark_paid, order_mark_shipped
from tests.orders.helpers import place

# A 1×1 transparent PNG.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)


def deliver(user_id: int, item_id: int):
    """An order of the item for the customer, taken all the way to delivered."""
    order = place(user_id, item_id)
    order_mark_paid(order_id=str(order.pk))
    for step in (order_mark_packed, order_mark_shipped, order_mark_delivered):
        step(order_id=order.pk)
    return order


@dataclass
class ReviewShop:
    world: object
    item: int
    other_item: int
    customer: object
    second: object  # another customer who received the item
    stranger: object  # a customer who never bought it

    @property
    def seller(self):
        return self.world.seller


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def shop(world, user_factory, media) -> ReviewShop:
    item = world.add_item("KETTLE", title="Steel Electric Kettle", stock={"DEL1": 20})
    other = world.add_item("TOASTER", title="Two Slice Toaster", stock={"DEL1": 20})
    profile_update(user_id=world.customer.pk, full_name="Chitra Customer")
    second = user_factory(email="second@example.com", full_name="Deepak Buyer")
    stranger = user_factory(email="stranger@example.com")
    deliver(world.customer.pk, item)
    deliver(second.pk, item)
    relay_pending()
    return ReviewShop(world=world, item=item, other_item=other, customer=world.customer, second=second,
                      stranger=stranger)
