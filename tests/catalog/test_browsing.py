"""Browsing (issue 13): the header's category menu, category landing pages, breadcrumbs, Buy now."""

from __future__ import annotations

import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.search.conftest import build_search_shop, deliver, use_tantivy

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-test-password"


@pytest.fixture
def shop(world, settings, tmp_path):
    from search.selectors import memos_forget

    use_tantivy(settings, tmp_path / "search-index")
    memos_forget()
    shop = build_search_shop(world)
    shop.add("Galaxy M14 phone", brand="Samsung", attributes={"colour": "Black", "ram_gb": 8})
    shop.add("Galaxy A05 phone", brand="Samsung", attributes={"colour": "Blue", "ram_gb": 4})
    shop.add("Redmi 13C phone", brand="Redmi", attributes={"colour": "Green", "ram_gb": 8})
    shop.add("Rockerz headphones", brand="boAt", category=shop.audio)
    shop.add("Desk fan gadget", brand="Acme", category=world.category_id)
    deliver()
    yield shop
    memos_forget()


def path_of(category_id: int) -> str:
    from catalog.interface import category_get

    return f"/c/{category_get(category_id).path}/"


def cards(html: str) -> list[str]:
    return sorted(re.findall(r'data-testid="result-title">([^<]+)<', html))


def crumbs(html: str) -> list[str]:
    nav = re.search(r'<nav class="breadcrumbs" aria-label="Breadcrumb".*?</nav>', html, re.S).group(0)
    return [re.sub(r"<[^>]+>", "", li).strip() for li in re.findall(r"<li>(.*?)</li>", nav, re.S)]


def test_a_landing_page_shows_the_category_its_sub_categories_brands_and_results(shop, client):
    response = client.get(path_of(shop.electronics))

    assert response.status_code == 200
    html = response.content.decode()
    assert re.search(r'<h1 class="category-title">Electronics</h1>', html)
    tiles = re.search(r'data-testid="subcategories">(.*?)</ul>', html, re.S).group(1)
    assert re.findall(r">([^<]+)</a>", tiles) == ["Audio", "Mobiles"]
    assert f'href="{path_of(shop.mobiles)}"' in tiles
    brands = re.search(r'data-testid="top-brands">(.*?)</ul>', html, re.S).group(1)
    assert re.findall(r'class="brand-tile" href="[^"]+" rel="nofollow">([^<]+) <', brands) == [
        "Samsung", "boAt", "Redmi"]  # by how many items each has here, then by name
    assert cards(html) == ["Galaxy A05 phone", "Galaxy M14 phone", "Redmi 13C phone", "Rockerz headphones"]
    assert crumbs(html) == ["Home", "Electronics"]
    assert '<span aria-current="page">Electronics</span>' in html
    assert "<title>Electronics · Bazaar</title>" in html


def test_a_sub_category_has_breadcrumbs_and_search_filters_that_stay_on_its_page(shop, client):
    page = path_of(shop.mobiles)
    html = client.get(page).content.decode()

    assert crumbs(html) == ["Home", "Electronics", "Mobiles"]
    assert f'<a href="{path_of(shop.electronics)}">Electronics</a>' in html
    assert cards(html) == ["Galaxy A05 phone", "Galaxy M14 phone", "Redmi 13C phone"]
    assert 'data-facet="colour"' in html  # the category's own filters, as on search
    link = re.search(r'href="([^"]+)"[^>]*data-testid="facet-brand" data-value="Redmi"', html).group(1)
    assert link == f"{page}?brand=Redmi"  # the category is the page's, not a parameter

    filtered = client.get(link).content.decode()

    assert cards(filtered) == ["Redmi 13C phone"]
    assert "Filters in use" in filtered and 'data-testid="active-filter">Redmi' in filtered
    sorted_page = client.get(page, {"sort": "price_asc", "category": shop.audio}).content.decode()
    assert len(cards(sorted_page)) == 3  # ?category= can't take the page elsewhere


def test_an_unknown_category_is_a_404(shop, client):
    assert client.get("/c/no-such-thing/").status_code == 404
    assert client.get(f"{path_of(shop.electronics)}no-such-child/").status_code == 404


