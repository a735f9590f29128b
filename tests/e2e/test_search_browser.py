"""A customer searches in a real browser: suggestions while typing, a misspelled query that still
finds, a facet, sorting by price, and a delivery date on every result. And the edges a new
customer runs into (issue 13): a PIN code nothing reaches (home and search), results found only
by typo tolerance, a page past the last, a query too long to search."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from events.services import relay_pending
from search.services import stale_items_flush
from tests.search.conftest import build_search_shop, use_tantivy
from tests.shop_world import build_world

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
DELIVERY = re.compile(r"^Delivery by (Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{1,2} "
                      r"(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)$")


@pytest.fixture
def shop(transactional_db, user_factory, settings, tmp_path):
    from search.selectors import memos_forget

    use_tantivy(settings, tmp_path / "search-index")
    memos_forget()
    shop = build_search_shop(build_world(user_factory))
    shop.add("Galaxy M14 5G phone", brand="Samsung", price_paise=1_299_900, stock={"DEL1": 3},
             attributes={"colour": "Black", "ram_gb": 8}, rating="4.3")
    shop.add("Galaxy A05 phone", brand="Samsung", price_paise=899_900, stock={"BLR1": 5},
             attributes={"colour": "Blue", "ram_gb": 4}, rating="3.9")
    shop.add("Galaxy S24 phone", brand="Samsung", price_paise=6_999_900, stock={"BLR1": 1},
             attributes={"colour": "Black", "ram_gb": 8}, rating="4.6")
    shop.add("Galaxy F15 phone", brand="Samsung", price_paise=1_099_900, stock={"DEL1": 2, "BLR1": 2},
             attributes={"colour": "Green", "ram_gb": 8})
    shop.add("Redmi 13C phone", brand="Redmi", price_paise=799_900, stock={"DEL1": 4},
             attributes={"colour": "Black", "ram_gb": 8})
    shop.add("Sold out Galaxy phone", brand="Samsung", stock={})
    relay_pending()
    stale_items_flush()
    yield shop
    memos_forget()


def prices(page) -> list[int]:
    return [int(p) for p in page.get_by_test_id("price").evaluate_all("els => els.map(e => e.dataset.paise)")]


def test_misspelled_query_facet_sort_by_price_and_delivery_dates(page, live_server, shop):
    page.goto("/search/")  # search.js (suggestions) is loaded by the search page
    page.locator("summary.pin-toggle").click()
    page.get_by_label("Your PIN code").fill("560001")
    page.get_by_role("button", name="Apply").click()
    expect(page.get_by_test_id("current-pin")).to_have_text("560001")

    # Suggestions appear while typing: the brand first, then products.
    box = page.get_by_label("Search Bazaar", exact=True)
    box.press_sequentially("sams", delay=30)
    suggestions = page.get_by_role("option")
    expect(suggestions.first).to_contain_text("Samsung")
    expect(box).to_have_attribute("aria-expanded", "true")

    # A misspelled query still finds the Samsung phones that can reach 560001, each with a date,
    # and says how the results spell it.
    box.fill("samsnug phnoe")
    box.press("Enter")
    expect(page).to_have_url(re.compile(r"/search/\?q=samsnug\+phnoe$"))
    results = page.get_by_test_id("result")
    expect(results).to_have_count(4)  # not the sold-out one
    expect(page.get_by_test_id("no-exact-match")).to_contain_text("No exact matches for “samsnug phnoe”")
    expect(page.get_by_test_id("did-you-mean")).to_have_text("Did you mean samsung phone?")
    expect(page.get_by_test_id("result-count")).to_contain_text("delivering to 560001")
    for text in page.get_by_test_id("delivery").all_inner_texts():
        assert DELIVERY.match(text), text

    # A facet: RAM 8 GB (its group may start folded: open it the way a customer would).
    ram = page.locator('details[data-facet="ram_gb"]')
    if ram.get_attribute("open") is None:
        ram.locator("summary").click()
    ram.locator('[data-value="8"]').click()
    expect(results).to_have_count(3)
    expect(page.get_by_test_id("active-filter")).to_have_text([re.compile(r"^RAM: 8 GB")])

    # Sort by price, low to high: the menu applies itself.
    page.get_by_label("Sort by").select_option("price_asc")
    expect(page).to_have_url(re.compile(r"sort=price_asc"))
    expect(results).to_have_count(3)
    assert prices(page) == sorted(prices(page)) == [1_099_900, 1_299_900, 6_999_900]
    expect(page.get_by_test_id("delivery")).to_have_count(3)
    for text in page.get_by_test_id("delivery").all_inner_texts():
        assert DELIVERY.match(text), text
    expect(page.get_by_label("Sort by")).to_have_value("price_asc")


def test_a_query_with_nothing_close_shows_the_helpful_empty_state(page, live_server, shop):
    page.goto("/search/?q=smasnug+glxy")
    expect(page.get_by_test_id("search-empty")).to_be_visible()
    page.get_by_test_id("did-you-mean").get_by_role("link").click()
    expect(page.get_by_test_id("result")).to_have_count(4)


PHONE = {"width": 390, "height": 844}


def choose_pin(page, pin: str) -> None:
    """The header's PIN chooser, as a customer uses it."""
    page.locator("summary.pin-toggle").click()
    page.get_by_label("Your PIN code").fill(pin)
    page.get_by_role("button", name="Apply").first.click()
    expect(page.get_by_test_id("current-pin")).to_have_text(pin)


