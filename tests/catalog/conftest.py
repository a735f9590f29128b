"""Catalog fixtures: a small category tree with schemas, sellers and their API clients."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from catalog.services import attribute_define, category_create, item_create


@pytest.fixture(autouse=True)
def _catalog_settings(settings):
    """The embedded item-documents backend."""
    # The embedded documents backend whatever MONGODB_URL says; MongoDB tests switch explicitly.
    settings.BAZAAR_BACKENDS = {
        **settings.BAZAAR_BACKENDS,
        "item_documents": {
            "BACKEND": "catalog.backends.relational.RelationalItemDocuments",
            "EMBEDDED": True,
        },
    }


@pytest.fixture
def tree(db):
    """electronics (warranty_months) > televisions; fashion > shirts. Returns the categories by name."""
    electronics = category_create(name="Electronics", slug="electronics")
    attribute_define(
        category_id=electronics.pk, code="warranty_months", label="Warranty", type="number", unit="months"
    )
    tvs = category_create(name="Televisions", slug="televisions", parent_id=electronics.pk)
    attribute_define(
        category_id=tvs.pk,
        code="screen_size",
        label="Screen size",
        type="number",
        unit="inch",
        required=True,
        facetable=True,
    )
    attribute_define(
        category_id=tvs.pk,
        code="resolution",
        label="Resolution",
        type="choice",
        choices=["HD Ready", "Full HD", "4K Ultra HD"],
        required=True,
        facetable=True,
    )
    attribute_define(category_id=tvs.pk, code="smart_tv", label="Smart TV", type="boolean")
    fashion = category_create(name="Fashion", slug="fashion")
    shirts = category_create(name="Men's shirts", slug="mens-shirts", parent_id=fashion.pk)
    attribute_define(
        category_id=shirts.pk,
        code="size",
        label="Size",
        type="choice",
        choices=["S", "M", "L", "XL"],
        required=True,
        facetable=True,
    )
    attribute_define(
        category_id=shirts.pk,
        code="occasion",
        label="Occasion",
        type="multi_choice",
        choices=["Casual", "Office", "Festive"],
    )
    attribute_define(category_id=shirts.pk, code="care", label="Care", type="text")
    return {"electronics": electronics, "tvs": tvs, "fashion": fashion, "shirts": shirts}


TV_ATTRIBUTES = {"screen_size": 55, "resolution": "4K Ultra HD", "smart_tv": True}


@pytest.fixture
def make_tv(tree):
    counter = {"n": 0}

    def make(seller, **fields):
        counter["n"] += 1
        values = {
            "sku": f"TV-{counter['n']:03d}",
            "title": f"Bazaar 55 inch 4K TV #{counter['n']}",
            "brand": "Bazaar",
            "category_id": tree["tvs"].pk,
            "price_paise": 3_499_900,
            "attributes": dict(TV_ATTRIBUTES),
            **fields,
        }
        return item_create(seller_id=seller.pk, **values)

    return make


@pytest.fixture
def seller(user_factory):
    return user_factory(email="asha.seller@example.com", is_seller=True)


@pytest.fixture
def other_seller(user_factory):
    return user_factory(email="bala.seller@example.com", is_seller=True)


@pytest.fixture
def api_for():
    def make(user=None) -> APIClient:
        client = APIClient()
        if user is not None:
            client.force_authenticate(user)
        return client

    return make


@pytest.fixture
def media(settings, tmp_path):
    """Uploaded pictures go to this test's own folder."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def seller_api(world):
    client = APIClient()
    client.force_authenticate(world.seller)
    return client
