"""The wishlist: save and remove, long lists a page at a time, moves to and from the cart."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from cart.interface import CartLine, CartOwner, cart_add, cart_lines
from cart.services import OutOfStock
from catalog.interface import ItemNotFound
from tests.cart.fixtures import outbox
from wishlist.interface import wishlist_count, wishlist_item_ids
from wishlist.models import WishlistItem
from wishlist.selectors import InvalidCursor, wishlist_count_get, wishlist_page
from wishlist.services import (
    ItemNotForSale,
    wishlist_add,
    wishlist_move_from_cart,
    wishlist_move_to_cart,
    wishlist_remove,
)

pytestmark = pytest.mark.django_db(databases="__all__")


def test_save_and_remove_emit_events_once(customer, make_item):
    kettle = make_item(price_paise=129900)

    assert wishlist_add(user_id=customer.pk, item_id=kettle) is True
    assert wishlist_add(user_id=customer.pk, item_id=kettle) is False  # already there: no event
    assert wishlist_item_ids(user_id=customer.pk, item_ids=[kettle, 999]) == {kettle}
    assert wishlist_remove(user_id=customer.pk, item_id=kettle) is True
    assert wishlist_remove(user_id=customer.pk, item_id=kettle) is False

    events = outbox("wishlist.")
    assert [e.type for e in events] == ["wishlist.item_added.v1", "wishlist.item_removed.v1"]
    assert events[0].payload == {"user_id": customer.pk, "item_id": kettle, "price_paise": 129900}
    assert events[1].payload == {"user_id": customer.pk, "item_id": kettle, "reason": "removed"}


def test_only_items_for_sale_can_be_saved(customer, make_item, retire):
    draft, retired = make_item(status="draft"), make_item()
    retire(retired)
    with pytest.raises(ItemNotFound):
        wishlist_add(user_id=customer.pk, item_id=draft)
    with pytest.raises(ItemNotForSale):
        wishlist_add(user_id=customer.pk, item_id=retired)


@pytest.fixture
def long_wishlist(customer, make_item):
    """45 saved items, one minute apart, two of them at the very same instant."""
    ids = [make_item(price_paise=100 + n) for n in range(45)]
    start = timezone.now() - timedelta(days=1)
    for n, item_id in enumerate(ids):
        wishlist_add(user_id=customer.pk, item_id=item_id)
        minute = 43 if n == 44 else n  # the last two share an instant: the id breaks the tie
        WishlistItem.objects.filter(user_id=customer.pk, item_id=item_id).update(
            added_at=start + timedelta(minutes=minute))
    return ids


def test_pages_walk_the_whole_list_newest_first_and_back(customer, long_wishlist,
                                                        django_assert_max_num_queries):
    seen, cursor, pages = [], None, []
    while True:
        with django_assert_max_num_queries(4):
            page = wishlist_page(user_id=customer.pk, cursor=cursor, size=20)
        pages.append(page)
        seen += [entry.item_id for entry in page.entries]
        if not page.next_cursor:
            break
        cursor = page.next_cursor

    assert seen == list(reversed(long_wishlist))
    assert [len(p.entries) for p in pages] == [20, 20, 5]
    assert pages[0].previous_cursor is None and pages[1].previous_cursor

    back = wishlist_page(user_id=customer.pk, cursor=pages[2].previous_cursor, size=20)
    assert [e.item_id for e in back.entries] == [e.item_id for e in pages[1].entries]
    first = wishlist_page(user_id=customer.pk, cursor=back.previous_cursor, size=20)
    assert [e.item_id for e in first.entries] == [e.item_id for e in pages[0].entries]
    assert first.previous_cursor is None and first.next_cursor


def test_a_forged_cursor_is_refused(customer):
    with pytest.raises(InvalidCursor):
        wishlist_page(user_id=customer.pk, cursor="not-a-cursor")


def test_count_is_cached(customer, make_item, django_assert_num_queries):
    kettle = make_item()
    assert wishlist_count_get(user_id=customer.pk) == 0
    wishlist_add(user_id=customer.pk, item_id=kettle)
    assert wishlist_count_get(user_id=customer.pk) == 1
    with django_assert_num_queries(0):
        assert wishlist_count_get(user_id=customer.pk) == 1


def test_move_to_cart_and_back(customer, make_item):
    kettle = make_item(stock=5)
    wishlist_add(user_id=customer.pk, item_id=kettle)

    change = wishlist_move_to_cart(user_id=customer.pk, item_id=kettle, quantity=2)

    assert change.quantity == 2
    assert cart_lines(user_id=customer.pk) == [CartLine(kettle, 2)]
    assert wishlist_item_ids(user_id=customer.pk, item_ids=[kettle]) == set()
    assert outbox("wishlist.item_removed")[-1].payload["reason"] == "moved_to_cart"

    wishlist_move_from_cart(user_id=customer.pk, item_id=kettle)

    assert cart_lines(user_id=customer.pk) == []
    assert wishlist_item_ids(user_id=customer.pk, item_ids=[kettle]) == {kettle}
    assert outbox("cart.item_removed")[-1].payload["reason"] == "moved_to_wishlist"


def test_an_item_out_of_stock_stays_on_the_wishlist(customer, make_item, set_stock):
    kettle = make_item(stock=1)
    wishlist_add(user_id=customer.pk, item_id=kettle)
    set_stock(kettle, 0)

    with pytest.raises(OutOfStock):
        wishlist_move_to_cart(user_id=customer.pk, item_id=kettle)

    assert wishlist_item_ids(user_id=customer.pk, item_ids=[kettle]) == {kettle}
    assert cart_lines(user_id=customer.pk) == []


# --- Pages ------------------------------------------------------------------------------------


def test_the_wishlist_page_needs_a_log_in(client):
    response = client.get(reverse("wishlist:list"))
    assert response.status_code == 302 and reverse("accounts:login") in response.url


def test_a_visitor_saving_an_item_is_asked_to_log_in_and_comes_back(client, make_item):
    response = client.post(reverse("wishlist:add"), {"item_id": make_item(), "next": "/search/?q=kettle"})
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))
    assert "next=/search/%3Fq%3Dkettle" in response.url


def test_wishlist_page_is_paginated_with_older_and_newer_links(customer_client, long_wishlist):
    page = customer_client.get(reverse("wishlist:list"))
    assert page.status_code == 200
    assert page.text.count('data-testid="wishlist-entry"') == 20
    assert "45 items saved" in page.text
    assert 'rel="next"' in page.text and 'rel="prev"' not in page.text

    cursor = page.context["page"].next_cursor
    second = customer_client.get(reverse("wishlist:list"), {"cursor": cursor})
    assert second.text.count('data-testid="wishlist-entry"') == 20
    assert 'rel="prev"' in second.text

    assert customer_client.get(reverse("wishlist:list"), {"cursor": "garbage"}).status_code == 302


def test_add_move_to_cart_and_remove_from_the_pages(customer_client, customer, make_item):
    kettle, mug = make_item(title="Copper kettle", stock=3), make_item(title="Clay mug")
    response = customer_client.post(reverse("wishlist:add"), {"item_id": kettle, "next": "/search/"})
    assert response.url == "/search/"
    customer_client.post(reverse("wishlist:add"), {"item_id": mug})

    page = customer_client.get(reverse("wishlist:list")).text
    assert "Copper kettle" in page and "Clay mug" in page and "style=" not in page

    response = customer_client.post(reverse("wishlist:move_to_cart", args=[kettle]), follow=True)
    assert "Moved “Copper kettle” to your cart." in response.text
    assert cart_lines(user_id=customer.pk) == [CartLine(kettle, 1)]

    response = customer_client.post(reverse("wishlist:remove", args=[mug]), follow=True)
    assert "Removed from your wishlist." in response.text
    assert 'data-testid="wishlist-empty"' in response.text


def test_move_to_cart_failure_says_why_and_keeps_the_item(customer_client, customer, make_item, set_stock):
    kettle = make_item(title="Copper kettle", stock=2)
    wishlist_add(user_id=customer.pk, item_id=kettle)
    set_stock(kettle, 0)
    response = customer_client.post(reverse("wishlist:move_to_cart", args=[kettle]), follow=True)
    assert "“Copper kettle” is out of stock. It stays on your wishlist." in response.text


def test_header_count(rf, customer, make_item, django_assert_num_queries):
    from django.contrib.auth.models import AnonymousUser

    request = rf.get("/")
    request.user = AnonymousUser()
    with django_assert_num_queries(0):
        assert wishlist_count(request) == 0
    wishlist_add(user_id=customer.pk, item_id=make_item())
    request.user = customer
    assert wishlist_count(request) == 1


# --- API --------------------------------------------------------------------------------------


def test_api_add_list_delete(api, customer, make_item):
    kettle = make_item(price_paise=129900, title="Copper kettle")

    response = api.post("/api/v1/wishlist/items", {"product_id": kettle}, format="json")
    assert response.status_code == 201 and response.json() == {"product_id": kettle, "created": True}
    assert api.post("/api/v1/wishlist/items", {"product_id": kettle}, format="json").status_code == 200

    body = api.get("/api/v1/wishlist").json()
    assert body["count"] == 1 and body["next"] is None and body["previous"] is None
    (entry,) = body["results"]
    assert entry["product_id"] == kettle and entry["title"] == "Copper kettle"
    assert entry["price_paise"] == 129900 and entry["in_stock"] is True and entry["status"] == "ok"

    assert api.delete(f"/api/v1/wishlist/items/{kettle}").status_code == 204
    assert api.get("/api/v1/wishlist").json()["results"] == []


def test_api_pages_follow_next_links(api, long_wishlist):
    body = api.get("/api/v1/wishlist", {"page_size": 30}).json()
    assert len(body["results"]) == 30 and body["count"] == 45
    following = api.get(body["next"]).json()
    assert len(following["results"]) == 15 and following["next"] is None and following["previous"]
    seen = [e["product_id"] for e in body["results"] + following["results"]]
    assert sorted(seen) == sorted(long_wishlist) and len(set(seen)) == 45


def test_api_problems(api):
    response = api.post("/api/v1/wishlist/items", {"product_id": 4242}, format="json")
    assert response.status_code == 404 and response["Content-Type"] == "application/problem+json"
    assert api.post("/api/v1/wishlist/items", {}, format="json").status_code == 400
    assert api.get("/api/v1/wishlist", {"cursor": "nope"}).status_code == 400
    assert api.get("/api/v1/wishlist", {"page_size": 1000}).status_code == 400


def test_a_customer_sees_only_their_own_wishlist(api, user_factory, make_item):
    other = user_factory()
    wishlist_add(user_id=other.pk, item_id=make_item())
    assert api.get("/api/v1/wishlist").json()["count"] == 0


def test_cart_add_for_another_owner_does_not_touch_the_wishlist(customer, make_item):
    kettle = make_item()
    wishlist_add(user_id=customer.pk, item_id=kettle)
    cart_add(owner=CartOwner.customer(customer.pk), item_id=kettle)
    assert wishlist_item_ids(user_id=customer.pk, item_ids=[kettle]) == {kettle}


def test_an_unknown_item_is_the_catalogs_item_not_found_everywhere(customer, customer_client, api):
    """One ItemNotFound (catalog's): the wishlist's pages say it, its API answers a 404 problem."""
    with pytest.raises(ItemNotFound) as raised:
        wishlist_move_to_cart(user_id=customer.pk, item_id=987654)  # the cart's refusal
    assert raised.value.item_id == 987654

    response = customer_client.post(reverse("wishlist:add"), {"item_id": 987654}, follow=True)
    assert "We couldn&#x27;t find that item." in response.text
    response = customer_client.post(reverse("wishlist:move_to_cart", args=[987654]), follow=True)
    assert "We couldn&#x27;t find that item. It stays on your wishlist." in response.text
    response = customer_client.post(reverse("wishlist:move_from_cart", args=[987654]), follow=True)
    assert "We couldn&#x27;t find that item." in response.text

    response = api.post("/api/v1/wishlist/items", {"product_id": 987654}, format="json")
    assert response.status_code == 404
    assert response.json() == {"type": "https://bazaar.example/problems/product-not-found", "title": "Not Found",
                               "status": 404, "detail": "We couldn't find that item.", "product_id": 987654}
