"""The cart pages, as a visitor clicks through them (plain form posts: no JavaScript)."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.test import RequestFactory
from django.urls import reverse

from cart.interface import CartLine, cart_count, cart_lines
from cart.visitor import SESSION_KEY

pytestmark = pytest.mark.django_db(databases="__all__")


def add(client, item_id, quantity=1, next_url="/search/?q=tumbler"):
    return client.post(reverse("cart:add"), {"item_id": item_id, "quantity": quantity, "next": next_url})


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_visitor_adds_to_cart_and_goes_back_to_where_they_were(client, make_item):
    kettle = make_item(price_paise=129900, title="Copper kettle")

    response = add(client, kettle, 2)

    assert response.status_code == 302 and response.url == "/search/?q=tumbler"
    assert messages_of(response) == ["Added 2 × “Copper kettle” to your cart."]
    page = client.get(reverse("cart:detail"))
    assert page.status_code == 200
    assert "Copper kettle" in page.text
    assert "₹2,598" in page.text  # 2 × ₹1,299
    assert 'href="/checkout/"' in page.text and "Proceed to checkout" in page.text


def test_next_pointing_elsewhere_is_ignored(client, make_item):
    response = add(client, make_item(), next_url="https://evil.example/steal")
    assert response.url == reverse("cart:detail")


def test_asking_for_more_than_available_says_how_many_there_are(client, make_item):
    kettle = make_item(stock=2, title="Copper kettle")
    response = add(client, kettle, 3)
    assert messages_of(response) == ["Only 2 units of “Copper kettle” available."]
    assert client.session.get(SESSION_KEY) is None  # nothing was added, so no cart either


def test_out_of_stock_and_bad_input(client, make_item):
    kettle = make_item(stock=0, title="Copper kettle")
    assert messages_of(add(client, kettle))[-1] == "“Copper kettle” is out of stock."
    assert messages_of(add(client, "abc"))[-1] == "We couldn't find that item."
    assert messages_of(add(client, 99999))[-1] == "We couldn't find that item."
    assert messages_of(add(client, kettle, 11))[-1] == "Choose a quantity from 1 to 10."


def test_update_quantity_and_remove_from_the_cart_page(client, make_item):
    kettle = make_item(stock=5, title="Copper kettle")
    add(client, kettle)

    response = client.post(reverse("cart:update", args=[kettle]), {"quantity": 3}, follow=True)
    assert "Quantity of “Copper kettle” is now 3." in response.text
    assert 'value="3"' in response.text

    response = client.post(reverse("cart:update", args=[kettle]), {"quantity": 6}, follow=True)
    assert "Only 5 units of “Copper kettle” available, and your cart already has 3." in response.text

    response = client.post(reverse("cart:remove", args=[kettle]), follow=True)
    assert "Removed “Copper kettle” from your cart." in response.text
    assert 'data-testid="cart-empty"' in response.text


def test_the_page_tells_when_a_price_changed(client, make_item, set_price):
    kettle = make_item(price_paise=100000)
    add(client, kettle)
    set_price(kettle, 120000)

    page = client.get(reverse("cart:detail"))

    assert 'data-testid="price-change-notice"' in page.text
    assert "Price went up: it was ₹1,000 when you added it." in page.text
    assert "₹1,200" in page.text


def test_a_short_line_blocks_checkout_until_fixed(client, make_item, set_stock):
    kettle = make_item(stock=5)
    add(client, kettle, 4)
    set_stock(kettle, 1)

    page = client.get(reverse("cart:detail"))

    assert "Only 1 available: lower the quantity to check out." in page.text
    assert 'data-testid="checkout-link"' not in page.text


def test_anonymous_cart_is_merged_into_the_customers_on_log_in(client, customer, make_item):
    kettle, mug = make_item(stock=3), make_item(stock=9)
    from cart.interface import CartOwner, cart_add

    cart_add(owner=CartOwner.customer(customer.pk), item_id=kettle, quantity=2)
    add(client, kettle, 2)  # the visitor, before logging in
    add(client, mug, 1)

    response = client.post(reverse("accounts:login"), {"username": "asha@example.com",
                                                       "password": "a-long-test-password"})

    assert response.status_code == 302
    assert cart_lines(user_id=customer.pk) == [CartLine(kettle, 3), CartLine(mug, 1)]  # 2 + 2 capped at 3
    assert SESSION_KEY not in client.session
    notes = messages_of(response)
    assert "We added 2 items from before you logged in to your cart." in notes
    assert any("no longer available in the quantity you chose" in n for n in notes)


def test_header_count_costs_no_query_for_a_visitor_without_a_cart(client, make_item,
                                                                    django_assert_num_queries):
    request = RequestFactory().get("/")
    from django.contrib.auth.models import AnonymousUser

    request.user, request.session = AnonymousUser(), {}
    with django_assert_num_queries(0):
        assert cart_count(request) == 0

    add(client, make_item(stock=5), 2)
    request.session = {SESSION_KEY: client.session[SESSION_KEY]}
    assert cart_count(request) == 2


def test_cart_page_has_no_inline_script_or_style(client, make_item):
    add(client, make_item())
    page = client.get(reverse("cart:detail")).text
    assert "style=" not in page
    assert "<script>" not in page and "<style" not in page
    assert "onclick" not in page


def test_customer_moves_a_line_to_the_wishlist(customer_client, customer, make_item):
    kettle = make_item(title="Copper kettle")
    add(customer_client, kettle)

    page = customer_client.get(reverse("cart:detail"))
    assert reverse("wishlist:move_from_cart", args=[kettle]) in page.text
    response = customer_client.post(reverse("wishlist:move_from_cart", args=[kettle]), follow=True)

    assert response.redirect_chain[-1][0] == reverse("cart:detail")
    assert "Moved to your wishlist." in response.text
    assert cart_lines(user_id=customer.pk) == []
    assert "Copper kettle" in customer_client.get(reverse("wishlist:list")).text


def test_get_on_a_post_endpoint_is_refused(client):
    assert client.get(reverse("cart:add")).status_code == 405
