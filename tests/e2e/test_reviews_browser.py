"""A customer whose kettle was delivered rates and reviews it in a real browser, from the order
page, with a picture; then search shows the kettle's new rating (issue 13's acceptance)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from events.services import relay_pending
from orders.services import order_mark_delivered, order_mark_packed, order_mark_paid, order_mark_shipped
from search.services import stale_items_flush
from tests.orders.helpers import place
from tests.reviews.conftest import PNG
from tests.shop_world import build_world

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PASSWORD = "a-long-test-password"


@pytest.fixture
def shop(transactional_db, user_factory, settings, tmp_path):
    from search.selectors import memos_forget

    # Events relay as their transaction commits (tasks run in-process in tests), so the review's
    # event reaches the catalog, the catalog's item update reaches search, and the flush writes
    # the index before the browser's next page (as in test_checkout_browser.py).
    settings.EVENTS_RELAY_ON_COMMIT = True
    settings.EVENTS_RELAY_KICK_SECONDS = 0
    settings.MEDIA_ROOT = tmp_path / "media"
    memos_forget()
    world = build_world(user_factory)
    world.customer.full_name = "Chitra Customer"
    world.customer.save(update_fields=["full_name"])
    kettle = world.add_item("KETTLE", title="Steel Electric Kettle", price_paise=129_900, stock={"DEL1": 5})
    order = place(world.customer.pk, kettle)
    order_mark_paid(order_id=str(order.pk))
    for step in (order_mark_packed, order_mark_shipped, order_mark_delivered):
        step(order_id=order.pk)
    relay_pending()
    stale_items_flush()
    world.order = order
    yield world
    memos_forget()


def test_a_customer_rates_and_reviews_a_delivered_item_and_search_shows_the_rating(page, shop):
    page.goto("/search/?q=kettle")
    card = page.get_by_test_id("result").filter(has_text="Steel Electric Kettle")
    expect(card).to_have_count(1)
    expect(card.locator(".result-rating")).to_have_count(0)  # nobody has rated it yet

    page.goto(f"/orders/{shop.order.pk}/")  # log in first, then the order
    page.get_by_label("Email").fill(shop.customer.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.locator(".order-status")).to_have_attribute("data-status", "delivered")
    page.get_by_role("link", name=re.compile("Rate this item")).click()

    expect(page.get_by_role("heading", name="Write a review")).to_be_visible()
    page.get_by_role("button", name="Submit your review").click()  # forgot everything
    expect(page.get_by_text("Choose how many stars you give it.")).to_be_visible()
    expect(page.get_by_text("Please write a headline.")).to_be_visible()

    page.get_by_label("4 stars: good").check()
    page.get_by_label("Headline").fill("Boils a litre in two minutes")
    page.get_by_label("Your review").fill("Quiet, and the handle stays cool.")
    page.get_by_label("Add pictures").set_input_files(
        files=[{"name": "kettle.png", "mimeType": "image/png", "buffer": PNG}])
    page.get_by_role("button", name="Submit your review").click()

    expect(page.get_by_text("Thank you: your review is saved.")).to_be_visible()
    review = page.get_by_test_id("review").first
    expect(review).to_contain_text("Boils a litre in two minutes")
    expect(review).to_contain_text("Chitra · Verified purchase")
    expect(review.get_by_role("img", name="Picture 1 from Chitra")).to_be_visible()
    expect(page.get_by_test_id("reviews-average")).to_contain_text("4.0 out of 5")

    # The product page shows the section, with "Edit your review" for its author.
    page.goto(f"/p/{shop.items['KETTLE']}/")
    section = page.locator("#reviews")
    expect(section.get_by_test_id("reviews-count")).to_have_text("1 review")
    expect(section.get_by_role("row", name=re.compile("4 stars"))).to_contain_text("100%")
    expect(section.get_by_role("link", name="Edit your review").first).to_be_visible()
    expect(page.locator(".product-rating")).to_contain_text("4.0")

    # Search has the new rating (events: review → catalog's rating → search's index).
    page.goto("/search/?q=kettle")
    expect(card.locator(".result-rating")).to_contain_text("4.0")
    expect(card.locator(".result-rating")).to_contain_text("(1 ratings)")
    page.goto("/search/?q=kettle&rating=4")
    expect(page.get_by_test_id("result").filter(has_text="Steel Electric Kettle")).to_have_count(1)