def forget_http_errors(browser_errors: list[str], status: int) -> None:
    """The console reports a page answered with an error status; nothing else may be there."""
    expected = f"the server responded with a status of {status}"
    browser_errors[:] = [e for e in browser_errors if expected not in e]


def test_on_a_phone_the_home_page_says_nothing_reaches_the_pin_and_offers_another(page, shop):
    page.set_viewport_size(PHONE)
    page.goto("/")
    expect(page.get_by_test_id("shelf").get_by_test_id("result")).to_have_count(5)
    choose_pin(page, "744101")

    shelf = page.get_by_test_id("shelf-undeliverable")
    expect(shelf).to_contain_text("Nothing we sell delivers to 744101 yet.")
    expect(page.get_by_text("Nothing to show yet")).to_have_count(0)
    shelf.get_by_label("Deliver to another PIN code").fill("560001")
    shelf.get_by_role("button", name="Apply").click()

    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_test_id("current-pin")).to_have_text("560001")
    expect(page.get_by_test_id("shelf").get_by_test_id("result")).to_have_count(5)
    expect(page.get_by_test_id("shelf").get_by_test_id("delivery").first).to_be_visible()


def test_a_search_nothing_reaches_says_so_once_and_a_typo_that_finds_says_so_too(page, shop):
    page.goto("/search/")
    choose_pin(page, "744101")
    page.goto("/search/?q=samsnug+phnoe")

    empty = page.get_by_test_id("search-empty")
    expect(empty.get_by_role("heading")).to_have_text("Nothing matching “samsnug phnoe” delivers to 744101 yet")
    expect(empty).to_contain_text("4 items match, but no seller who has them delivers to 744101 yet.")
    expect(empty).not_to_contain_text("Nothing matches")
    expect(page.get_by_test_id("did-you-mean")).to_have_count(0)

    empty.get_by_label("Deliver to another PIN code").fill("560001")
    empty.get_by_role("button", name="Apply").click()
    expect(page).to_have_url(re.compile(r"/search/\?q=samsnug\+phnoe$"))
    expect(page.get_by_test_id("result")).to_have_count(4)
    expect(page.get_by_test_id("no-exact-match")).to_contain_text(
        "No exact matches for “samsnug phnoe”. Showing related items.")

    page.get_by_test_id("did-you-mean").get_by_role("link", name="samsung phone").click()
    expect(page).to_have_url(re.compile(r"/search/\?q=samsung\+phone$"))
    expect(page.get_by_test_id("result")).to_have_count(4)
    expect(page.get_by_test_id("no-exact-match")).to_have_count(0)


def test_a_word_no_item_has_shows_related_items_as_related(page, shop):
    page.goto("/search/?q=iphone")
    expect(page.get_by_test_id("result")).to_have_count(5)  # phones: "phone" is one letter away
    expect(page.get_by_test_id("no-exact-match")).to_contain_text(
        "No exact matches for “iphone”. Showing related items.")


def test_a_page_past_the_last_is_a_page_not_found_with_a_way_back(page, shop, browser_errors):
    response = page.goto("/search/?q=phone&page=19")

    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("There’s no page 19 of these results")
    expect(page.get_by_test_id("no-such-page-detail")).to_have_text("“phone” has 1 page.")
    expect(page.get_by_text(re.compile(r"\d+–\d+ of"))).to_have_count(0)
    page.get_by_role("link", name="Go to the first page").click()
    expect(page).to_have_url(re.compile(r"/search/\?q=phone$"))
    expect(page.get_by_test_id("result-count")).to_contain_text("1–5 of 5 results")
    forget_http_errors(browser_errors, 404)


def test_a_query_too_long_is_shown_as_an_error_to_fix_not_searched(page, shop, browser_errors):
    page.goto("/search/")
    box = page.get_by_label("Search Bazaar", exact=True)
    box.fill("galaxy phone " * 25)  # 325 characters, pasted
    box.press("Enter")

    expect(page.get_by_role("heading", level=1)).to_have_text("Your search is too long")
    again = page.get_by_label("Your search", exact=True)
    expect(again).to_have_attribute("aria-invalid", "true")
    expect(again).to_have_accessible_description(re.compile(
        r"Your search is 324 characters long\. Searches can be up to 200 characters: please shorten it\.$"))
    expect(page.get_by_test_id("result")).to_have_count(0)
    expect(page.get_by_text("All products")).to_have_count(0)

    again.fill("galaxy phone")
    again.press("Enter")
    expect(page).to_have_url(re.compile(r"/search/\?q=galaxy\+phone$"))
    expect(page.get_by_test_id("result")).to_have_count(4)
    forget_http_errors(browser_errors, 400)
