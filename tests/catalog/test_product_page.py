"""The product page: details, stock state and the delivery promise for the visitor's PIN."""

from __future__ import annotations

import pytest
from django.utils.text import slugify

from catalog.services import item_retire
from tests.shop_world import BENGALURU_PIN, ISLANDS_PIN


def url(world, item_id) -> str:
    return f"/p/{item_id}/{slugify('Test item ' + next(s for s, i in world.items.items() if i == item_id))}/"


def set_pin(client, pin: str) -> None:
    session = client.session
    session["pin_code"] = pin
    session.save()


def test_page_shows_price_stock_and_the_delivery_date_for_the_pin(client, world):
    item = world.add_item("TV-55", price_paise=4_999_900, stock={"BLR1": 3})
    set_pin(client, BENGALURU_PIN)

    response = client.get(url(world, item))

    html = response.content.decode()
    assert response.status_code == 200
    assert "Test item TV-55" in html and "₹49,999" in html
    assert "Only 3 left" in html
    assert "Delivery by" in html and "to 560001" in html
    assert 'action="/cart/add/"' in html


def test_an_unreachable_pin_is_said_plainly(client, world):
    item = world.add_item("TV-55", stock={"BLR1": 30})
    set_pin(client, ISLANDS_PIN)
    html = client.get(url(world, item)).content.decode()
    assert "In stock" in html
    assert "Can&#x27;t be delivered to 744101" in html or "Can't be delivered to 744101" in html


def test_out_of_stock_items_say_so_and_offer_no_cart_button(client, world):
    item = world.add_item("GONE", stock={"BLR1": 0})
    html = client.get(url(world, item)).content.decode()
    assert "Out of stock" in html
    assert 'action="/cart/add/"' not in html


def test_no_pin_yet_asks_for_one(client, world):
    item = world.add_item("TV-55", stock={"BLR1": 3})
    assert "Set your PIN code" in client.get(url(world, item)).content.decode()


def test_short_and_wrong_slugs_redirect_to_the_canonical_address(client, world):
    item = world.add_item("TV-55", stock={"BLR1": 3})
    response = client.get(f"/p/{item}/")
    assert response.status_code == 301
    assert response["Location"] == url(world, item)


@pytest.mark.parametrize("path", ["/p/999999/", "/p/999999/x/"])
def test_unknown_products_are_404(client, world, path):
    assert client.get(path).status_code == 404


def test_retired_products_are_404(client, world):
    item = world.add_item("OLD", stock={"BLR1": 3})
    item_retire(item_id=item)
    assert client.get(url(world, item)).status_code == 404


def test_a_saved_item_says_so_and_offers_to_remove_it(client, world):
    item = world.add_item("TV-55", stock={"BLR1": 3})
    client.force_login(world.customer)
    assert "Add to wishlist" in client.get(url(world, item)).content.decode()

    client.post("/wishlist/add/", {"item_id": item, "next": url(world, item)})
    html = client.get(url(world, item)).content.decode()

    assert "Add to wishlist" not in html
    assert "On <a href=\"/wishlist/\">your wishlist</a>" in html and "Remove from wishlist" in html

    client.post(f"/wishlist/items/{item}/remove/", {"next": url(world, item)})
    assert "Add to wishlist" in client.get(url(world, item)).content.decode()
