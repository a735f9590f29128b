"""Pages (issue 9 item 6): the home page's rows and the product page's "Customers also bought",
each card with its delivery date; kept pages show new job results at once, and an item that
sells out leaves every row."""

from __future__ import annotations

import re

import pytest
from django.test import Client

import search.freshness
from inventory.services import stock_set
from search.interface import items_reindex
from search.selectors import memos_forget
from tests.recommendations.results import add_item, also_bought_results, personal_results, popular_results
from tests.shop_world import BENGALURU_PIN

pytestmark = pytest.mark.django_db


@pytest.fixture
def settled(monkeypatch):
    monkeypatch.setattr(search.freshness, "SETTLE_SECONDS", 0.0)


@pytest.fixture
def items(world, search_index):
    made = [add_item(world, f"REC-{n}", brand=f"Brand{n}", title=f"Rec item {n}") for n in range(8)]
    items_reindex(item_ids=made)
    memos_forget()
    return made


def row(html: str, testid: str) -> list[int]:
    found = re.search(rf'data-testid="{testid}".*?</section>', html, re.S)
    return [int(i) for i in re.findall(r'data-item-id="(\d+)"', found.group(0))] if found else []


def at_pin(client: Client, pin: str = BENGALURU_PIN) -> Client:
    session = client.session
    session["pin_code"] = pin
    session.save()
    return client


def test_a_returning_customer_sees_their_row_and_everyone_sees_popular_and_trending(settled, world, items, client):
    personal_results({world.customer.pk: items[:5]})
    popular_results(items[::-1], states={"KARNATAKA": [items[6], items[7]]})
    client.force_login(world.customer)
    html = client.get("/").content.decode()
    assert "Recommended for you" in html and row(html, "for-you") == items[:5]
    assert "Popular near you" in html and row(html, "popular-near") == [items[6], items[7]]
    assert "What people in Karnataka are buying." in html
    assert row(html, "trending") == items[::-1]
    assert "Delivery by" in re.search(r'data-testid="for-you".*?</section>', html, re.S).group(0)

    stranger = at_pin(Client()).get("/").content.decode()
    assert "Recommended for you" not in stranger
    assert row(stranger, "trending") == items[::-1] and row(stranger, "popular-near") == [items[6], items[7]]


def test_two_customers_see_different_rows(settled, world, items, user_factory):
    other = user_factory(email="other@example.com", pin_code=BENGALURU_PIN)
    personal_results({world.customer.pk: items[:4], other.pk: items[4:]})
    pages = []
    for user in (world.customer, other):
        client = Client()
        client.force_login(user)
        pages.append(row(client.get("/").content.decode(), "for-you"))
    assert pages == [items[:4], items[4:]]


def test_a_new_run_shows_on_the_kept_page_at_once(settled, world, items, client):
    popular_results(items[:2])
    assert row(client.get("/").content.decode(), "trending") == items[:2]
    popular_results(items[2:4])
    assert row(client.get("/").content.decode(), "trending") == items[2:4]


def test_an_item_that_sells_out_leaves_every_row(settled, world, items, client):
    personal_results({world.customer.pk: items[:5]})
    popular_results(items[:5], states={"KARNATAKA": items[:5]})
    client.force_login(world.customer)
    client.get(f"/p/{items[0]}/", follow=True)
    html = client.get("/").content.decode()
    assert all(items[0] in row(html, r) for r in ("for-you", "popular-near", "trending", "recently-viewed"))
    stock_set(item_id=items[0], warehouse_id=world.warehouses["BLR1"].pk, on_hand=0, actor_id=None, source="system")
    items_reindex(item_ids=[items[0]])  # what the stock consumer's flush does: search's version changes
    html = client.get("/").content.decode()
    assert f'data-item-id="{items[0]}"' not in html
    assert row(html, "for-you") == items[1:5]


def test_recently_viewed_is_the_visitors_own_newest_first(settled, world, items, client):
    for item in (items[0], items[1], items[0]):
        client.get(f"/p/{item}/", follow=True)
    assert row(client.get("/").content.decode(), "recently-viewed") == [items[0], items[1]]
    assert row(Client().get("/").content.decode(), "recently-viewed") == []


def test_the_product_page_shows_customers_also_bought_with_dates(world, items, client):
    also_bought_results({items[0]: [items[1], items[2]]})
    html = at_pin(client).get(f"/p/{items[0]}/", follow=True).content.decode()
    assert "Customers also bought" in html and row(html, "also-bought") == [items[1], items[2]]
    assert "Delivery by" in re.search(r'data-testid="also-bought".*?</section>', html, re.S).group(0)
    assert "Customers also bought" not in client.get(f"/p/{items[3]}/", follow=True).content.decode()


def test_the_home_page_stays_kept_for_a_visitor_with_recommendations(settled, world, items, client,
                                                                     django_assert_num_queries):
    personal_results({world.customer.pk: items[:5]})
    popular_results(items)
    client.force_login(world.customer)
    client.get("/")
    with django_assert_num_queries(0):
        client.get("/")
