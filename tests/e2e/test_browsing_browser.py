"""Browsing in a real browser (issue 13): the category mega-menu on a laptop, the drawer on a
phone, a category's landing page, and Buy now reaching checkout."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from events.services import relay_pending
from search.services import stale_items_flush
from tests.search.conftest import build_search_shop, use_tantivy
from tests.shop_world import build_world

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PASSWORD = "a-long-test-password"


@pytest.fixture
def shop(transactional_db, user_factory, settings, tmp_path):
    from search.selectors import memos_forget

    use_tantivy(settings, tmp_path / "search-index")
    memos_forget()
    shop = build_search_shop(build_world(user_factory))
    shop.add("Galaxy M14 phone", brand="Samsung", stock={"BLR1": 3}, attributes={"colour": "Black", "ram_gb": 8})
    shop.add("Redmi 13C phone", brand="Redmi", stock={"BLR1": 3}, attributes={"colour": "Green", "ram_gb": 8})
    shop.add("Rockerz headphones", brand="boAt", category=shop.audio, stock={"BLR1": 3})
    relay_pending()
    stale_items_flush()
    yield shop
    memos_forget()


def test_the_mega_menu_on_a_laptop_leads_to_a_category_landing_page(page, shop):
    page.goto("/")
    menu = page.get_by_test_id("category-panel")
    expect(menu).to_be_hidden()

    page.get_by_test_id("category-menu-toggle").click()

    expect(menu).to_be_visible()
    box = menu.bounding_box()
    assert box["width"] > 800  # a panel the width of the header, not a narrow drop-down
    expect(menu.get_by_role("link", name="Mobiles")).to_be_visible()
    page.keyboard.press("Escape")
    expect(menu).to_be_hidden()

    page.get_by_test_id("category-menu-toggle").click()
    menu.get_by_role("link", name="Electronics").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Electronics")
    crumbs = page.get_by_role("navigation", name="Breadcrumb")
    expect(crumbs.get_by_role("link", name="Home")).to_be_visible()
    page.get_by_test_id("subcategories").get_by_role("link", name="Mobiles").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Mobiles")
    expect(page.get_by_test_id("result-title")).to_have_count(2)
    page.get_by_test_id("top-brands").get_by_role("link", name=re.compile("Redmi")).click()
    expect(page.get_by_test_id("result-title")).to_have_text(["Redmi 13C phone"])
    assert re.search(r"/c/electronics-\d+/mobiles/\?brand=Redmi$", page.url)


def test_the_menu_is_a_drawer_on_a_phone(browser, live_server, shop, browser_errors):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 390, "height": 844},
                                  is_mobile=True, has_touch=True)
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.on("pageerror", lambda exc: browser_errors.append(str(exc)))
    try:
        page.goto("/")
        page.get_by_test_id("category-menu-toggle").click()

        drawer = page.get_by_test_id("category-panel")
        expect(drawer).to_be_visible()
        box = drawer.bounding_box()
        assert box["x"] == 0 and box["y"] == 0 and box["height"] >= 840  # full height, from the left
        assert 300 <= box["width"] < 390
        page.get_by_role("button", name="Close categories").click()
        expect(drawer).to_be_hidden()

        page.get_by_test_id("category-menu-toggle").click()
        drawer.get_by_role("link", name="Audio").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Audio")
        expect(page.get_by_test_id("result-title")).to_have_text(["Rockerz headphones"])
    finally:
        context.close()


def test_buy_now_logs_in_and_reaches_checkout_with_the_quantity_chosen(page, shop):
    page.goto(f"/p/{shop.items['Galaxy M14 phone']}/")
    page.get_by_label("Quantity").fill("2")

    page.get_by_test_id("buy-now").click()

    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/checkout/"))
    page.get_by_label("Email").fill(shop.world.customer.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/checkout/$"))
    expect(page.get_by_text("Galaxy M14 phone").first).to_be_visible()
    from cart.interface import CartLine, cart_lines

    assert cart_lines(user_id=shop.world.customer.pk) == [CartLine(shop.items["Galaxy M14 phone"], 2)]
