"""A listing with options in a real browser (issue 13, part 3): search shows the T-shirt once, the
product page's picker moves between its variants, and a sold-out size says so; Buy now with
JavaScript switched off buys exactly one."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from events.services import relay_pending
from search.services import stale_items_flush
from tests.e2e.axe import axe_report, axe_violations
from tests.search.conftest import build_search_shop, use_tantivy
from tests.shop_world import build_world

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PASSWORD = "a-long-test-password"


@pytest.fixture
def shop(transactional_db, user_factory, settings, tmp_path):
    from catalog.services import attribute_define, category_create, item_create
    from inventory.services import stock_set
    from search.selectors import memos_forget

    use_tantivy(settings, tmp_path / "search-index")
    memos_forget()
    shop = build_search_shop(build_world(user_factory))
    tees = category_create(name="T-shirts", slug="t-shirts", parent_id=shop.electronics).pk
    attribute_define(category_id=tees, code="size", label="Size", type="choice", choices=["S", "M", "L"],
                     facetable=True, variant_option=True)
    attribute_define(category_id=tees, code="tee_colour", label="Colour", type="choice", choices=["Red", "Blue"],
                     facetable=True, variant_option=True)
    shop.tee = {}
    for colour in ("Red", "Blue"):
        for size in ("S", "M", "L"):
            item = item_create(seller_id=shop.world.seller.pk, sku=f"TEE-{size}-{colour}", parent_sku="TEE",
                               title=f"Cotton tshirt ({colour}, {size})", brand="Basics", category_id=tees,
                               price_paise=49_900, attributes={"size": size, "tee_colour": colour})
            stock_set(item_id=item.item_id, warehouse_id=shop.world.warehouses["BLR1"].pk,
                      on_hand=0 if size == "L" else 4, actor_id=None, source="system")
            shop.tee[size, colour] = item.item_id
    shop.add("Galaxy M14 phone", brand="Samsung", stock={"BLR1": 3}, attributes={"colour": "Black", "ram_gb": 8})
    relay_pending()
    stale_items_flush()
    yield shop
    memos_forget()


def test_search_shows_the_t_shirt_once_and_a_sold_out_size_says_so(page, shop):
    page.goto("/search/?q=tshirt")
    expect(page.get_by_test_id("result")).to_have_count(1)
    expect(page.get_by_test_id("more-options")).to_have_text("3 sizes · 2 colours")

    page.get_by_test_id("result-title").click()
    options = page.get_by_test_id("options")
    expect(options.get_by_role("link", name="S", exact=True)).to_have_attribute("aria-current", "true")
    expect(options.get_by_role("link", name="L (out of stock)")).to_be_visible()

    options.get_by_role("link", name="Blue").click()
    expect(page).to_have_url(re.compile(rf"/p/{shop.tee['S', 'Blue']}/"))
    expect(page.locator(".option-current").last).to_have_text("Blue")

    page.get_by_test_id("options").get_by_role("link", name="L (out of stock)").click()

    expect(page).to_have_url(re.compile(rf"/p/{shop.tee['L', 'Blue']}/"))
    expect(page.get_by_test_id("sold-out-note")).to_have_text("This size is out of stock. Choose another above.")
    expect(page.get_by_role("button", name="Add to cart")).to_have_count(0)
    expect(page.get_by_test_id("buy-now")).to_have_count(0)
    violations = axe_violations(page)
    assert not violations, axe_report(violations)


def test_buy_now_without_javascript_buys_one(browser, live_server, shop, browser_errors):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(f"/p/{shop.tee['M', 'Red']}/")
        page.get_by_test_id("buy-now").click()
        expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/checkout/"))
        page.get_by_label("Email").fill(shop.world.customer.email)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        expect(page).to_have_url(re.compile(r"/checkout/$"))
        from cart.interface import CartLine, cart_lines

        assert cart_lines(user_id=shop.world.customer.pk) == [CartLine(shop.tee["M", "Red"], 1)]
    finally:
        context.close()
