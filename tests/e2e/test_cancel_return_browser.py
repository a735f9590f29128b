"""After paying, in a real browser: a customer cancels one package of a two-package order, and
returns an item of a delivered one (issue 12)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from inventory.models import Stock
from orders.models import Order, ReturnRequest
from orders.services import (
    OrderLineRequest,
    order_mark_delivered,
    order_mark_packed,
    order_mark_shipped,
    order_place,
)
from payments.models import Payment
from tests.orders.helpers import address, customer_presses
from tests.shop_world import build_world

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def two_packages(user_factory, settings):
    settings.EVENTS_RELAY_ON_COMMIT = True
    settings.EVENTS_RELAY_KICK_SECONDS = 0
    world = build_world(user_factory)
    lamp = world.add_item("LAMP", title="Brass Desk Lamp", price_paise=100_000, stock={"DEL1": 3})
    rug = world.add_item("RUG", title="Jute Rug", price_paise=250_000, stock={"BLR1": 3})
    order = order_place(user_id=world.customer.pk, idempotency_key="browser-1",
                        lines=[OrderLineRequest(lamp, 1), OrderLineRequest(rug, 1)], address=address())
    customer_presses(order, "pay")  # the simulated gateway takes the money
    return world, order, lamp, rug


def log_in(page, world) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(world.customer.email)
    page.get_by_label("Password").fill("a-long-test-password")
    page.get_by_role("button", name="Log in").click()


def test_cancel_one_package_then_return_from_the_other(page, two_packages):
    world, order, _lamp, rug = two_packages
    log_in(page, world)
    page.goto(f"/orders/{order.pk}/")
    expect(page.get_by_test_id("shipment")).to_have_count(2)

    rug_package = page.get_by_test_id("shipment").filter(has_text="Jute Rug")
    rug_package.get_by_role("button", name="Cancel this package").click()

    expect(page.get_by_text("That package is cancelled")).to_be_visible()
    expect(page.get_by_test_id("shipment").filter(has_text="Jute Rug")).to_have_attribute(
        "data-shipment-status", "cancelled")
    assert Stock.objects.get(item_id=rug).on_hand == 3  # back on the shelf
    assert Payment.objects.get(order_id=str(order.pk)).refunded_paise == 250_000

    for mark in (order_mark_packed, order_mark_shipped, order_mark_delivered):
        mark(order_id=order.pk)
    page.reload()
    expect(page.locator(".order-status")).to_have_attribute("data-status", "delivered")
    page.get_by_test_id("shipment").filter(has_text="Brass Desk Lamp").get_by_role("link", name="Return items").click()

    page.get_by_role("button", name="Request return").click()  # nothing chosen: the form says so
    expect(page.get_by_role("alert").first).to_be_visible()
    page.get_by_label("Brass Desk Lamp").fill("1")
    page.get_by_label("Reason").fill("The shade arrived dented")
    page.get_by_role("button", name="Request return").click()

    expect(page.get_by_text("Return requested.")).to_be_visible()
    expect(page.get_by_test_id("return")).to_have_attribute("data-return-status", "requested")
    ret = ReturnRequest.objects.get()
    assert (ret.reason, ret.lines.get().quantity) == ("The shade arrived dented", 1)
    assert Order.objects.get(pk=order.pk).status == "delivered"
