"""The cart page is kept (docs/decisions/0025): under the cart's version, forgotten by every write
of its lines, and search's, which follows the items' prices, status and stock. A hit reads no
table; every change shows on the next visit."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from tests.search.conftest import deliver

pytestmark = pytest.mark.django_db(databases="__all__")

CART = "/cart/"


@pytest.fixture(autouse=True)
def _settled_at_once(monkeypatch):
    import search.freshness

    monkeypatch.setattr(search.freshness, "SETTLE_SECONDS", 0.0)


def add(client, item_id, quantity=1):
    return client.post(reverse("cart:add"), {"item_id": item_id, "quantity": quantity, "next": CART})


def visit(client) -> str:
    deliver()  # the worker's relay and index flush, as in production
    return client.get(CART).content.decode()


def lines(page: str) -> list[str]:
    """The cart's lines as the page lists them: item id and quantity."""
    return re.findall(r'data-testid="cart-line" data-item-id="(\d+)".*?name="quantity" value="(\d+)"', page, re.S)


def test_a_kept_cart_page_reads_no_table(client, customer, make_item, django_assert_num_queries):
    kettle = make_item(title="Kettle", stock=5)
    client.force_login(customer)
    add(client, kettle, 2)
    first = visit(client)
    with django_assert_num_queries(0):
        again = client.get(CART).content.decode()
    assert lines(again) == lines(first) == [(str(kettle), "2")]


def test_the_cart_follows_its_own_writes(client, customer, make_item):
    kettle, mug = make_item(title="Kettle"), make_item(title="Mug")
    client.force_login(customer)
    add(client, kettle)
    assert lines(visit(client)) == [(str(kettle), "1")]

    add(client, mug, 3)
    assert lines(visit(client)) == [(str(kettle), "1"), (str(mug), "3")]

    client.post(reverse("cart:update", args=[mug]), {"quantity": 2, "next": CART})
    assert lines(visit(client)) == [(str(kettle), "1"), (str(mug), "2")]

    client.post(reverse("cart:remove", args=[mug]), {"next": CART})
    assert lines(visit(client)) == [(str(kettle), "1")]


def test_a_price_change_and_a_sell_out_show_on_the_next_visit(client, customer, make_item, set_price, set_stock):
    kettle = make_item(title="Kettle", price_paise=100000, stock=5)
    client.force_login(customer)
    add(client, kettle, 2)
    visit(client)

    set_price(kettle, 120000)
    page = visit(client)
    assert "₹1,200" in page and 'data-testid="price-change-notice"' in page

    set_stock(kettle, 0)
    page = visit(client)
    assert 'data-testid="checkout-link"' not in page


def test_one_customer_never_sees_anothers_kept_cart(client, customer, user_factory, make_item):
    kettle = make_item(title="Kettle")
    client.force_login(customer)
    add(client, kettle)
    assert lines(visit(client)) == [(str(kettle), "1")]

    client.force_login(user_factory(email="ravi@example.com"))
    assert lines(visit(client)) == []
    client.logout()
    assert lines(visit(client)) == []


def test_the_cart_api_is_kept_like_the_page(customer, make_item, set_price, set_stock, django_assert_num_queries):
    """`GET /api/v1/cart` under the same versions: a hit reads no table, and its own writes, a
    price change and a sell-out show on the next call."""
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(customer)
    kettle = make_item(title="Kettle", price_paise=100000, stock=5)

    def cart() -> dict:
        deliver()
        return api.get("/api/v1/cart").json()

    api.post("/api/v1/cart/items", {"product_id": kettle, "quantity": 2}, format="json")
    first = cart()
    with django_assert_num_queries(0):
        assert api.get("/api/v1/cart").json() == first
    assert first["lines"][0]["quantity"] == 2

    api.patch(f"/api/v1/cart/items/{kettle}", {"quantity": 3}, format="json")
    assert cart()["lines"][0]["quantity"] == 3

    set_price(kettle, 120000)
    assert cart()["subtotal_paise"] == 3 * 120000

    set_stock(kettle, 0)
    body = cart()
    assert body["lines"][0]["status"] == "out_of_stock" and body["ready_for_checkout"] is False
