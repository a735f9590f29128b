"""Checkout, the order page and "my orders" as HTML."""

from __future__ import annotations

import re

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


NEW_ADDRESS = {"name": "Chitra Customer", "phone": "98450 00000", "line1": "12 MG Road", "city": "Bengaluru",
               "state": "Karnataka", "pin_code": "560001", "attempt": "6f1c2a4e-0000-4000-8000-000000000001"}


@pytest.fixture
def mug_in_cart(world):
    item = world.add_item("MUG", title="Blue Mug", stock={"BLR1": 5})
    cart_add(owner=CartOwner(user_id=world.customer.pk), item_id=item, quantity=1)
    return item


def test_checkout_refuses_a_phone_that_is_not_a_phone_number(shopper, mug_in_cart):
    response = shopper.post("/checkout/", {**NEW_ADDRESS, "phone": "abc"})
    assert response.status_code == 200
    assert "Enter a 10-digit phone number" in response.content.decode()
    assert Order.objects.count() == 0


def test_checkout_refuses_a_pin_code_of_another_state(shopper, mug_in_cart):
    response = shopper.post("/checkout/", {**NEW_ADDRESS, "pin_code": "110001"})  # New Delhi
    assert "PIN code 110001 is in Delhi, not Karnataka" in response.content.decode()
    assert Order.objects.count() == 0


def test_checkout_state_is_chosen_from_the_list(shopper, mug_in_cart):
    html = shopper.get("/checkout/").content.decode()
    assert '<select name="state"' in html and '<option value="Karnataka">Karnataka</option>' in html
    response = shopper.post("/checkout/", {**NEW_ADDRESS, "state": "Kar"})
    assert "Select a valid choice" in response.content.decode()
    assert Order.objects.count() == 0


def test_checkout_places_the_order_with_a_checked_new_address(shopper, world, mug_in_cart):
    response = shopper.post("/checkout/", NEW_ADDRESS)
    assert response.status_code == 302
    order = Order.objects.get()
    assert (order.ship_phone, order.ship_state, order.pin_code) == ("9845000000", "Karnataka", "560001")


def test_checkout_offers_the_saved_addresses_and_delivers_to_the_one_chosen(shopper, world, mug_in_cart):
    from accounts.services import address_create

    home = address_create(user_id=world.customer.pk, full_name="Chitra Home", phone="9845000001",
                          line1="1 Residency Road", city="Bengaluru", state="Karnataka", pin_code="560025",
                          make_default=True)
    work = address_create(user_id=world.customer.pk, full_name="Chitra Work", phone="9845000002",
                          line1="9 Brigade Road", city="Bengaluru", state="Karnataka", pin_code="560001")

    page = shopper.get("/checkout/").content.decode()
    assert "Chitra Home" in page and "Chitra Work" in page and "A new address" in page
    assert re.search(rf'name="deliver_to" value="{home.pk}"[^>]*checked', page)  # the default first

    # Whatever a browser left in the hidden new-address fields is ignored.
    response = shopper.post("/checkout/", {"deliver_to": str(work.pk), "phone": "abc",
                                           "attempt": NEW_ADDRESS["attempt"]})
    assert response.status_code == 302
    order = Order.objects.get()
    assert (order.ship_name, order.ship_line1, order.pin_code) == ("Chitra Work", "9 Brigade Road", "560001")


def test_checkout_refuses_someone_elses_saved_address(shopper, world, mug_in_cart, user_factory):
    from accounts.services import address_create

    address_create(user_id=world.customer.pk, full_name="Mine", phone="9845000001", line1="1 Road",
                   city="Bengaluru", state="Karnataka", pin_code="560025")
    theirs = address_create(user_id=user_factory().pk, full_name="Theirs", phone="9845000009",
                            line1="2 Road", city="Bengaluru", state="Karnataka", pin_code="560001")

    response = shopper.post("/checkout/", {"deliver_to": str(theirs.pk), "attempt": NEW_ADDRESS["attempt"]})
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert Order.objects.count() == 0


def test_an_invalid_pin_at_checkout_is_not_called_undeliverable(shopper, mug_in_cart):
    html = shopper.post("/checkout/", {**NEW_ADDRESS, "pin_code": "12345"}).content.decode()
    assert "Can&#x27;t be delivered to 12345" not in html and "Can't be delivered to 12345" not in html
    assert "Enter a valid PIN code to see the delivery date" in html


def test_an_undeliverable_pin_at_checkout_is_said_as_a_problem(shopper, mug_in_cart):
    html = shopper.post("/checkout/", {**NEW_ADDRESS, "city": "Port Blair", "state": "Andaman and Nicobar Islands",
                                       "pin_code": "744101"}).content.decode()
    assert '<span class="promise-none">Can' in html
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
