"""GET /api/v1/recommendations and GET /api/v1/products/{id}/also-bought."""

from __future__ import annotations

import pytest

from tests.recommendations.results import add_item, also_bought_results, personal_results, popular_results
from tests.shop_world import BENGALURU_PIN

pytestmark = pytest.mark.django_db


@pytest.fixture
def items(world):
    return [add_item(world, f"API-{n}", brand=f"Brand{n}", title=f"Api item {n}") for n in range(6)]


def test_a_customer_gets_their_own_rows_with_dates(world, items, client):
    personal_results({world.customer.pk: items[:5]})
    client.force_login(world.customer)
    body = client.get("/api/v1/recommendations", {"pin": BENGALURU_PIN, "limit": 3}).json()
    assert body["source"] == "personal"
    assert [r["product_id"] for r in body["results"]] == items[:3]
    first = body["results"][0]
    assert first["delivery"]["date"] and first["url"] == f"/p/{items[0]}/" and first["price_paise"] == 49_900


def test_anyone_gets_popular_items_and_a_category_narrows_them(world, items, client):
    popular_results(items[:2], categories={world.category_id: [items[3]]})
    assert [r["product_id"] for r in client.get("/api/v1/recommendations").json()["results"]] == items[:2]
    body = client.get("/api/v1/recommendations", {"category": world.category_id}).json()
    assert body["source"] == "popular" and [r["product_id"] for r in body["results"]] == [items[3]]
    assert body["results"][0]["delivery"] is None


def test_bad_input_is_a_problem(client):
    response = client.get("/api/v1/recommendations", {"limit": 0, "pin": "12"})
    assert response.status_code == 400 and response["Content-Type"].startswith("application/problem+json")


def test_also_bought(world, items, client):
    also_bought_results({items[0]: [items[1], items[2]]})
    body = client.get(f"/api/v1/products/{items[0]}/also-bought").json()
    assert body["source"] == "also_bought" and [r["product_id"] for r in body["results"]] == items[1:3]
    assert client.get("/api/v1/products/999999/also-bought").status_code == 404
