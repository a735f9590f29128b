"""The API docs page, linked from the footer and the start-up banner, in a real browser under the
site's CSP (issue 13: it was blank because the CSP blocked Swagger UI's inline script and style)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_api_docs_render_swagger_ui_with_every_operation(page, browser_errors):
    page.goto("/")
    page.get_by_role("link", name="Seller API").click()

    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Bazaar API")
    expect(page.locator(".opblock-summary-path", has_text="/api/v1/auth/token")).to_be_visible()
    expect(page.locator(".opblock-summary-path", has_text="/api/v1/seller/items").first).to_be_visible()
    # The `page` fixture fails the test on any console error, CSP violations included.
