"""Bad input gets a clear 4xx, never a 500 (cases found by fuzzing the running shop)."""

from __future__ import annotations

import base64

import pytest
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart
from rest_framework.test import APIClient

PROBLEM = "application/problem+json"


@pytest.fixture
def api(world):
    client = APIClient()
    client.force_authenticate(world.customer)
    return client


@pytest.mark.parametrize("next_url", ["foo", "?a=1", "#frag", "😀"])
def test_odd_next_values_fall_back_to_a_safe_page(client, world, next_url):
    item = world.add_item("A", stock={"DEL1": 3})
    assert client.post("/cart/add/", {"item_id": item, "next": next_url}).status_code == 302
    assert client.post("/accounts/pin/", {"pin_code": "560001", "next": next_url}).status_code == 302


def test_item_ids_beyond_64_bits_are_not_found(client, api, world):
    huge = 2**63
    assert client.post("/cart/add/", {"item_id": huge}).status_code in {302, 400, 404}
    assert api.post("/api/v1/cart/items", {"product_id": huge, "quantity": 1}, format="json").status_code in {
        400, 404}
    assert api.patch(f"/api/v1/cart/items/{huge}", {"quantity": 1}, format="json").status_code in {400, 404}


def test_json_nested_too_deep_is_a_400(api, world):
    body = "[" * 3000 + "]" * 3000
    response = api.generic("POST", "/api/v1/cart/items", body, content_type="application/json")
    assert response.status_code == 400
    assert response["Content-Type"] == PROBLEM


def test_too_many_fields_is_a_400(world):
    """Django's DATA_UPLOAD_MAX_NUMBER_FIELDS on an endpoint that takes form bodies (the seller's bulk
    upload; JSON-only endpoints answer 415 before parsing anything)."""
    seller = APIClient()
    seller.force_authenticate(world.seller)
    body = encode_multipart(BOUNDARY, {f"a{n}": "1" for n in range(1100)})
    response = seller.generic("POST", "/api/v1/seller/items/bulk", body, content_type=MULTIPART_CONTENT)
    assert response.status_code == 400
    assert response["Content-Type"] == PROBLEM


@pytest.mark.parametrize("position", ["p=abc", "p=2026-13-45", "p=0001-01-01", "p=1e5"])
def test_made_up_cursors_are_a_404(api, world, position):
    cursor = base64.b64encode(position.encode()).decode()
    response = api.get("/api/v1/orders", {"cursor": cursor})
    assert response.status_code == 404
    assert response.json()["detail"] == "Invalid cursor."


def test_signed_junk_from_the_gateway_is_refused(client, db):
    from payments.backends.simulated import SIGNATURE_HEADER, sign

    for body in (b'{"event_id": "e", "ref": "r", "outcome": ["x"]}', b"[" * 5000):
        response = client.post("/payments/webhooks/simulated/", data=body, content_type="application/json",
                               **{f"HTTP_{SIGNATURE_HEADER.upper().replace('-', '_')}": sign(body)})
        assert response.status_code == 400
