"""The customer's cart API: the shapes other clients are written against, and problem JSON."""

from __future__ import annotations

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db(databases="__all__")
PROBLEM = "application/problem+json"


def test_post_cart_items_with_product_id_and_quantity_answers_201_with_the_cart(api, make_item):
    kettle = make_item(price_paise=129900, stock=5, title="Copper kettle")

    response = api.post("/api/v1/cart/items", {"product_id": kettle, "quantity": 2}, format="json")

    assert response.status_code == 201
    body = response.json()
    assert body["subtotal_paise"] == 259800 and body["item_count"] == 2 and body["currency"] == "INR"
    assert body["ready_for_checkout"] is True and body["has_price_changes"] is False
    (line,) = body["lines"]
    assert line["product_id"] == kettle and line["quantity"] == 2 and line["title"] == "Copper kettle"
    assert line["unit_price_paise"] == 129900 and line["line_total_paise"] == 259800
    assert line["price_changed"] is False and line["status"] == "ok" and line["available"] == 5
    assert line["image"].startswith("https://") and line["sku"].startswith("SKU-")


def test_get_patch_delete(api, make_item, set_price):
    kettle, mug = make_item(price_paise=10000, stock=5), make_item(price_paise=500, stock=5)
    api.post("/api/v1/cart/items", {"product_id": kettle}, format="json")  # quantity defaults to 1
    api.post("/api/v1/cart/items", {"product_id": mug, "quantity": 1}, format="json")
    set_price(kettle, 9000)

    body = api.get("/api/v1/cart").json()
    assert [(line["product_id"], line["quantity"]) for line in body["lines"]] == [(kettle, 1), (mug, 1)]
    assert body["has_price_changes"] is True
    assert body["lines"][0]["price_paise_at_add"] == 10000 and body["lines"][0]["unit_price_paise"] == 9000

    response = api.patch(f"/api/v1/cart/items/{kettle}", {"quantity": 3}, format="json")
    assert response.status_code == 200
    assert response.json()["subtotal_paise"] == 3 * 9000 + 500

    assert api.delete(f"/api/v1/cart/items/{mug}").status_code == 204
    assert api.delete(f"/api/v1/cart/items/{mug}").status_code == 204  # idempotent
    assert [line["product_id"] for line in api.get("/api/v1/cart").json()["lines"]] == [kettle]

    response = api.patch(f"/api/v1/cart/items/{kettle}", {"quantity": 0}, format="json")
    assert response.status_code == 200 and response.json()["lines"] == []


def test_patch_answers_with_the_cart_it_changed_in_a_budget_of_queries(
        api, make_item, set_price, django_assert_max_num_queries):
    """The change reads the cart once, under its lock, and answers with it: the same body as a read
    right after, up or down, with a price changed since it was added; and in a handful of queries:
    the transaction's two, the lock, the lines, the items' heads when the cache has lost them (the
    price change did), availability, the line and the event."""
    kettle, mug = make_item(price_paise=10000, stock=5), make_item(price_paise=500, stock=1)
    api.post("/api/v1/cart/items", {"product_id": kettle}, format="json")
    api.post("/api/v1/cart/items", {"product_id": mug}, format="json")
    set_price(kettle, 9000)

    for quantity in (3, 2, 2):  # up, down, unchanged
        with django_assert_max_num_queries(8):
            response = api.patch(f"/api/v1/cart/items/{kettle}", {"quantity": quantity}, format="json")
        assert response.status_code == 200
        assert response.json() == api.get("/api/v1/cart").json()
        assert response.json()["lines"][0]["quantity"] == quantity

    refused = api.patch(f"/api/v1/cart/items/{mug}", {"quantity": 2}, format="json")
    assert refused.status_code == 409 and refused.json()["available"] == 1
    assert api.get("/api/v1/cart").json()["lines"][1]["quantity"] == 1


def test_bad_input_is_a_400_problem_naming_the_fields(api):
    response = api.post("/api/v1/cart/items", {"product_id": "x", "quantity": 0}, format="json")
    assert response.status_code == 400
    assert response["Content-Type"] == PROBLEM
    assert {e["field"] for e in response.json()["errors"]} == {"product_id", "quantity"}

    response = api.post("/api/v1/cart/items", {"quantity": 1}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "product_id"


def test_unknown_product_is_a_404_problem(api):
    response = api.post("/api/v1/cart/items", {"product_id": 424242, "quantity": 1}, format="json")
    assert response.status_code == 404
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    assert body["type"].endswith("/product-not-found") and body["product_id"] == 424242


def test_patching_a_product_not_in_the_cart_is_a_404_problem(api, make_item):
    response = api.patch(f"/api/v1/cart/items/{make_item()}", {"quantity": 2}, format="json")
    assert response.status_code == 404
    assert response.json()["type"].endswith("/not-in-cart")


def test_more_than_available_is_a_409_problem_with_the_numbers(api, make_item):
    kettle = make_item(stock=3)
    api.post("/api/v1/cart/items", {"product_id": kettle, "quantity": 2}, format="json")

    response = api.post("/api/v1/cart/items", {"product_id": kettle, "quantity": 2}, format="json")

    assert response.status_code == 409
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    assert body["type"].endswith("/insufficient-stock")
    assert (body["available"], body["in_cart"], body["product_id"]) == (3, 2, kettle)
    assert "Only 3 units" in body["detail"]


def test_out_of_stock_and_retired_are_409_problems(api, make_item, retire):
    empty = make_item(stock=0)
    response = api.post("/api/v1/cart/items", {"product_id": empty, "quantity": 1}, format="json")
    assert response.status_code == 409 and response.json()["type"].endswith("/out-of-stock")

    retired = make_item()
    retire(retired)
    response = api.post("/api/v1/cart/items", {"product_id": retired, "quantity": 1}, format="json")
    assert response.status_code == 409 and response.json()["type"].endswith("/product-not-for-sale")


def test_the_cart_api_needs_a_customer():
    response = APIClient().get("/api/v1/cart")
    assert response.status_code in (401, 403)
    assert response["Content-Type"] == PROBLEM


def test_token_authentication_works(customer, make_item):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=customer).key}")
    response = client.post("/api/v1/cart/items", {"product_id": make_item(), "quantity": 1}, format="json")
    assert response.status_code == 201


def test_session_authentication_needs_the_csrf_token(customer, make_item):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(customer)
    response = client.post("/api/v1/cart/items", {"product_id": make_item(), "quantity": 1}, format="json")
    assert response.status_code == 403


def test_openapi_schema_documents_the_cart_and_wishlist(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    paths = schema["paths"]
    for path in ("/api/v1/cart", "/api/v1/cart/items", "/api/v1/cart/items/{product_id}",
                 "/api/v1/wishlist", "/api/v1/wishlist/items", "/api/v1/wishlist/items/{product_id}"):
        assert path in paths, path
    post = paths["/api/v1/cart/items"]["post"]
    request_schema = post["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    assert set(schema["components"]["schemas"][request_schema]["properties"]) == {"product_id", "quantity"}
    assert {"201", "400", "404", "409"} <= set(post["responses"])
    assert set(paths["/api/v1/cart/items/{product_id}"]) >= {"patch", "delete"}
