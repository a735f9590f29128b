"""The staff admin: categories with their schemas, items with validated attributes."""

from __future__ import annotations

import json

from catalog.interface import item_get
from catalog.models import AttributeDefinition, Category
from events.models import OutboxEvent

from .conftest import TV_ATTRIBUTES


def item_form(item, tree, **changes) -> dict:
    data = {
        "sku": item.sku,
        "title": item.title,
        "brand": item.brand,
        "description": "",
        "category": tree["tvs"].pk,
        "price_paise": item.price_paise,
        "currency": "INR",
        "images": json.dumps(list(item.images)),
        "status": item.status,
        "attributes": json.dumps(item.attributes),
    }
    data.update(changes)
    return data


def test_item_pages_list_filter_and_search(admin_client, tree, seller, make_tv):
    item = make_tv(seller, brand="Sony")

    listing = admin_client.get(
        "/admin/catalog/item/", {"q": item.sku, "status__exact": "active", "brand": "Sony"}
    )
    change = admin_client.get(f"/admin/catalog/item/{item.item_id}/change/")

    assert listing.status_code == 200 and item.title in listing.text
    assert change.status_code == 200
    assert "screen_size" in change.text and "Screen size" in change.text  # the schema, as help


def test_editing_attributes_in_the_admin_uses_the_one_validator(admin_client, tree, seller, make_tv):
    item = make_tv(seller)
    url = f"/admin/catalog/item/{item.item_id}/change/"

    bad = admin_client.post(
        url, item_form(item, tree, attributes=json.dumps({"screen_size": "huge", "hdr": 1}))
    )
    good = admin_client.post(
        url, item_form(item, tree, attributes=json.dumps({**TV_ATTRIBUTES, "smart_tv": False}))
    )

    assert bad.status_code == 200
    assert "screen_size: Expected a number (inch), got the text &quot;huge&quot;." in bad.text
    assert "hdr: Unknown attribute" in bad.text
    assert good.status_code == 302
    assert item_get(item.item_id).attributes["smart_tv"] is False
    assert OutboxEvent.objects.filter(type="catalog.item_updated.v1", key=str(item.item_id)).count() == 1


def test_adding_an_item_in_the_admin_goes_through_the_service(admin_client, tree, seller, make_tv):
    template = make_tv(seller)
    data = item_form(template, tree, sku="TV-ADMIN", seller_id=seller.pk)

    response = admin_client.post("/admin/catalog/item/add/", data)

    assert response.status_code == 302
    assert OutboxEvent.objects.filter(type="catalog.item_created.v1", payload__sku="TV-ADMIN").exists()


def test_retire_action(admin_client, tree, seller, make_tv):
    item = make_tv(seller)

    admin_client.post("/admin/catalog/item/", {"action": "retire_items", "_selected_action": [item.item_id]})

    assert item_get(item.item_id).status == "retired"


def test_a_category_with_its_schema_is_added_in_one_form(admin_client, tree):
    response = admin_client.post(
        "/admin/catalog/category/add/",
        {
            "name": "Headphones",
            "slug": "headphones",
            "parent": tree["electronics"].pk,
            "position": 0,
            "attribute_definitions-TOTAL_FORMS": 2,
            "attribute_definitions-INITIAL_FORMS": 0,
            "attribute_definitions-0-code": "form",
            "attribute_definitions-0-label": "Type",
            "attribute_definitions-0-type": "choice",
            "attribute_definitions-0-choices": "In-ear | Over-ear",
            "attribute_definitions-0-required": "on",
            "attribute_definitions-0-position": 0,
            "attribute_definitions-1-code": "battery_life",
            "attribute_definitions-1-label": "Battery life",
            "attribute_definitions-1-type": "number",
            "attribute_definitions-1-unit": "hours",
            "attribute_definitions-1-position": 1,
        },
    )

    assert response.status_code == 302, response.text
    category = Category.objects.get(slug="headphones")
    assert category.path == "electronics/headphones"
    assert list(AttributeDefinition.objects.filter(category=category).values_list("code", "choices")) == [
        ("form", ["In-ear", "Over-ear"]),
        ("battery_life", []),
    ]
    assert OutboxEvent.objects.filter(
        type="catalog.category_changed.v1", key=f"category-{category.pk}"
    ).exists()


def test_an_inherited_code_cannot_be_defined_again(admin_client, tree):
    response = admin_client.post(
        f"/admin/catalog/category/{tree['tvs'].pk}/change/",
        {
            "name": "Televisions",
            "slug": "televisions",
            "parent": tree["electronics"].pk,
            "position": 0,
            "attribute_definitions-TOTAL_FORMS": 1,
            "attribute_definitions-INITIAL_FORMS": 0,
            "attribute_definitions-0-code": "warranty_months",
            "attribute_definitions-0-label": "Warranty",
            "attribute_definitions-0-type": "number",
            "attribute_definitions-0-position": 9,
        },
    )

    assert response.status_code == 200
    assert "Already defined on a parent or subcategory: warranty_months." in response.text
