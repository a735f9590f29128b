"""Pages kept by what they show (shop.pagecache, docs/decisions/0025).

A kept page must never show stale stock or another visitor's parts: the header, messages and CSRF
token are each visitor's own; a write to the search index (an item sold out, a new price) gives
pages a new key once the engines have settled; until then pages are served but not kept.
"""

from __future__ import annotations

import pytest
from django.test import Client

import search.freshness
from cart.interface import CartOwner, cart_add
from inventory.services import stock_set
from search.interface import items_reindex
from search.selectors import memos_forget
from tests.shop_world import BENGALURU_PIN


@pytest.fixture
def settled(monkeypatch):
    """Engines here are in-process: a write is visible to the next read at once."""
    monkeypatch.setattr(search.freshness, "SETTLE_SECONDS", 0.0)


def _counting_searches(monkeypatch, module) -> list:
    """Each call of `module.search_run` from now on, counted."""
    calls: list = []
    real = module.search_run
    monkeypatch.setattr(module, "search_run", lambda *a, **k: calls.append(1) or real(*a, **k))
    return calls


@pytest.fixture
def searches(monkeypatch):
    """How many times the home page's shelf asked search."""
    import recommendations.views

    return _counting_searches(monkeypatch, recommendations.views)


@pytest.fixture
def shelf(world):
    tv = world.add_item("TV-55", title="Kept page television", stock={"BLR1": 3})
    mug = world.add_item("MUG", title="Kept page mug", stock={"BLR1": 5})
    items_reindex(item_ids=[tv, mug])
    memos_forget()
    return {"tv": tv, "mug": mug}


def _visitor(pin: str = BENGALURU_PIN, **client_options) -> Client:
    client = Client(**client_options)
    session = client.session
    session["pin_code"] = pin
    session.save()
    return client


def test_the_home_page_is_built_once_per_version_and_visitor(settled, shelf, searches, world, client,
                                                             django_assert_num_queries):
    client.force_login(world.customer)
    first = client.get("/")
    assert "Kept page television" in first.text and len(searches) == 1
    with django_assert_num_queries(0):
        again = client.get("/")
    assert len(searches) == 1, "the second visit came from the kept page"
    assert again.text.count("Kept page television") == first.text.count("Kept page television")
    assert world.customer.get_short_name() in again.text  # the header is theirs


def test_a_sold_out_item_leaves_the_kept_page_when_it_leaves_search(settled, shelf, world, client):
    client.force_login(world.customer)
    assert "Kept page television" in client.get("/").text
    stock_set(item_id=shelf["tv"], warehouse_id=world.warehouses["BLR1"].pk, on_hand=0, actor_id=None,
              source="system")
    items_reindex(item_ids=[shelf["tv"]])  # what the consumer's flush does
    assert "Kept page television" not in client.get("/").text


def test_a_page_built_while_the_index_settles_is_served_but_not_kept(shelf, searches, world, client):
    client.force_login(world.customer)
    items_reindex(item_ids=[shelf["tv"]])  # a change just now: other processes may not see it yet
    client.get("/")
    client.get("/")
    assert len(searches) == 2


def test_each_visitor_gets_their_own_header_and_csrf_token_on_a_shared_page(settled, shelf, world):
    """Two anonymous visitors with the same PIN share the kept page, not their carts or tokens."""
    with_cart = _visitor(enforce_csrf_checks=True)
    with_cart.post("/cart/add/", {"item_id": shelf["mug"], "quantity": 2},
                   headers={"X-CSRFToken": _token(with_cart)})
    without = _visitor(enforce_csrf_checks=True)
    page_a, page_b = with_cart.get("/").text, without.get("/").text
    assert 'aria-label="Cart, 2 items"' in page_a and 'aria-label="Cart, 0 items"' in page_b
    # The PIN form in the header posts with the visitor's own token, which the server accepts.
    for client, page in ((with_cart, page_a), (without, page_b)):
        token = page.split('name="csrfmiddlewaretoken" value="', 1)[1].split('"', 1)[0]
        answer = client.post("/accounts/pin/", {"pin_code": BENGALURU_PIN, "next": "/",
                                                "csrfmiddlewaretoken": token})
        assert answer.status_code in (302, 303), answer.status_code


def _token(client: Client) -> str:
    page = client.get("/cart/").text
    return page.split('name="csrfmiddlewaretoken" value="', 1)[1].split('"', 1)[0]


def test_messages_show_on_a_kept_page(settled, shelf, world, client):
    client.force_login(world.customer)
    client.get("/")  # kept now
    cart_add(owner=CartOwner(user_id=world.customer.pk), item_id=shelf["mug"], quantity=1)
    client.post("/accounts/pin/", {"pin_code": BENGALURU_PIN, "next": "/"})  # leaves a message
    page = client.get("/").text
    assert 'class="messages"' in page and f"Your PIN code is {BENGALURU_PIN}" in page
    assert 'aria-label="Cart, 1 item"' in page  # the count changed after the page was kept


@pytest.fixture
def search_runs(monkeypatch):
    import search.views

    return _counting_searches(monkeypatch, search.views)


def _searches_recorded() -> int:
    from events.models import OutboxEvent

    return OutboxEvent.objects.filter(type="search.performed.v1").count()


def test_a_search_page_is_kept_and_every_search_is_still_recorded(settled, shelf, search_runs, world, client):
    client.force_login(world.customer)
    first = client.get("/search/?q=kept+page&sort=price_asc")
    assert "Kept page television" in first.text and "Kept page mug" in first.text
    again = client.get("/search/?q=kept+page&sort=price_asc")
    assert len(search_runs) == 1
    assert again.text.count('data-testid="result"') == first.text.count('data-testid="result"') == 2
    assert _searches_recorded() == 2


