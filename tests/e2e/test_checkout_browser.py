"""A customer in a real browser: product page with a delivery date, cart, log-in, checkout,
the simulated gateway's Pay / Fail buttons, and "my orders"."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from inventory.interface import availability_get
from orders.models import Order
from tests.shop_world import build_world

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PASSWORD = "a-long-test-password"


@pytest.fixture
def shop(transactional_db, user_factory, settings):
    # Relay events as soon as their transaction commits (tasks run in-process in tests), so the
    # gateway's callback has placed or cancelled the order by the time the browser looks. Every
    # commit kicks: in-process, the end-of-interval kick would run at once, not at the interval's
    # end, and commits after it would wait for the sweep, which no beat runs here.
    settings.EVENTS_RELAY_ON_COMMIT = True
    settings.EVENTS_RELAY_KICK_SECONDS = 0
    world = build_world(user_factory)
    world.add_item("KETTLE", title="Steel Electric Kettle", price_paise=129_900, stock={"BLR1": 2})
    return world


def log_in_from_checkout(page, world) -> None:
    page.get_by_label("Email").fill(world.customer.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def fill_address(page) -> None:
    form = page.locator("form.checkout-address")
    form.get_by_label("Full name", exact=True).fill("Chitra Customer")
    form.get_by_label("Phone", exact=True).fill("+91 98450 00000")
    form.get_by_label("Address line 1", exact=True).fill("12 MG Road")
    form.get_by_label("City", exact=True).fill("Bengaluru")
    form.get_by_label("State", exact=True).select_option("Karnataka")
    form.get_by_label("PIN code", exact=True).fill("560001")


def add_kettle_to_cart(page, shop) -> None:
    page.goto(f"/p/{shop.items['KETTLE']}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Steel Electric Kettle")
    expect(page.locator("[data-promise]")).to_contain_text("Set your PIN code")
    page.get_by_label("Deliver to PIN code").fill("560001")
    page.get_by_role("button", name="Check").click()
    expect(page.locator("[data-promise]")).to_contain_text(re.compile(r"Delivery by \w{3}, \d+ \w{3}"))
    page.get_by_role("button", name="Add to cart").click()
    page.goto("/cart/")
    expect(page.get_by_role("link", name="Steel Electric Kettle").first).to_be_visible()


def test_pay_and_see_the_order_under_my_orders(page, shop):
    add_kettle_to_cart(page, shop)
    page.get_by_test_id("checkout-link").click()
    log_in_from_checkout(page, shop)  # checkout needs an account; the cart follows the log-in

    expect(page.get_by_role("heading", name="Checkout")).to_be_visible()
    fill_address(page)
    page.get_by_role("button", name=re.compile("Place order")).click()

    expect(page.get_by_text("SimPay")).to_be_visible()  # the gateway's hosted page
    page.get_by_role("button", name="Pay").click()

    expect(page.locator(".order-status")).to_have_attribute("data-status", "placed", timeout=15_000)
    reference = page.get_by_test_id("order-reference").inner_text()
    assert re.fullmatch(r"BZ-\d{2}-\d{7}", reference)  # its number (decision 0030)
    expect(page).to_have_title(re.compile(f"Order {reference}"))
    page.goto("/orders/")
    expect(page.locator(".order-card")).to_have_count(1)
    expect(page.locator(".order-card")).to_contain_text("Steel Electric Kettle")
    expect(page.get_by_test_id("order-reference")).to_have_text(f"Order {reference}")  # one number everywhere
    assert Order.objects.get().status == "placed"


def test_failed_payment_cancels_the_order_and_the_stock_is_back(page, shop):
    kettle = shop.items["KETTLE"]
    add_kettle_to_cart(page, shop)
    page.get_by_test_id("checkout-link").click()
    log_in_from_checkout(page, shop)
    fill_address(page)
    page.get_by_role("button", name=re.compile("Place order")).click()
    assert availability_get(item_ids=[kettle]) == {kettle: 1}  # held while paying

    page.get_by_role("button", name="Fail").click()

    expect(page.locator(".order-status")).to_have_attribute("data-status", "cancelled", timeout=15_000)
    expect(page.locator(".order-status")).to_have_text("Cancelled: the payment failed")
    expect(page.locator(".timeline")).to_contain_text("Cancelled: The bank declined the payment")
    assert availability_get(item_ids=[kettle]) == {kettle: 2}
    page.goto(f"/p/{kettle}/")
    expect(page.locator("[data-stock]")).to_contain_text("Only 2 left")


def test_after_a_failed_payment_try_paying_again_and_the_order_is_placed(page, shop):
    from payments.models import Payment

    kettle = shop.items["KETTLE"]
    add_kettle_to_cart(page, shop)
    page.get_by_test_id("checkout-link").click()
    log_in_from_checkout(page, shop)
    fill_address(page)
    page.get_by_role("button", name=re.compile("Place order")).click()
    page.get_by_role("button", name="Fail").click()
    expect(page.locator(".order-status")).to_have_attribute("data-status", "cancelled", timeout=15_000)
    assert availability_get(item_ids=[kettle]) == {kettle: 2}

    page.get_by_role("button", name="Try paying again").click()

    expect(page.get_by_text("SimPay")).to_be_visible()  # a new payment attempt's page
    assert availability_get(item_ids=[kettle]) == {kettle: 1}  # held again
    page.get_by_role("button", name="Pay").click()
    expect(page.locator(".order-status")).to_have_attribute("data-status", "placed", timeout=15_000)
    expect(page.get_by_role("button", name="Try paying again")).to_have_count(0)
    expect(page.locator(".timeline")).to_contain_text("paying again (was payment_failed)")
    order = Order.objects.get()
    assert [p.status for p in Payment.objects.filter(order_id=str(order.pk)).order_by("attempt")] == [
        "failed", "succeeded"]


def test_a_saved_address_is_chosen_and_a_bad_new_one_is_explained(page, shop):
    from accounts.services import address_create

    address_create(user_id=shop.customer.pk, full_name="Chitra Home", phone="9845000001",
                   line1="1 Residency Road", city="Bengaluru", state="Karnataka", pin_code="560025",
                   make_default=True)
    add_kettle_to_cart(page, shop)
    page.get_by_test_id("checkout-link").click()
    log_in_from_checkout(page, shop)

    saved = page.get_by_role("radio", name=re.compile("Chitra Home"))
    expect(saved).to_be_checked()
    new_address = page.locator("[data-new-address]")
    expect(new_address).to_be_hidden()  # only while "A new address" is chosen

    page.get_by_role("radio", name="A new address").check()
    expect(new_address).to_be_visible()
    fill_address(page)
    form = page.locator("form.checkout-address")
    form.get_by_label("Phone", exact=True).fill("abc")
    form.get_by_label("PIN code", exact=True).fill("110001")
    page.get_by_role("button", name=re.compile("Place order")).click()

    expect(page.get_by_text("Enter a 10-digit phone number")).to_be_visible()
    expect(page.get_by_text("PIN code 110001 is in Delhi, not Karnataka")).to_be_visible()
    expect(page.locator("[data-new-address]")).to_be_visible()  # the errors are not hidden away
    assert Order.objects.count() == 0

    page.get_by_role("radio", name=re.compile("Chitra Home")).check()
    page.get_by_role("button", name=re.compile("Place order")).click()
    expect(page.get_by_text("SimPay")).to_be_visible()
    assert Order.objects.get().pin_code == "560025"
