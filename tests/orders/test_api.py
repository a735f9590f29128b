"""The order API other clients are written against: shapes, status codes, problem JSON."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from orders.models import Order
from tests.shop_world import DELHI_PIN, ISLANDS_PIN

PROBLEM = "application/problem+json"
ADDRESS = {"pin_code": DELHI_PIN, "name": "Asha Buyer", "line1": "1 Janpath", "city": "New Delhi",
           "state": "Delhi", "phone": "+91 99999 00000"}


@pytest.fixture
def api(world):
    client = APIClient()
    client.force_authenticate(world.customer)
    return client


def test_order_from_the_cart_answers_201_with_the_payment_url(api, world):
    item = world.add_item("A", price_paise=20_000, stock={"DEL1": 3})
    assert api.post("/api/v1/cart/items", {"product_id": item, "quantity": 2}, format="json").status_code == 201

    response = api.post("/api/v1/orders", ADDRESS, format="json", HTTP_IDEMPOTENCY_KEY="k1")

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "pending_payment"
    assert body["expires_at"] and body["id"]
    assert body["payment_url"].startswith("http://testserver/payments/simulated/")
    assert body["total_paise"] == 2 * 20_000 + 4_000  # below ₹499: shipping added
    assert [(line["product_id"], line["quantity"]) for line in body["lines"]] == [(item, 2)]


def test_retry_with_the_same_key_returns_the_same_order(api, world):
    item = world.add_item("A", stock={"DEL1": 3})
    payload = {**ADDRESS, "lines": [{"product_id": item, "quantity": 1}]}
    first = api.post("/api/v1/orders", payload, format="json", HTTP_IDEMPOTENCY_KEY="same").json()
    second = api.post("/api/v1/orders", payload, format="json", HTTP_IDEMPOTENCY_KEY="same").json()
    assert first["id"] == second["id"]
    assert Order.objects.count() == 1


def test_short_stock_is_a_409_problem_naming_the_item(api, world):
    item = world.add_item("A", stock={"DEL1": 1})
    response = api.post("/api/v1/orders", {**ADDRESS, "lines": [{"product_id": item, "quantity": 2}]},
                        format="json", HTTP_IDEMPOTENCY_KEY="k")
    assert response.status_code == 409
    assert response["Content-Type"] == PROBLEM
    assert response.json()["type"].endswith("/insufficient-stock")
    assert response.json()["items"] == [{"product_id": item, "available": 1}]


def test_undeliverable_pin_is_a_422_problem(api, world):
    item = world.add_item("A", stock={"DEL1": 1})
    response = api.post("/api/v1/orders", {**ADDRESS, "pin_code": ISLANDS_PIN,
                                           "lines": [{"product_id": item, "quantity": 1}]},
                        format="json", HTTP_IDEMPOTENCY_KEY="k")
    assert response.status_code == 422
    assert response.json()["type"].endswith("/not-deliverable")


@pytest.mark.parametrize(("change", "field"), [
    ({"pin_code": "12ab"}, "pin_code"), ({"pin_code": "999999"}, "pin_code"), ({"name": ""}, "name"),
    ({"lines": [{"product_id": 1, "quantity": 0}]}, "lines"),
])
def test_bad_input_is_a_400_problem_with_field_errors(api, world, change, field):
    response = api.post("/api/v1/orders", {**ADDRESS, **change}, format="json", HTTP_IDEMPOTENCY_KEY="k")
    assert response.status_code == 400
    assert response["Content-Type"] == PROBLEM
    assert any(e["field"].startswith(field) for e in response.json()["errors"])
    assert Order.objects.count() == 0


def test_the_idempotency_key_is_required(api, world):
    response = api.post("/api/v1/orders", ADDRESS, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "Idempotency-Key"


def test_an_empty_cart_is_a_422(api, world):
    response = api.post("/api/v1/orders", ADDRESS, format="json", HTTP_IDEMPOTENCY_KEY="k")
    assert response.status_code == 422
    assert response.json()["type"].endswith("/empty-order")


def test_customers_see_only_their_own_orders(api, world, user_factory):
    item = world.add_item("A", stock={"DEL1": 5})
    mine = api.post("/api/v1/orders", {**ADDRESS, "lines": [{"product_id": item, "quantity": 1}]},
                    format="json", HTTP_IDEMPOTENCY_KEY="k").json()
    other = APIClient()
    other.force_authenticate(user_factory(email="other@example.com"))

    assert [o["id"] for o in api.get("/api/v1/orders").json()["results"]] == [mine["id"]]
    assert api.get(f"/api/v1/orders/{mine['id']}").json()["timeline"][0]["status"] == "pending_payment"
    assert other.get("/api/v1/orders").json()["results"] == []
    assert other.get(f"/api/v1/orders/{mine['id']}").status_code == 404
    assert other.get("/api/v1/orders/not-a-uuid").status_code == 404


def test_anonymous_clients_are_refused(world):
    assert APIClient().get("/api/v1/orders").status_code in {401, 403}


def test_absurd_product_ids_are_a_400(api, world):
    response = api.post("/api/v1/orders", {**ADDRESS, "lines": [{"product_id": 2**70, "quantity": 1}]},
                        format="json", HTTP_IDEMPOTENCY_KEY="k")
    assert response.status_code == 400


def test_a_webhook_with_a_non_ascii_signature_is_refused_cleanly(client, db):
    response = client.post("/payments/webhooks/simulated/", data="{}", content_type="application/json",
                           HTTP_X_SIMULATED_SIGNATURE="é" * 64)
    assert response.status_code == 400
