"""Demo data: believable, deterministic, valid against the schemas, and safe to seed twice."""

from __future__ import annotations

import re

from catalog.demo import demo_item_ids, seed_catalog
from catalog.interface import category_tree, item_ids_find, items_get
from catalog.models import Category, Item, ItemDocument
from events.models import OutboxEvent


def test_seed_catalog_is_believable_valid_and_idempotent(db, user_factory):
    sellers = [user_factory(is_seller=True).pk for _ in range(3)]

    created = seed_catalog(seller_ids=sellers, items=240, seed=7)
    again = seed_catalog(seller_ids=sellers, items=240, seed=7)

    # 234 drawn items, and the T-shirt listing: three sizes in two colours, six SKUs.
    assert (created, again) == (240, 0)
    assert Item.objects.count() == ItemDocument.objects.count() == 240
    assert OutboxEvent.objects.filter(type="catalog.item_created.v1").count() == 240
    leaves = [c for root in category_tree() for c in (root.children or (root,))]
    assert len(leaves) == 13
    assert len({i.category_id for i in Item.objects.all()}) == 13
    assert set(Item.objects.values_list("seller_id", flat=True)) == set(sellers)
    snapshots = items_get(Item.objects.values_list("pk", flat=True))
    for snapshot in snapshots.values():
        assert snapshot.price_paise > 0 and snapshot.price_paise % 100 == 0
        assert re.fullmatch(r"DEMO-[A-Z]{2,3}-\d{5}|DEMO-TEE-001-[SML]-(WHITE|NAVY)", snapshot.sku)
        assert snapshot.attributes and snapshot.images
    tvs = Category.objects.get(path="electronics/televisions")
    assert item_ids_find(category_id=tvs.pk, filters={"screen_size": {"gte": 55}})


def test_the_same_seed_gives_the_same_catalog(db, user_factory):
    seller = user_factory(is_seller=True).pk
    seed_catalog(seller_ids=[seller], items=30, seed=11)
    first = list(Item.objects.order_by("sku").values_list("sku", "title", "price_paise"))
    Item.objects.all().delete()

    seed_catalog(seller_ids=[seller], items=30, seed=11)

    assert list(Item.objects.order_by("sku").values_list("sku", "title", "price_paise")) == first


def test_the_demo_t_shirt_is_one_listing_of_six_variants_with_size_l_left_unstocked(db, user_factory):
    seller = user_factory(is_seller=True).pk
    seed_catalog(seller_ids=[seller], items=12, seed=3)

    tees = items_get(Item.objects.filter(sku__startswith="DEMO-TEE-001-").values_list("pk", flat=True))

    assert len(tees) == 6
    assert {s.parent_sku for s in tees.values()} == {"DEMO-TEE-001"}
    assert len({s.variant_group_id for s in tees.values()}) == 1
    assert {(s.attributes["size"], s.attributes["colour"]) for s in tees.values()} == {
        (size, colour) for size in "SML" for colour in ("White", "Navy")}
    assert all("msh-white" in s.images[0] or "msh-navy" in s.images[0] for s in tees.values())
    stocked = set(demo_item_ids())
    assert {s.attributes["size"] for s in tees.values() if s.item_id not in stocked} == {"L"}