def test_a_kept_search_page_is_served_without_parsing_and_bad_input_is_still_refused(settled, shelf, world,
                                                                                      client, monkeypatch):
    import search.views

    assert client.get("/search/?q=kept+page").status_code == 200
    parses: list = []
    real = search.views.search_request_parse
    monkeypatch.setattr(search.views, "search_request_parse", lambda *a: parses.append(1) or real(*a))
    assert "Kept page television" in client.get("/search/?q=kept+page").text
    assert parses == []  # kept: the query passed the checks when the page was built
    for _ in range(2):  # refused pages are never kept, so the checks run every time
        assert client.get("/search/?q=kept+page&page=first").status_code == 404
        assert client.get("/search/?q=" + "x" * 500).status_code == 400
    assert len(parses) == 4


def test_a_sold_out_item_leaves_a_kept_search_page(settled, shelf, world, client):
    client.force_login(world.customer)
    assert "Kept page television" in client.get("/search/?q=kept+page").text
    stock_set(item_id=shelf["tv"], warehouse_id=world.warehouses["BLR1"].pk, on_hand=0, actor_id=None,
              source="system")
    items_reindex(item_ids=[shelf["tv"]])
    page = client.get("/search/?q=kept+page").text
    assert "Kept page television" not in page and "Kept page mug" in page


def test_visitors_with_other_pin_codes_get_their_own_dates(settled, shelf, search_runs):
    from tests.shop_world import DELHI_PIN, ISLANDS_PIN

    bengaluru, islands = _visitor(BENGALURU_PIN), _visitor(ISLANDS_PIN)
    assert "Kept page television" in bengaluru.get("/search/?q=kept+page").text
    far = islands.get("/search/?q=kept+page").text
    assert "Kept page television" not in far  # nothing reaches the islands
    assert _visitor(DELHI_PIN).get("/search/?q=kept+page").status_code == 200
    assert len(search_runs) == 3


def test_the_search_api_keeps_its_answers_like_the_page(settled, shelf, world, monkeypatch):
    import search.api.views

    runs = _counting_searches(monkeypatch, search.api.views)
    api = Client()
    url = f"/api/v1/search?q=kept+page&pin={BENGALURU_PIN}"
    first, again = api.get(url).json(), api.get(url).json()
    assert first == again and len(runs) == 1
    assert {r["title"] for r in first["results"]} == {"Kept page television", "Kept page mug"}
    assert _searches_recorded() == 2

    stock_set(item_id=shelf["tv"], warehouse_id=world.warehouses["BLR1"].pk, on_hand=0, actor_id=None,
              source="system")
    items_reindex(item_ids=[shelf["tv"]])
    assert {r["title"] for r in api.get(url).json()["results"]} == {"Kept page mug"}


def test_an_api_error_is_never_kept(settled, shelf):
    api = Client()
    for _ in range(2):
        answer = api.get("/api/v1/search?q=kept&pin=12345")
        assert answer.status_code == 400 and answer["Content-Type"].startswith("application/problem+json")


# --- the product page -------------------------------------------------------------------------


@pytest.fixture
def product_builds(monkeypatch):
    """How many times the product page was built (not served kept)."""
    import catalog.views

    calls: list = []
    real = catalog.views._product_build
    monkeypatch.setattr(catalog.views, "_product_build", lambda *a, **k: calls.append(1) or real(*a, **k))
    return calls


def _product(client, item_id: int) -> str:
    response = client.get(f"/p/{item_id}/", follow=True)
    assert response.status_code == 200
    return response.text


def test_a_product_page_is_kept_and_follows_stock_reviews_and_the_wishlist(settled, shelf, world, client,
                                                                        product_builds):
    from reviews.models import Review
    from wishlist.services import wishlist_add

    client.force_login(world.customer)
    for _ in range(2):
        _product(client, shelf["tv"])  # the first also starts the menu's version
    built = len(product_builds)
    page = _product(client, shelf["tv"])
    assert len(product_builds) == built, "served kept"
    assert "Kept page television" in page and 'data-testid="wishlist-saved"' not in page

    wishlist_add(user_id=world.customer.pk, item_id=shelf["tv"])
    assert 'data-testid="wishlist-saved"' in _product(client, shelf["tv"])

    Review.objects.create(item_id=shelf["tv"], user_id=world.seller.pk + 1000, author_name="Meera", rating=5,
                          title="Sharp picture, kept fresh")
    page = _product(client, shelf["tv"])
    assert "Sharp picture, kept fresh" in page
    assert 'name="quantity"' in page.split("Customers also bought")[0]  # in stock: it can be added

    stock_set(item_id=shelf["tv"], warehouse_id=world.warehouses["BLR1"].pk, on_hand=0, actor_id=None,
              source="system")
    items_reindex(item_ids=[shelf["tv"]])
    assert 'name="quantity"' not in _product(client, shelf["tv"]).split("Customers also bought")[0]


def test_two_customers_never_share_a_kept_product_page(settled, shelf, world, user_factory):
    from wishlist.services import wishlist_add

    other = user_factory(email="other-viewer@example.com", full_name="Zoya")
    wishlist_add(user_id=world.customer.pk, item_id=shelf["mug"])
    first, second = Client(), Client()
    first.force_login(world.customer)
    second.force_login(other)
    for _ in range(2):
        mine, theirs = _product(first, shelf["mug"]), _product(second, shelf["mug"])
    assert 'data-testid="wishlist-saved"' in mine and 'data-testid="wishlist-saved"' not in theirs
    assert "Zoya" in theirs and "Zoya" not in mine
