"""The seller API as a seller's program sees it: own items only, problem JSON, cursor pages."""

from __future__ import annotations

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from catalog.interface import item_get
from events.models import OutboxEvent

from .conftest import TV_ATTRIBUTES

PROBLEM = "application/problem+json"
ITEMS = "/api/v1/seller/items"


def tv_body(tree, **fields):
    return {
        "sku": "TV-55-4K",
        "title": "Bazaar 55 inch 4K Smart TV",
        "brand": "Bazaar",
        "category_id": tree["tvs"].pk,
        "price_paise": 3_499_900,
        "attributes": dict(TV_ATTRIBUTES),
        **fields,
    }


def test_a_seller_creates_an_item_with_a_token(tree, seller):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=seller).key}")

    response = client.post(ITEMS, tv_body(tree, images=["https://img.example/tv.jpg"]), format="json")

    assert response.status_code == 201
    body = response.json()
    assert body["sku"] == "TV-55-4K" and body["status"] == "active" and body["version"] == 1
    assert (body["price_paise"], body["currency"], body["rating"]) == (3_499_900, "INR", "0.0")
    assert body["attributes"] == TV_ATTRIBUTES
    assert body["category_path"] == "electronics/televisions"
    assert item_get(body["id"]).seller_id == seller.pk


def test_schema_errors_are_problem_json_keyed_by_attribute(tree, seller, api_for):
    response = api_for(seller).post(
        ITEMS, tv_body(tree, attributes={"screen_size": "big", "colour": "Black"}), format="json"
    )

    assert response.status_code == 400
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    assert body["type"].endswith("/validation")
    assert {e["field"]: e["message"] for e in body["errors"]} == {
        "attributes.colour": 'Unknown attribute "colour" for Televisions. Known attributes: warranty_months, '
        "screen_size, resolution, smart_tv.",
        "attributes.screen_size": 'Expected a number (inch), got the text "big".',
        "attributes.resolution": "Resolution is required for Televisions.",
    }
    assert not OutboxEvent.objects.filter(type__startswith="catalog.item_").exists()


def test_a_bad_price_and_missing_attributes_are_reported_together(tree, seller, api_for):
    """Issue 13: the field errors used to stop the checks, hiding the attribute errors until the
    seller fixed the price and tried again."""
    response = api_for(seller).post(ITEMS, tv_body(tree, price_paise=-5, attributes={"screen_size": 55}),
                                    format="json")

    assert response.status_code == 400
    fields = {e["field"] for e in response.json()["errors"]}
    assert fields == {"price_paise", "attributes.resolution"}


def test_a_list_body_is_a_clear_400(tree, seller, api_for):
    response = api_for(seller).post(ITEMS, [tv_body(tree)], format="json")
    assert response.status_code == 400 and response["Content-Type"] == PROBLEM


def test_the_same_sku_twice_is_refused(tree, seller, api_for):
    client = api_for(seller)
    first = client.post(ITEMS, tv_body(tree), format="json").json()

    response = client.post(ITEMS, tv_body(tree), format="json")

    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"field": "sku", "message": f"You already have an item with this SKU (id {first['id']})."}
    ]


def test_only_sellers_may_use_the_seller_api(tree, user_factory, api_for):
    customer = user_factory(email="chitra@example.com")

    anonymous = api_for(None).get(ITEMS)
    assert (anonymous.status_code, anonymous["WWW-Authenticate"]) == (401, "Token")
    response = api_for(customer).post(ITEMS, tv_body(tree), format="json")
    assert response.status_code == 403
    assert response.json()["detail"] == "Only seller accounts can use the seller API."


def test_another_sellers_item_is_invisible(tree, seller, other_seller, api_for, make_tv):
    mine = make_tv(seller)
    events_before = OutboxEvent.objects.count()
    intruder = api_for(other_seller)
    url = f"{ITEMS}/{mine.item_id}"
    missing = f"{ITEMS}/999999"

    answers = {
        "get": (intruder.get(url), intruder.get(missing)),
        "patch": (
            intruder.patch(url, {"title": "Mine now"}, format="json"),
            intruder.patch(missing, {"title": "Mine now"}, format="json"),
        ),
        "delete": (intruder.delete(url), intruder.delete(missing)),
    }

    for theirs, nobodys in answers.values():  # exactly like an id that does not exist
        assert theirs.status_code == nobodys.status_code == 404
        assert theirs.json() == nobodys.json()
    assert intruder.get(ITEMS).json()["results"] == []
    assert item_get(mine.item_id) == mine
    assert OutboxEvent.objects.count() == events_before


