"""A listing with options is found once (docs/decisions/0022-variants.md): its cheapest variant in
stock stands for it, with every stocked variant's options and warehouses, on every engine."""

from __future__ import annotations

import datetime as dt

import pytest

from search.selectors import search_run
from search.types import SearchParams, Sort
from tests.search.conftest import ALL_ENGINES, deliver
from tests.shop_world import BENGALURU_PIN, DELHI_PIN

pytestmark = pytest.mark.django_db
NOON = dt.datetime(2026, 11, 24, 12, 0, tzinfo=dt.UTC)
SIZES, COLOURS = ("S", "M", "L"), ("Black", "Blue")


@pytest.fixture
def tee(shop):
    """A T-shirt listing of six SKUs in the shop's Mobiles category's sibling "T-shirts" (colour
    and size define variants), plus a plain phone. Blue is stocked only in Delhi; L costs more."""
    from catalog.services import attribute_define, category_create, item_create
    from inventory.services import stock_set

    tees = category_create(name="T-shirts", slug="t-shirts", parent_id=shop.electronics).pk
    attribute_define(category_id=tees, code="tee_colour", label="Colour", type="choice", choices=list(COLOURS),
                     facetable=True, variant_option=True)
    attribute_define(category_id=tees, code="size", label="Size", type="choice", choices=list(SIZES),
                     facetable=True, variant_option=True)
    ids = {}
    for colour in COLOURS:
        for size in SIZES:
            item = item_create(seller_id=shop.world.seller.pk, sku=f"TEE-{size}-{colour}", parent_sku="TEE",
                               title=f"Cotton tshirt {colour} {size}", brand="Basics", category_id=tees,
                               price_paise=49_900 + (10_000 if size == "L" else 0) + (1_000 if colour == "Blue" else 0),
                               attributes={"tee_colour": colour, "size": size})
            warehouse = "DEL1" if colour == "Blue" else "BLR1"
            stock_set(item_id=item.item_id, warehouse_id=shop.world.warehouses[warehouse].pk, on_hand=3,
                      actor_id=None, source="system")
            ids[size, colour] = item.item_id
    shop.add("Cotton tshirt phone case", brand="Casey", price_paise=29_900)
    deliver()
    shop.tees, shop.tee = tees, ids
    return shop


def sell_out(shop, *keys):
    from inventory.services import stock_set

    for key in keys:
        for warehouse in shop.world.warehouses.values():
            stock_set(item_id=shop.tee[key], warehouse_id=warehouse.pk, on_hand=0, actor_id=None, source="system")
    deliver()


def tee_results(page):
    return [c for c in page.results if c.brand == "Basics"]


@pytest.mark.parametrize("search_index", ALL_ENGINES, indirect=True)
def test_the_t_shirt_is_found_once_as_its_cheapest_variant_with_its_option_counts(tee):
    page = search_run(SearchParams(q="tshirt"))

    assert page.total == 2  # the listing and the phone case: totals count listings, not SKUs
    (card,) = tee_results(page)
    assert card.item_id == tee.tee["S", "Black"] and card.price_paise == 49_900
    assert card.options == (("Colour", 2), ("Size", 3))
    assert card.more_options == "2 colours · 3 sizes"


def test_the_card_says_more_options_and_from(tee, client):
    html = client.get("/search/?q=tshirt").content.decode()
    assert html.count('data-testid="more-options"') == 1 and "2 colours · 3 sizes" in html
    assert html.count(f'data-item-id="{tee.tee["S", "Black"]}"') == 1
    for key, item_id in tee.tee.items():
        if key != ("S", "Black"):
            assert f'data-item-id="{item_id}"' not in html


def test_a_filter_on_an_option_finds_the_listing_when_a_variant_in_stock_has_it(tee):
    blue = search_run(SearchParams(q="tshirt", attributes={"tee_colour": ("Blue",)}))
    large = search_run(SearchParams(attributes={"size": ("L",)}, category_id=tee.tees))

    assert [c.item_id for c in tee_results(blue)] == [tee.tee["S", "Black"]]
    assert len(tee_results(large)) == 1
    counts = {v.value: v.count for g in blue.facets if g.code == "tee_colour" for v in g.values}
    assert counts == {"Black": 1, "Blue": 1}  # one listing each, not three SKUs

    sell_out(tee, *((size, "Blue") for size in SIZES))
    assert tee_results(search_run(SearchParams(q="tshirt", attributes={"tee_colour": ("Blue",)}))) == []


def test_a_pin_finds_the_listing_when_any_variant_reaches_it(tee):
    delhi = search_run(SearchParams(q="tshirt"), pin=DELHI_PIN, now=NOON)
    assert len(tee_results(delhi)) == 1

    sell_out(tee, *((size, "Blue") for size in SIZES))  # Delhi's warehouse held only the blue ones
    from logistics.models import Route
    from logistics.selectors import routes_cache_invalidate

    Route.objects.filter(warehouse=tee.world.warehouses["BLR1"], pin_code_id=DELHI_PIN).delete()
    routes_cache_invalidate()
    assert tee_results(search_run(SearchParams(q="tshirt"), pin=DELHI_PIN, now=NOON)) == []
    assert len(tee_results(search_run(SearchParams(q="tshirt"), pin=BENGALURU_PIN, now=NOON))) == 1


def test_selling_out_the_representative_moves_the_listing_to_the_next_cheapest(tee):
    sell_out(tee, ("S", "Black"))

    (card,) = tee_results(search_run(SearchParams(q="tshirt")))

    assert card.item_id == tee.tee["M", "Black"] and card.price_paise == 49_900


def test_a_listing_with_every_variant_sold_out_leaves_search(tee):
    sell_out(tee, *tee.tee)

    page = search_run(SearchParams(q="tshirt"))

    assert tee_results(page) == [] and page.total == 1


def test_a_price_change_of_one_variant_reindexes_the_listing(tee):
    from catalog.services import item_update

    item_update(item_id=tee.tee["L", "Blue"], price_paise=19_900)
    deliver()

    (card,) = tee_results(search_run(SearchParams(q="tshirt", sort=Sort.PRICE_ASC)))
    assert card.item_id == tee.tee["L", "Blue"] and card.price_paise == 19_900


def test_an_item_that_leaves_the_listing_is_found_on_its_own_and_the_listing_forgets_it(tee):
    from catalog.services import item_update

    item_update(item_id=tee.tee["S", "Black"], parent_sku=None)
    deliver()

    page = search_run(SearchParams(q="tshirt"))
    found = {c.item_id: c for c in tee_results(page)}
    assert set(found) == {tee.tee["S", "Black"], tee.tee["M", "Black"]}
    assert found[tee.tee["S", "Black"]].options == ()
    assert found[tee.tee["M", "Black"]].options == (("Colour", 2), ("Size", 3))


def test_a_rebuild_indexes_the_listing_once(tee):
    from search.services import index_rebuild

    index_rebuild(batch_size=4)  # the listing spans batches

    page = search_run(SearchParams(q="tshirt"))
    assert [c.item_id for c in tee_results(page)] == [tee.tee["S", "Black"]] and page.total == 2


def test_the_search_api_says_what_options_a_result_has(tee, client):
    body = client.get("/api/v1/search", {"q": "tshirt"}).json()
    by_id = {r["product_id"]: r for r in body["results"]}
    assert by_id[tee.tee["S", "Black"]]["more_options"] == "2 colours · 3 sizes"
    assert all(r["more_options"] == "" for i, r in by_id.items() if i != tee.tee["S", "Black"])
