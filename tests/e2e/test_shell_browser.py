"""A visitor in a real browser: choose a PIN code in the header, sign up, log out."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_visitor_sets_a_pin_signs_up_and_logs_out(page, live_server):
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("from sellers across India")
    pin_toggle = page.locator("summary.pin-toggle")
    expect(pin_toggle).to_contain_text("Set PIN code")

    # The PIN chooser: a <details> menu in the header with a labelled field.
    pin_toggle.click()
    pin_field = page.get_by_label("Your PIN code")
    expect(pin_field).to_be_focused()  # bazaar.js focuses it when the menu opens
    pin_field.fill("110001")
    page.get_by_role("button", name="Apply").click()

    expect(page.get_by_test_id("current-pin")).to_have_text("110001")
    expect(page.get_by_role("status")).to_contain_text("Your PIN code is 110001")

    # Sign up: the header then greets the new customer by name.
    page.get_by_role("link", name="Sign up").click()
    page.get_by_label("Email").fill("asha@example.com")
    page.get_by_label("Your name").fill("Asha Rao")
    page.get_by_label("Password", exact=True).fill("saffron-mango-42")
    page.get_by_label("Password again").fill("saffron-mango-42")
    page.get_by_role("button", name="Create account").click()

    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.get_by_test_id("account-name")).to_have_text("Asha")
    expect(page.get_by_test_id("current-pin")).to_have_text("110001")

    # Log out: a POST form inside the account menu.
    page.locator(".account-menu summary").click()
    page.get_by_role("button", name="Log out").click()

    expect(page.get_by_role("status")).to_contain_text("You are logged out")
    expect(page.get_by_role("link", name="Sign up")).to_be_visible()
    expect(page.get_by_test_id("account-name")).to_have_count(0)


def test_the_header_works_without_javascript(browser, live_server):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False,
                                  viewport={"width": 390, "height": 844})
    try:
        page = context.new_page()
        page.goto("/")
        page.locator("summary.pin-toggle").click()  # <details> opens by itself
        page.get_by_label("Your PIN code").fill("560001")
        page.get_by_role("button", name="Apply").click()
        expect(page.get_by_test_id("current-pin")).to_have_text("560001")

        page.get_by_label("Search Bazaar", exact=True).fill("kurta")
        page.get_by_label("Search Bazaar", exact=True).press("Enter")
        expect(page).to_have_url(f"{live_server.url}/search/?q=kurta")
    finally:
        context.close()