def test_the_product_page_has_breadcrumbs_with_structured_data(shop, client):
    item_id = shop.items["Redmi 13C phone"]
    html = client.get(f"/p/{item_id}/", follow=True).content.decode()

    assert crumbs(html) == ["Home", "Electronics", "Mobiles", "Redmi 13C phone"]
    assert '<span aria-current="page">Redmi 13C phone</span>' in html
    assert f'<a href="{path_of(shop.mobiles)}">Mobiles</a>' in html
    data = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1))
    assert data["@type"] == "BreadcrumbList"
    assert [i["name"] for i in data["itemListElement"]] == ["Home", "Electronics", "Mobiles", "Redmi 13C phone"]
    assert data["itemListElement"][2]["item"] == f"http://testserver{path_of(shop.mobiles)}"


def test_the_header_menu_lists_the_tree_and_costs_no_query_once_cached(shop, client):
    client.get("/cart/")  # builds the cached menu

    with CaptureQueriesContext(connection) as queries:
        html = client.get("/cart/").content.decode()

    assert not [q["sql"] for q in queries.captured_queries if "catalog_category" in q["sql"]]
    menu = re.search(r'<details class="menu category-menu".*?</details>', html, re.S).group(0)
    assert '<span class="nav-text">Categories</span>' in menu
    assert re.findall(r'class="category-root" href="([^"]+)">([^<]+)<', menu) == [
        (path_of(shop.electronics), "Electronics"), ("/c/gadgets/", "Gadgets")]
    children = re.search(r'class="category-children">(.*?)</ul>', menu, re.S).group(1)
    assert re.findall(r">([^<]+)</a>", children) == ["Audio", "Mobiles"]


def test_the_menu_follows_a_category_change_once_its_event_is_consumed(shop, client):
    from catalog.services import category_create, category_update

    client.get("/cart/")
    category_create(name="Toys", slug="toys")
    category_update(category_id=shop.audio, name="Audio & video")
    assert "Toys" not in client.get("/cart/").content.decode()  # still the cached tree

    deliver()  # catalog.category_changed.v1 reaches the menu's consumer

    html = client.get("/cart/").content.decode()
    assert '<a class="category-root" href="/c/toys/">Toys</a>' in html and "Audio &amp; video" in html
    assert client.get("/c/toys/").status_code == 200


def buy_now(client, item_id: int, quantity: int):
    return client.post(reverse("cart:add"), {"item_id": item_id, "quantity": quantity, "next": "/checkout/"})


def test_the_product_page_offers_buy_now_beside_add_to_cart(shop, client):
    html = client.get(f"/p/{shop.items['Redmi 13C phone']}/", follow=True).content.decode()

    form = re.search(r'<form class="buy-now".*?</form>', html, re.S).group(0)
    assert 'action="/cart/add/"' in form and 'name="next" value="/checkout/"' in form
    assert 'data-quantity-from="add-quantity-' in form and ">Buy now</button>" in form
    assert html.index("Add to cart") < html.index("Buy now")


def test_buy_now_goes_to_checkout_with_the_item_in_the_cart(shop, client, world):
    client.force_login(world.customer)
    item_id = shop.items["Redmi 13C phone"]

    response = buy_now(client, item_id, 2)

    assert response.status_code == 302 and response["Location"] == "/checkout/"
    html = client.get("/checkout/").content.decode()
    assert "Redmi 13C phone" in html
    from cart.interface import CartLine, cart_lines

    assert cart_lines(user_id=world.customer.pk) == [CartLine(item_id, 2)]


def test_buy_now_logged_out_logs_in_then_reaches_checkout(shop, client, world):
    item_id = shop.items["Galaxy M14 phone"]

    response = buy_now(client, item_id, 1)
    assert response["Location"] == "/checkout/"
    to_login = client.get("/checkout/")
    assert to_login.status_code == 302 and to_login["Location"].startswith("/accounts/login/?next=/checkout/")

    logged_in = client.post(to_login["Location"], {"username": world.customer.email, "password": PASSWORD,
                                                  "next": "/checkout/"})

    assert logged_in.status_code == 302 and logged_in["Location"] == "/checkout/"
    assert "Galaxy M14 phone" in client.get("/checkout/").content.decode()
