"""Item changes: what is stored, the event each change emits, and what other apps read."""

from __future__ import annotations

from decimal import Decimal

import pytest

from catalog import interface
from catalog.documents import documents_backend
from catalog.models import Category
from catalog.services import (
    ItemNotFound,
    category_update,
    item_rating_set,
    item_retire,
    item_update,
)
from catalog.validation import ItemInvalid
from events.models import OutboxEvent

from .conftest import TV_ATTRIBUTES


def events(type_=None):
    rows = OutboxEvent.objects.order_by("id")
    if type_:
        rows = rows.filter(type=type_)
    return list(rows)


def item_events():
    return [e for e in events() if e.type.startswith("catalog.item_")]


def test_create_stores_the_item_and_its_document_and_emits_the_full_snapshot(make_tv, seller, tree):
    snapshot = make_tv(seller, images=["https://img.example/tv.jpg"])

    [event] = item_events()
    assert (event.type, event.key) == ("catalog.item_created.v1", str(snapshot.item_id))
    assert event.payload == {
        "item_id": snapshot.item_id,
        "seller_id": seller.pk,
        "sku": "TV-001",
        "title": "Bazaar 55 inch 4K TV #1",
        "brand": "Bazaar",
        "description": "",
        "category_id": tree["tvs"].pk,
        "category_name": "Televisions",
        "category_path": "electronics/televisions",
        "category_ids": [tree["electronics"].pk, tree["tvs"].pk],
        "price_paise": 3_499_900,
        "currency": "INR",
        "status": "active",
        "attributes": TV_ATTRIBUTES,
        "images": ["https://img.example/tv.jpg"],
        "rating": "0.0",
        "rating_count": 0,
        "version": 1,
        "created_at": snapshot.created_at.isoformat(),
        "updated_at": snapshot.updated_at.isoformat(),
        "variant_group_id": None,
        "parent_sku": "",
    }
    assert documents_backend().get(snapshot.item_id).attributes == TV_ATTRIBUTES


def test_update_emits_the_new_snapshot_and_a_no_op_emits_nothing(make_tv, seller):
    item = make_tv(seller)

    updated = item_update(
        item_id=item.item_id, price_paise=3_299_900, attributes={"smart_tv": None, "warranty_months": 24}
    )
    again = item_update(item_id=item.item_id, price_paise=3_299_900)

    _created, changed = item_events()
    assert changed.type == "catalog.item_updated.v1" and changed.key == str(item.item_id)
    assert changed.payload["price_paise"] == 3_299_900
    assert changed.payload["attributes"] == {
        "warranty_months": 24,
        "screen_size": 55,
        "resolution": "4K Ultra HD",
    }
    assert changed.payload["version"] == 2
    assert updated.version == again.version == 2
    assert interface.item_get(item.item_id).attributes == changed.payload["attributes"]


def test_moving_an_item_to_another_category_checks_the_new_schema(make_tv, seller, tree):
    item = make_tv(seller)

    with pytest.raises(ItemInvalid) as caught:
        item_update(item_id=item.item_id, category_id=tree["shirts"].pk)
    moved = item_update(
        item_id=item.item_id, category_id=tree["shirts"].pk, replace_attributes=True, attributes={"size": "M"}
    )

    assert set(caught.value.errors) == {
        "attributes.screen_size",
        "attributes.resolution",
        "attributes.smart_tv",
        "attributes.size",
    }
    assert (moved.category_path, moved.attributes) == ("fashion/mens-shirts", {"size": "M"})
    assert item_events()[-1].payload["category_ids"] == [tree["fashion"].pk, tree["shirts"].pk]


def test_a_rejected_change_changes_nothing_and_emits_nothing(make_tv, seller):
    item = make_tv(seller)

    with pytest.raises(ItemInvalid):
        item_update(item_id=item.item_id, title="New title", attributes={"resolution": "8K"})

    assert len(item_events()) == 1
    assert interface.item_get(item.item_id).title == item.title


def test_retire_emits_once(make_tv, seller):
    item = make_tv(seller)

    item_retire(item_id=item.item_id)
    item_retire(item_id=item.item_id)

    assert [e.type for e in item_events()] == ["catalog.item_created.v1", "catalog.item_retired.v1"]
    assert item_events()[-1].payload["status"] == "retired"
    assert item_events()[-1].payload["attributes"] == TV_ATTRIBUTES
    assert interface.item_get(item.item_id).status == "retired"


