"""The home page's shelf says honestly why it is empty (issue 13): nothing in stock yet, nothing
in stock reaches the visitor's PIN code (with a way to choose another), or search is down."""

from __future__ import annotations

import re

import pytest

from tests.search.conftest import build_search_shop, deliver
from tests.shop_world import BENGALURU_PIN, ISLANDS_PIN

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(world, search_index):
    shop = build_search_shop(world)
    shop.add("Galaxy M14 phone", brand="Samsung", stock={"DEL1": 4}, rating="4.3")
    shop.add("Galaxy A05 phone", brand="Samsung", stock={"BLR1": 2}, rating="3.8")
    shop.add("Redmi 13C phone", brand="Redmi", stock={"DEL1": 1}, rating="4.1")
    deliver()
    return shop


def at_pin(client, pin):
    session = client.session
    session["pin_code"] = pin
    session.save()
    return client


def text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_a_pin_nothing_reaches_says_so_and_offers_another_pin(shop, client):
    response = at_pin(client, ISLANDS_PIN).get("/")

    html = response.content.decode()
    assert response.status_code == 200
    assert "Nothing we sell delivers to 744101 yet." in text(html)
    assert "3 items are in stock, but no seller who has them delivers there yet." in text(html)
    assert "Nothing to show yet" not in html and "As sellers add items" not in html
    form = re.search(r'<form class="pin-change" method="post" action="/accounts/pin/".*?</form>', html, re.S).group(0)
    assert 'name="next" value="/"' in form and 'name="pin_code"' in form and "csrfmiddlewaretoken" in form
    assert '<label for="shelf-pin">Deliver to another PIN code</label>' in form


def test_choosing_a_pin_that_is_reached_fills_the_shelf(shop, client):
    at_pin(client, ISLANDS_PIN)
    response = client.post("/accounts/pin/", {"pin_code": BENGALURU_PIN, "next": "/"}, follow=True)
    html = response.content.decode()
    assert 'data-testid="shelf"' in html and "Galaxy M14 phone" in html
    assert "Nothing we sell delivers" not in html


def test_with_nothing_in_stock_anywhere_the_shelf_is_empty_for_now(world, search_index, client):
    html = at_pin(client, ISLANDS_PIN).get("/").content.decode()
    assert "Nothing to show yet." in html and "delivers to" not in html


def test_search_down_is_not_nothing_to_show(shop, client, monkeypatch):
    from recommendations import views
    from search.interface import SearchUnavailable

    def down(*args, **kwargs):
        raise SearchUnavailable("connection refused")

    monkeypatch.setattr(views, "search_run", down)
    response = client.get("/")
    assert response.status_code == 200
    assert "We couldn’t load this shelf just now." in response.content.decode()
    assert "Nothing to show yet" not in response.content.decode()


def test_a_pin_code_logistics_no_longer_knows_shows_the_shelf_for_all_of_india(shop, client):
    response = at_pin(client, "999999").get("/")  # chosen once, since dropped from the PIN list
    assert response.status_code == 200 and "Galaxy M14 phone" in response.content.decode()
