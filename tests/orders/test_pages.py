"""Checkout, the order page and "my orders" as HTML."""

from __future__ import annotations

import pytest

from cart.interface import CartOwner, cart_add
from orders.models import Order
from tests.orders.helpers import place


@pytest.fixture
def shopper(client, world):
    client.force_login(world.customer)
    return client


def test_checkout_shows_lines_promises_shipping_and_the_total_to_pay(shopper, world):
    item = world.add_item("MUG", title="Blue Mug", price_paise=29_900, stock={"BLR1": 5})
    cart_add(owner=CartOwner(user_id=world.customer.pk), item_id=item, quantity=1)

    html = shopper.get("/checkout/").content.decode()

    assert "Blue Mug" in html
    assert "Delivery by" in html  # the customer's profile PIN is 560001
    assert "₹40" in html and "Place order and pay ₹339" in html


def test_checkout_form_errors_are_shown_and_nothing_is_ordered(shopper, world):
    item = world.add_item("MUG", stock={"BLR1": 5})
    cart_add(owner=CartOwner(user_id=world.customer.pk), item_id=item, quantity=1)
    response = shopper.post("/checkout/", {"name": "", "pin_code": "12ab", "attempt": "not-a-uuid"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "aria-invalid" in html and "6-digit PIN" in html
    assert Order.objects.count() == 0


def test_checkout_needs_a_login(client, world):
    response = client.get("/checkout/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_my_orders_lists_only_mine_and_the_page_shows_the_timeline(shopper, world, user_factory, client):
    item = world.add_item("MUG", stock={"DEL1": 5})
    mine = place(world.customer.pk, item, 1)
    theirs = place(user_factory(email="x@example.com").pk, item, 1)

    listing = shopper.get("/orders/").content.decode()
    assert str(mine.pk) in listing and str(theirs.pk) not in listing
    detail = shopper.get(f"/orders/{mine.pk}/").content.decode()
    assert "Waiting for payment" in detail and "Pay ₹" in detail
    assert shopper.get(f"/orders/{theirs.pk}/").status_code == 404
    assert shopper.get("/orders/not-an-order/").status_code == 404
