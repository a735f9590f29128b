"""Lighthouse-style budgets in a real browser (issue 13): on the main pages, on a laptop and on a
phone, nothing moves once it is drawn (cumulative layout shift, measured by Chromium's own
`layout-shift` entries after the page loads and is scrolled to the end, so lazy pictures load) and
the page stays light (what a cold visit downloads, and its requests, from Resource Timing).

Budgets: layout shift under 0.1 (Lighthouse's "good"); at most 150 KB and 30 requests per page.
Today a page is about 45-50 KB in 6 requests (gzipped HTML 3-6 KB, the stylesheet, the script, SVG
pictures): a page that starts pulling in a framework or big unsized images fails here.
"""

from __future__ import annotations

import pytest

from catalog.interface import category_get
from tests.e2e import test_accessibility_browser as accessibility
from tests.e2e.test_accessibility_browser import PHONE, add_to_cart, product_url

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
shop = accessibility.shop  # the same small shop as the accessibility gate (a fixture)

MAX_LAYOUT_SHIFT = 0.1
MAX_BYTES = 150_000
MAX_REQUESTS = 30

MEASURE = """
async () => {
  let shift = 0;
  new PerformanceObserver(list => {
    for (const entry of list.getEntries()) if (!entry.hadRecentInput) shift += entry.value;
  }).observe({type: "layout-shift", buffered: true});
  window.scrollTo(0, document.body.scrollHeight);
  await new Promise(done => setTimeout(done, 400));
  window.scrollTo(0, 0);
  await new Promise(done => setTimeout(done, 200));
  const nav = performance.getEntriesByType("navigation")[0];
  const resources = performance.getEntriesByType("resource");
  return {
    shift,
    // Bodies as delivered (compressed), whether or not the browser had them cached: a cold visit's weight.
    bytes: nav.encodedBodySize + resources.reduce((sum, r) => sum + r.encodedBodySize, 0),
    requests: 1 + resources.length,
  };
}
"""


def _measure(page, path: str) -> dict:
    page.goto(path, wait_until="load")
    return page.evaluate(MEASURE)


def _check(figures: dict, where: str) -> None:
    assert figures["shift"] < MAX_LAYOUT_SHIFT, f"{where}: layout shift {figures['shift']:.3f}"
    assert 0 < figures["bytes"] <= MAX_BYTES, f"{where}: {figures['bytes']:,} bytes"
    assert figures["requests"] <= MAX_REQUESTS, f"{where}: {figures['requests']} requests"


def _pages(shop) -> dict[str, str]:
    mobiles = category_get(shop.mobiles)
    return {"home": "/", "search": "/search/?q=phone", "product": product_url(shop),
            "category": f"/c/{mobiles.path}/", "cart": "/cart/"}


def test_main_pages_on_a_laptop_stay_still_and_light(page, shop):
    add_to_cart(page, shop)  # a PIN code and a cart, as a shopper has
    for name, path in _pages(shop).items():
        _check(_measure(page, path), f"{name} on a laptop")


@pytest.fixture
def phone(browser, live_server):
    context = browser.new_context(base_url=live_server.url, **PHONE)
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


def test_main_pages_on_a_phone_stay_still_and_light(phone, shop):
    for name, path in _pages(shop).items():
        _check(_measure(phone, path), f"{name} on a phone")
