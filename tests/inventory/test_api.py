"""Seller stock API and the delivery-promise endpoint."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from inventory.models import Stock, StockAdjustment
from tests.shop_world import BENGALURU_PIN, ISLANDS_PIN

PROBLEM = "application/problem+json"


@pytest.fixture
def seller_api(world):
    client = APIClient()
    client.force_authenticate(world.seller)
    return client


def test_seller_sets_stock_by_sku_and_warehouse_code(seller_api, world):
    item = world.add_item("SKU-1")
    response = seller_api.put("/api/v1/seller/stock", {"sku": "SKU-1", "warehouse": "del1", "on_hand": 12},
                              format="json")
    assert response.status_code == 200, response.json()
    assert response.json() == {"sku": "SKU-1", "warehouse": "DEL1", "on_hand": 12, "reserved": 0, "available": 12}
    assert Stock.objects.get(item_id=item).on_hand == 12
    adjustment = StockAdjustment.objects.get()
    assert (adjustment.actor_id, adjustment.source) == (world.seller.pk, "seller_api")


def test_seller_cannot_touch_another_sellers_items_or_warehouses(world, user_factory):
    world.add_item("SKU-1")
    intruder = user_factory(email="intruder@example.com", is_seller=True)
    client = APIClient()
    client.force_authenticate(intruder)
    response = client.put("/api/v1/seller/stock", {"sku": "SKU-1", "warehouse": "DEL1", "on_hand": 1}, format="json")
    assert response.status_code == 400
    assert {e["field"] for e in response.json()["errors"]} == {"sku"}
    assert client.get("/api/v1/seller/warehouses").json() == []


def test_customers_cannot_use_the_seller_api(world):
    client = APIClient()
    client.force_authenticate(world.customer)
    assert client.get("/api/v1/seller/warehouses").status_code == 403


def test_seller_lists_their_warehouses(seller_api, world):
    codes = [w["code"] for w in seller_api.get("/api/v1/seller/warehouses").json()]
    assert sorted(codes) == ["BLR1", "DEL1"]


def test_negative_stock_is_a_400_problem(seller_api, world):
    world.add_item("SKU-1")
    response = seller_api.put("/api/v1/seller/stock", {"sku": "SKU-1", "warehouse": "DEL1", "on_hand": -1},
                              format="json")
    assert response.status_code == 400
    assert response["Content-Type"] == PROBLEM


def test_delivery_endpoint_promises_a_date_or_says_plainly_it_cannot(client, world):
    item = world.add_item("SKU-1", stock={"BLR1": 2})
    promise = client.get(f"/api/v1/products/{item}/delivery", {"pin": BENGALURU_PIN}).json()
    assert promise["deliverable"] is True and promise["delivery_date"]
    assert promise["message"].startswith("Delivery by ")

    nope = client.get(f"/api/v1/products/{item}/delivery", {"pin": ISLANDS_PIN}).json()
    assert nope["deliverable"] is False
    assert "can't be delivered to 744101" in nope["message"]


@pytest.mark.parametrize("pin", ["", "12ab", "000000"])
def test_delivery_endpoint_rejects_bad_pins_clearly(client, world, pin):
    item = world.add_item("SKU-1", stock={"BLR1": 2})
    response = client.get(f"/api/v1/products/{item}/delivery", {"pin": pin})
    assert response.status_code == 400
    assert response["Content-Type"] == PROBLEM
    assert response.json()["errors"][0]["field"] == "pin"


def test_delivery_endpoint_404s_unknown_products(client, world):
    assert client.get("/api/v1/products/999999/delivery", {"pin": BENGALURU_PIN}).status_code == 404


def test_absurd_product_ids_are_404_not_500(client, world):
    assert client.get(f"/api/v1/products/{2**70}/delivery", {"pin": BENGALURU_PIN}).status_code == 404
    assert client.get(f"/p/{2**70}/").status_code == 404
