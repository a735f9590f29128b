"""A customer saves an item from its product page and the page then says it is saved (issue 13: it
kept offering "Add to wishlist")."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.shop_world import build_world

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_product_page_says_saved_and_can_undo_it(page, user_factory):
    world = build_world(user_factory)
    kettle = world.add_item("KETTLE", title="Steel Electric Kettle", stock={"BLR1": 2})
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(world.customer.email)
    page.get_by_label("Password").fill("a-long-test-password")
    page.get_by_role("button", name="Log in").click()

    page.goto(f"/p/{kettle}/")
    page.get_by_role("button", name="Add to wishlist").click()

    expect(page.get_by_test_id("wishlist-saved")).to_have_text("♥ On your wishlist")
    expect(page.get_by_role("button", name="Add to wishlist")).to_have_count(0)
    page.get_by_role("button", name="Remove from wishlist").click()
    expect(page.get_by_role("button", name="Add to wishlist")).to_be_visible()
