"""Accessibility gate (issue 13): axe-core finds no serious or critical WCAG 2.x A/AA violation on
the main pages — home, search, a product, a category, the cart, log-in, sign-up, the wishlist,
checkout, an order and "my orders" — and on a phone for home and a product. See tests/e2e/axe.py."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from events.services import relay_pending
from search.services import stale_items_flush
from tests.e2e.axe import assert_accessible
from tests.search.conftest import build_search_shop, use_tantivy
from tests.shop_world import BENGALURU_PIN, build_world

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PASSWORD = "a-long-test-password"
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


@pytest.fixture
def shop(transactional_db, user_factory, settings, tmp_path):
    from search.selectors import memos_forget

    settings.EVENTS_RELAY_ON_COMMIT = True  # see test_checkout_browser.py
    settings.EVENTS_RELAY_KICK_SECONDS = 0
    use_tantivy(settings, tmp_path / "search-index")
    memos_forget()
    shop = build_search_shop(build_world(user_factory))
    shop.add("Galaxy M14 phone", brand="Samsung", price_paise=1_299_900, stock={"BLR1": 3},
             attributes={"colour": "Black", "ram_gb": 8}, rating="4.3")
    shop.add("Redmi 13C phone", brand="Redmi", price_paise=799_900, stock={"BLR1": 3},
             attributes={"colour": "Green", "ram_gb": 8})
    shop.add("Rockerz headphones", brand="boAt", category=shop.audio, stock={"BLR1": 3})
    relay_pending()
    stale_items_flush()
    yield shop
    memos_forget()


def product_url(shop) -> str:
    return f"/p/{shop.items['Galaxy M14 phone']}/"


def add_to_cart(page, shop) -> None:
    page.goto(product_url(shop))
    page.get_by_label("Deliver to PIN code").fill(BENGALURU_PIN)
    page.get_by_role("button", name="Check").click()
    expect(page.locator("[data-promise]")).to_contain_text(re.compile(r"Delivery by"))
    page.get_by_role("button", name="Add to cart").click()
    page.goto("/cart/")
    expect(page.get_by_role("link", name="Galaxy M14 phone").first).to_be_visible()


def log_in(page, shop) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(shop.world.customer.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).not_to_have_url(re.compile(r"/accounts/login/"))


def test_home(page, shop):
    page.goto("/")
    assert_accessible(page, "home")


def test_home_with_the_category_menu_open(page, shop):
    page.goto("/")
    page.get_by_test_id("category-menu-toggle").click()
    expect(page.get_by_test_id("category-panel")).to_be_visible()
    assert_accessible(page, "home, category menu open")


def test_search_results_with_a_query_and_a_pin(page, shop):
    add_to_cart(page, shop)  # sets the PIN code, as a customer would
    page.goto("/search/?q=galaxy")
    expect(page.get_by_test_id("current-pin")).to_have_text(BENGALURU_PIN)
    expect(page.get_by_test_id("result-title").first).to_be_visible()
    assert_accessible(page, "search results")


def test_search_with_no_results(page, shop):
    page.goto("/search/?q=zzzzqqqq")
    assert_accessible(page, "search without results")


def test_product_page(page, shop):
    page.goto(product_url(shop))
    expect(page.get_by_role("heading", level=1)).to_have_text("Galaxy M14 phone")
    assert_accessible(page, "product page")
    page.get_by_label("Deliver to PIN code").fill(BENGALURU_PIN)
    page.get_by_role("button", name="Check").click()
    expect(page.locator("[data-promise]")).to_contain_text(re.compile(r"Delivery by"))
    assert_accessible(page, "product page with a delivery date")


def test_category_landing_page(page, shop):
    page.goto("/")
    page.get_by_test_id("category-menu-toggle").click()
    page.get_by_test_id("category-panel").get_by_role("link", name="Mobiles").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mobiles")
    assert_accessible(page, "category landing page (Mobiles)")
    page.get_by_role("navigation", name="Breadcrumb").get_by_role("link", name="Electronics").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Electronics")
    assert_accessible(page, "category landing page (Electronics)")


def test_empty_cart_and_cart_with_an_item(page, shop):
    page.goto("/cart/")
    assert_accessible(page, "empty cart")
    add_to_cart(page, shop)
    assert_accessible(page, "cart with an item")


def test_log_in_page(page, shop):
    page.goto("/accounts/login/")
    assert_accessible(page, "log-in page")
    page.get_by_label("Email").fill(shop.world.customer.email)
    page.get_by_label("Password").fill("wrong-password")
    page.get_by_role("button", name="Log in").click()
    expect(page.locator(".errorlist, [role=alert]").first).to_be_visible()
    assert_accessible(page, "log-in page with an error")


def test_page_not_found(page, shop, browser_errors):
    response = page.goto("/p/999999999/")
    assert response.status == 404
    browser_errors.clear()  # the 404 response itself is logged as a console error
    assert_accessible(page, "404 page")


def test_sign_up_page(page, shop):
    page.goto("/accounts/signup/")
    assert_accessible(page, "sign-up page")
    page.get_by_role("button", name="Create account").click()  # empty: every field in error
    expect(page.locator("[aria-invalid=true]").first).to_be_visible()
    assert_accessible(page, "sign-up page with errors")


def test_wishlist_and_product_saved_to_it(page, shop):
    log_in(page, shop)
    page.goto(product_url(shop))
    page.get_by_role("button", name="Add to wishlist").click()
    expect(page.get_by_test_id("wishlist-saved")).to_be_visible()
    assert_accessible(page, "product page, on the wishlist")
    page.goto("/wishlist/")
    assert_accessible(page, "wishlist")


def test_checkout_order_and_my_orders(page, shop):
    log_in(page, shop)
    add_to_cart(page, shop)
    page.get_by_test_id("checkout-link").click()
    expect(page.get_by_role("heading", name="Checkout")).to_be_visible()
    assert_accessible(page, "checkout")
    page.get_by_role("button", name=re.compile("Place order")).click()  # no address yet: errors
    expect(page.locator("form.checkout-address [aria-invalid=true]").first).to_be_visible()
    assert_accessible(page, "checkout with errors")

    form = page.locator("form.checkout-address")
    form.get_by_label("Full name", exact=True).fill("Chitra Customer")
    form.get_by_label("Phone", exact=True).fill("+91 98450 00000")
    form.get_by_label("Address line 1", exact=True).fill("12 MG Road")
    form.get_by_label("City", exact=True).fill("Bengaluru")
    form.get_by_label("State", exact=True).select_option("Karnataka")
    form.get_by_label("PIN code", exact=True).fill(BENGALURU_PIN)
    page.get_by_role("button", name=re.compile("Place order")).click()
    expect(page.get_by_text("SimPay")).to_be_visible()
    assert_accessible(page, "the simulated gateway's payment page")
    page.get_by_role("button", name="Pay").click()

    expect(page.locator(".order-status")).to_have_attribute("data-status", "placed", timeout=15_000)
    assert_accessible(page, "order page")
    page.goto("/orders/")
    expect(page.locator(".order-card")).to_have_count(1)
    assert_accessible(page, "my orders")


@pytest.fixture
def phone(browser, live_server, browser_errors):
    context = browser.new_context(base_url=live_server.url, **PHONE)
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.on("pageerror", lambda exc: browser_errors.append(str(exc)))
    yield page
    context.close()


def test_home_and_product_on_a_phone(phone, shop):
    phone.goto("/")
    assert_accessible(phone, "home on a phone")
    phone.get_by_test_id("category-menu-toggle").click()
    expect(phone.get_by_test_id("category-panel")).to_be_visible()
    assert_accessible(phone, "home on a phone, category drawer open")
    phone.goto(product_url(shop))
    expect(phone.get_by_role("heading", level=1)).to_have_text("Galaxy M14 phone")
    assert_accessible(phone, "product page on a phone")
