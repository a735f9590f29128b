"""The header is drawn once per distinct look in each process (shop/header.py): never another
visitor's, never stale, and keyed by everything its template reads."""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings
from django.template.loader import render_to_string
from django.test import Client, RequestFactory

from cart.interface import CartOwner, cart_add
from shop.header import HEADER_INPUTS, drawn, header_html

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def test_the_key_covers_everything_the_template_reads():
    source = (Path(settings.BASE_DIR) / "templates" / "partials" / "header.html").read_text()
    read = set(re.findall(r"{{\s*([\w.]+)", source))
    read |= set(re.findall(r"{%\s*(?:el)?if\s+(?:not\s+)?([\w.]+)", source))
    tags = set(re.findall(r"{%\s*(\w+)", source)) - {"if", "elif", "else", "endif", "url", "load", "for", "endfor",
                                                    "with", "endwith", "comment", "endcomment"}
    assert read | tags <= HEADER_INPUTS, (read | tags) - HEADER_INPUTS


def test_a_kept_drawing_is_the_same_as_a_fresh_one_with_the_visitors_token(world, client):
    client.force_login(world.customer)
    client.get("/cart/")
    drawn.clear()
    first, again = client.get("/cart/").text, client.get("/cart/").text
    assert len(TOKEN.findall(first)) >= 1
    request = RequestFactory().get("/cart/")
    request.user, request.session = world.customer, client.session
    fresh = render_to_string("partials/header.html", request=request)
    normalise = lambda html: TOKEN.sub("TOKEN", html)  # noqa: E731
    header = normalise(header_html(request))
    assert header == normalise(fresh)
    assert header in normalise(first) and header in normalise(again)


def test_two_visitors_never_see_each_others_header(world, user_factory):
    other = user_factory(email="other@example.com", full_name="Zoya", pin_code="400001")
    first, second = Client(), Client()
    first.force_login(world.customer)
    second.force_login(other)
    mine = world.add_item("HDR-1", stock={"BLR1": 5})
    cart_add(owner=CartOwner(user_id=world.customer.pk), item_id=mine, quantity=3)
    page_one, page_two = first.get("/cart/").text, second.get("/cart/").text
    assert 'aria-label="Cart, 3 items"' in page_one and 'aria-label="Cart, 0 items"' in page_two
    assert "Zoya" in page_two and "Zoya" not in page_one
    assert TOKEN.findall(page_one) != TOKEN.findall(page_two)


def test_a_changed_count_shows_on_the_next_page(world, client):
    client.force_login(world.customer)
    item = world.add_item("HDR-2", stock={"BLR1": 5})
    assert 'aria-label="Cart, 0 items"' in client.get("/orders/").text
    cart_add(owner=CartOwner(user_id=world.customer.pk), item_id=item, quantity=1)
    assert 'aria-label="Cart, 1 item"' in client.get("/orders/").text