def test_rating_is_an_exact_decimal_and_emits_an_update(make_tv, seller):
    item = make_tv(seller)

    item_rating_set(item_id=item.item_id, rating=Decimal("4.26"), rating_count=1200)

    event = item_events()[-1]
    assert (event.type, event.payload["rating"], event.payload["rating_count"]) == (
        "catalog.item_updated.v1",
        "4.3",
        1200,
    )
    assert interface.item_get(item.item_id).rating == Decimal("4.3")


def test_another_sellers_item_is_not_found_by_the_services(make_tv, seller, other_seller):
    item = make_tv(seller)

    with pytest.raises(ItemNotFound):
        item_update(item_id=item.item_id, seller_id=other_seller.pk, title="Mine now")
    with pytest.raises(ItemNotFound):
        item_retire(item_id=item.item_id, seller_id=other_seller.pk)

    assert len(item_events()) == 1


def test_items_get_is_one_query_and_one_documents_call_for_any_number(
    make_tv, seller, django_assert_num_queries
):
    ids = [make_tv(seller).item_id for _ in range(30)]

    with django_assert_num_queries(2):  # the rows (with category) + the relational documents
        found = interface.items_get([*ids, 999_999])

    assert sorted(found) == sorted(ids)
    assert all(s.attributes == TV_ATTRIBUTES for s in found.values())


def test_interface_reads(make_tv, seller, tree):
    first, second = make_tv(seller), make_tv(seller, attributes={"screen_size": 32, "resolution": "HD Ready"})

    assert interface.item_get_by_sku(seller_id=seller.pk, sku="TV-002").item_id == second.item_id
    assert interface.item_get_by_sku(seller_id=seller.pk + 1, sku="TV-002") is None
    assert interface.item_get(123456) is None
    assert interface.category_descendant_ids(tree["electronics"].pk) == [
        tree["electronics"].pk,
        tree["tvs"].pk,
    ]
    assert interface.category_descendant_ids(999) == []
    assert interface.item_ids_find(
        category_id=tree["electronics"].pk, filters={"screen_size": {"gte": 40}}
    ) == [first.item_id]
    batches = list(interface.item_snapshots_iter(batch_size=1))
    assert [s.item_id for s in batches] == [first.item_id, second.item_id]

    roots = interface.category_tree()
    assert [r.slug for r in roots] == ["electronics", "fashion"]
    [tvs] = roots[0].children
    assert isinstance(tvs, interface.CategoryInfo)
    assert [a.code for a in tvs.attributes] == ["warranty_months", "screen_size", "resolution", "smart_tv"]
    assert tvs.attributes[1] == interface.AttributeInfo(
        code="screen_size",
        label="Screen size",
        type="number",
        unit="inch",
        choices=(),
        required=True,
        facetable=True,
        category_id=tree["tvs"].pk,
        position=0,
    )


def test_moving_a_category_moves_its_subtree_and_tells_listeners(tree):
    home = Category.objects.create(name="Home", slug="home", path="home")
    OutboxEvent.objects.all().delete()

    category_update(category_id=tree["electronics"].pk, parent_id=home.pk)

    tvs = Category.objects.get(pk=tree["tvs"].pk)
    assert (tvs.path, tvs.ancestor_ids) == ("home/electronics/televisions", [home.pk, tree["electronics"].pk])
    changed = events("catalog.category_changed.v1")
    assert [e.key for e in changed] == [f"category-{tree['electronics'].pk}", f"category-{tree['tvs'].pk}"]
    assert changed[1].payload["path"] == "home/electronics/televisions"


def test_a_change_made_meanwhile_is_not_overwritten(make_tv, seller, monkeypatch):
    """Attributes are read outside the transaction; a write in between makes the update read again."""
    from catalog.services import items as services  # where item_update looks documents_read up

    item = make_tv(seller)
    real_read = services.documents_read
    calls = {"n": 0}

    def read_then_someone_else_writes(items):
        found = real_read(items)
        calls["n"] += 1
        if calls["n"] == 1:
            monkeypatch.setattr(services, "documents_read", real_read)
            item_update(item_id=item.item_id, attributes={"warranty_months": 36})
        return found

    monkeypatch.setattr(services, "documents_read", read_then_someone_else_writes)
    result = item_update(item_id=item.item_id, attributes={"smart_tv": False})

    assert result.attributes == {**TV_ATTRIBUTES, "warranty_months": 36, "smart_tv": False}
    assert result.version == 3