def test_patch_merges_attributes_and_delete_retires(tree, seller, api_for, make_tv):
    item = make_tv(seller)
    client = api_for(seller)
    url = f"{ITEMS}/{item.item_id}"

    patched = client.patch(
        url,
        {"price_paise": 2_999_900, "attributes": {"smart_tv": None, "warranty_months": 24}},
        format="json",
    )
    retired = client.delete(url)

    assert patched.status_code == 200
    assert patched.json()["attributes"] == {
        "warranty_months": 24,
        "screen_size": 55,
        "resolution": "4K Ultra HD",
    }
    assert retired.status_code == 204
    assert client.get(url).json()["status"] == "retired"
    assert client.delete(url).status_code == 204  # twice is fine
    assert list(
        OutboxEvent.objects.filter(key=str(item.item_id)).order_by("id").values_list("type", flat=True)
    ) == ["catalog.item_created.v1", "catalog.item_updated.v1", "catalog.item_retired.v1"]


def test_patch_refuses_to_set_retired_or_a_bad_attribute(tree, seller, api_for, make_tv):
    item = make_tv(seller)

    response = api_for(seller).patch(f"{ITEMS}/{item.item_id}", {"status": "retired"}, format="json")
    assert response.status_code == 400
    response = api_for(seller).patch(
        f"{ITEMS}/{item.item_id}", {"attributes": {"resolution": "8K"}}, format="json"
    )
    assert response.json()["errors"] == [
        {"field": "attributes.resolution", "message": '"8K" is not one of: HD Ready, Full HD, 4K Ultra HD.'}
    ]


def test_the_list_pages_with_a_cursor_newest_first(tree, seller, other_seller, api_for, make_tv):
    ids = [make_tv(seller).item_id for _ in range(7)]
    make_tv(other_seller)
    client = api_for(seller)

    seen, url, pages = [], f"{ITEMS}?page_size=3", 0
    while url:
        page = client.get(url).json()
        seen += [item["id"] for item in page["results"]]
        url, pages = page["next"], pages + 1

    assert pages == 3
    assert seen == sorted(ids, reverse=True)


def test_the_list_filters_by_status(tree, seller, api_for, make_tv):
    draft = make_tv(seller, status="draft")
    make_tv(seller)
    client = api_for(seller)

    assert [i["id"] for i in client.get(f"{ITEMS}?status=draft").json()["results"]] == [draft.item_id]
    assert client.get(f"{ITEMS}?status=sold").status_code == 400


def test_the_category_tree_is_public_with_inherited_attributes(tree, client):
    response = client.get("/api/v1/categories")

    assert response.status_code == 200
    electronics, fashion = response.json()
    assert (electronics["path"], fashion["path"]) == ("electronics", "fashion")
    [tvs] = electronics["children"]
    assert [a["code"] for a in tvs["attributes"]] == [
        "warranty_months",
        "screen_size",
        "resolution",
        "smart_tv",
    ]
    assert tvs["attributes"][0] == {
        "code": "warranty_months",
        "label": "Warranty",
        "type": "number",
        "unit": "months",
        "choices": [],
        "required": False,
        "facetable": False,
        "category_id": tree["electronics"].pk,
        "variant_option": False,
    }
    assert tvs["children"] == []


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/seller/items",
        "/api/v1/seller/items/{item_id}",
        "/api/v1/seller/items/bulk",
        "/api/v1/categories",
    ],
)
def test_the_openapi_schema_documents_the_catalog_api(db, client, path):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    assert path in schema["paths"]


def test_documents_backend_down_is_a_503_to_retry(tree, seller, api_for, make_tv, settings):
    from infra.engines.base import free_port
    from shop.backends import reset_backends

    item = make_tv(seller)
    settings.BAZAAR_BACKENDS = {
        **settings.BAZAAR_BACKENDS,
        "item_documents": {
            "BACKEND": "catalog.backends.mongodb.MongoItemDocuments",
            "OPTIONS": {
                "url": f"mongodb://127.0.0.1:{free_port()}/x?directConnection=true",
                "timeout_ms": 200,
            },
        },
    }
    reset_backends()

    response = api_for(seller).get(f"{ITEMS}/{item.item_id}")

    assert response.status_code == 503
    assert response["Content-Type"] == PROBLEM and response["Retry-After"] == "5"
