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


def test_a_kept_page_follows_the_wishlist_without_reading_it(client, world, monkeypatch, settings,
                                                            django_assert_max_num_queries):
    """The kept page (decision 0025) names the customer's wishlist by a token: saving or removing
    the item changes it, so the next visit shows the change; between changes no query asks."""
    import search.freshness
    from events.buffer import pending
    from wishlist.services import wishlist_add, wishlist_remove

    monkeypatch.setattr(search.freshness, "SETTLE_SECONDS", 0.0)
    settings.EVENTS_ANALYTICS_FLUSH_SECONDS = 3600  # the product view waits for the writer, as in production
    try:
        item = world.add_item("TV-43", stock={"BLR1": 3})
        client.force_login(world.customer)
        for _ in range(3):
            assert "Add to wishlist" in client.get(url(world, item)).content.decode()
        wishlist_add(user_id=world.customer.pk, item_id=item)
        assert "Remove from wishlist" in client.get(url(world, item)).content.decode()
        with django_assert_max_num_queries(0):  # the item from the cache, its wishlist mark kept
            assert "Remove from wishlist" in client.get(url(world, item)).content.decode()
        wishlist_remove(user_id=world.customer.pk, item_id=item)
        assert "Add to wishlist" in client.get(url(world, item)).content.decode()
    finally:
        pending.stop()


def test_a_kept_page_shows_a_new_price_and_a_retired_item_leaves_at_once(client, world, monkeypatch):
    """The page is kept under the item's version, read from the item's cached head (decision 0025):
    every save forgets the head, so the next visit names the new version."""
    import search.freshness
    from catalog.services import item_update

    monkeypatch.setattr(search.freshness, "SETTLE_SECONDS", 0.0)
    item = world.add_item("KETTLE", stock={"BLR1": 3})
    for _ in range(3):
        assert "₹499" in client.get(url(world, item)).content.decode()
    item_update(item_id=item, price_paise=45_000)
    assert "₹450" in client.get(url(world, item)).content.decode()
    item_retire(item_id=item)
    assert client.get(url(world, item)).status_code == 404


def test_a_kept_page_reads_the_cache_only_in_the_pages_two_round_trips(client, world, monkeypatch, settings):
    """The item's head, its reviews' version and its seller's profile come with the session and
    the header's keys (shop.cache.prefetches): a kept page asks the cache server nothing else."""
    import search.freshness
    from events.buffer import pending
    from shop.cache import TimedCacheMixin

    monkeypatch.setattr(search.freshness, "SETTLE_SECONDS", 0.0)
    settings.EVENTS_ANALYTICS_FLUSH_SECONDS = 3600  # the product view waits for the writer, as in production
    calls: list[str] = []
    for name in ("get", "get_many", "set", "add", "delete"):
        real = getattr(TimedCacheMixin, name)

        def spy(backend, *args, _real=real, _name=name, **kwargs):
            calls.append(_name)
            return _real(backend, *args, **kwargs)
        monkeypatch.setattr(TimedCacheMixin, name, spy)
    try:
        item = world.add_item("TV-43", stock={"BLR1": 3})
        client.force_login(world.customer)
        set_pin(client, BENGALURU_PIN)
        for _ in range(3):
            assert client.get(url(world, item)).status_code == 200
        calls.clear()
        assert "Test item TV-43" in client.get(url(world, item)).content.decode()
        assert calls == ["get_many", "get_many"]
    finally:
        pending.stop()
