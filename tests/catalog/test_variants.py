"""Listings with options (issue 13, part 3): a T-shirt in three sizes and two colours is one listing
of six SKUs, made through the services, the seller API or the bulk upload; its product page picks a
variant with plain links (docs/decisions/0022-variants.md)."""

from __future__ import annotations

import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.text import slugify

from catalog.interface import items_get, variant_group_members, variants_of_group
from catalog.models import Item, VariantGroup
from catalog.services import attribute_define, category_create, item_create, item_retire, item_update
from catalog.validation import ItemInvalid
from events.models import OutboxEvent
from inventory.services import stock_set
from tests.shop_world import BENGALURU_PIN

SIZES, COLOURS = ("S", "M", "L"), ("Red", "Blue")


@pytest.fixture
def tees(world):
    """Fashion (colour: defines variants) > T-shirts (size: defines variants; neck: does not)."""
    fashion = category_create(name="Fashion", slug="fashion-v").pk
    attribute_define(category_id=fashion, code="colour", label="Colour", type="choice",
                     choices=["Red", "Blue", "Green"], facetable=True, variant_option=True)
    tees = category_create(name="T-shirts", slug="t-shirts", parent_id=fashion).pk
    attribute_define(category_id=tees, code="size", label="Size", type="choice", choices=["S", "M", "L", "XL"],
                     facetable=True, variant_option=True)
    attribute_define(category_id=tees, code="neck", label="Neck", type="choice", choices=["Round", "V-neck"])
    socks = category_create(name="Socks", slug="socks", parent_id=fashion).pk
    return {"fashion": fashion, "tees": tees, "socks": socks}


def make_tee(world, tees, size, colour, *, parent_sku="TEE-1", stock=5, price_paise=49_900, **extra):
    item = item_create(seller_id=world.seller.pk, sku=f"TEE-1-{size}-{colour}", parent_sku=parent_sku,
                       title=f"Cotton T-shirt ({colour}, {size})", category_id=tees["tees"], price_paise=price_paise,
                       attributes={"size": size, "colour": colour, "neck": "Round"}, **extra)
    if stock is not None:
        stock_set(item_id=item.item_id, warehouse_id=world.warehouses["BLR1"].pk, on_hand=stock, actor_id=None,
                  source="system")
    return item


@pytest.fixture
def six(world, tees):
    """Six SKUs; size L is sold out in red (in stock in blue)."""
    return {(size, colour): make_tee(world, tees, size, colour, stock=0 if (size, colour) == ("L", "Red") else 5,
                                     price_paise=49_900 + 5_000 * SIZES.index(size))
            for colour in COLOURS for size in SIZES}


# --- services --------------------------------------------------------------------------------


def test_a_t_shirt_in_three_sizes_and_two_colours_is_one_listing_of_six_skus(world, tees, six):
    groups = VariantGroup.objects.all()

    assert len(groups) == 1
    group = groups[0]
    assert (group.parent_sku, group.seller_id, group.category_id) == ("TEE-1", world.seller.pk, tees["tees"])
    assert len({s.sku for s in six.values()}) == 6
    assert {s.variant_group_id for s in six.values()} == {group.pk}
    assert {s.parent_sku for s in six.values()} == {"TEE-1"}
    assert sorted(v.options["size"] + v.options["colour"] for v in variants_of_group(variant_group_id=group.pk)) \
        == sorted(size + colour for size in SIZES for colour in COLOURS)
    members = variant_group_members(item_ids=[six["S", "Red"].item_id])
    assert members == {six["S", "Red"].item_id: tuple(sorted(s.item_id for s in six.values()))}


def test_the_item_events_carry_the_listing(world, tees, six):
    item = six["M", "Blue"]
    payload = OutboxEvent.objects.filter(type="catalog.item_created.v1", key=str(item.item_id)).get().payload
    assert payload["parent_sku"] == "TEE-1" and payload["variant_group_id"] == six["M", "Blue"].variant_group_id


def test_two_variants_with_the_same_options_are_refused_with_the_reason_on_each_option(world, tees, six):
    with pytest.raises(ItemInvalid) as caught:
        item_create(seller_id=world.seller.pk, sku="TEE-1-M-RED-AGAIN", parent_sku="TEE-1", title="Again",
                    category_id=tees["tees"], price_paise=100, attributes={"size": "M", "colour": "Red"})

    assert set(caught.value.errors) == {"attributes.size", "attributes.colour"}
    assert caught.value.errors["attributes.size"] == [
        "Colour Red, Size M is already variant TEE-1-M-Red of TEE-1; each variant needs its own combination of "
        "colour and size."]
    assert not Item.objects.filter(sku="TEE-1-M-RED-AGAIN").exists()


def test_a_variant_needs_every_option_and_a_category_with_options(world, tees, six):
    with pytest.raises(ItemInvalid) as missing:
        item_create(seller_id=world.seller.pk, sku="TEE-NO-SIZE", parent_sku="TEE-1", title="No size",
                    category_id=tees["tees"], price_paise=100, attributes={"colour": "Red"})
    with pytest.raises(ItemInvalid) as no_options:
        item_create(seller_id=world.seller.pk, sku="PLAIN", parent_sku="GADGETS", title="Gadget",
                    category_id=world.category_id, price_paise=100)

    assert missing.value.errors == {"attributes.size": [
        "Size is required for a variant of TEE-1: it tells the variants apart."]}
    assert list(no_options.value.errors) == ["parent_sku"]
    assert "Gadgets has no options that define variants" in no_options.value.errors["parent_sku"][0]


def test_a_variant_in_another_category_than_its_listing_is_refused(world, tees, six):
    with pytest.raises(ItemInvalid) as caught:
        item_create(seller_id=world.seller.pk, sku="SOCK-RED", parent_sku="TEE-1", title="Red socks",
                    category_id=tees["socks"], price_paise=100, attributes={"colour": "Green"})

    assert caught.value.errors == {"category_id": [
        "The other variants of TEE-1 are in T-shirts; the variants of a listing share one category."]}


def test_changing_a_variant_into_a_taken_combination_is_refused_and_retiring_frees_one(world, tees, six):
    small_red = six["S", "Red"].item_id
    with pytest.raises(ItemInvalid) as caught:
        item_update(item_id=small_red, attributes={"size": "M"})
    assert set(caught.value.errors) == {"attributes.size", "attributes.colour"}

    item_retire(item_id=six["M", "Red"].item_id)
    moved = item_update(item_id=small_red, attributes={"size": "M"})

    assert moved.attributes["size"] == "M" and moved.parent_sku == "TEE-1"
    assert json.loads(Item.objects.get(pk=small_red).variant_key) == {"colour": "Red", "size": "M"}


def test_an_item_leaves_its_listing_and_the_listing_is_announced(world, tees, six):
    leaving = six["S", "Blue"]

    left = item_update(item_id=leaving.item_id, parent_sku=None)

    assert (left.variant_group_id, left.parent_sku) == (None, "")
    event = OutboxEvent.objects.filter(type="catalog.variant_group_changed.v1").get()
    assert event.payload["parent_sku"] == "TEE-1"
    assert leaving.item_id not in event.payload["item_ids"] and len(event.payload["item_ids"]) == 5


def test_listings_are_per_seller(world, tees, six, user_factory):
    other = user_factory(email="other.seller@example.com", is_seller=True)
    theirs = item_create(seller_id=other.pk, sku="X", parent_sku="TEE-1", title="Their tee", category_id=tees["tees"],
                         price_paise=100, attributes={"size": "S", "colour": "Red"})
    assert theirs.variant_group_id != six["S", "Red"].variant_group_id


def test_only_a_choice_attribute_can_define_variants(tees):
    from catalog.services import CategoryInvalid

    with pytest.raises(CategoryInvalid) as caught:
        attribute_define(category_id=tees["tees"], code="print", label="Print", type="text", variant_option=True)
    assert list(caught.value.errors) == ["variant_option"]


# --- seller API and bulk upload ----------------------------------------------------------------


def test_the_seller_api_creates_a_listing_and_says_so(seller_api, world, tees):
    body = {"sku": "API-S-RED", "parent_sku": "API-TEE", "title": "Tee", "category_id": tees["tees"],
            "price_paise": 49_900, "attributes": {"size": "S", "colour": "Red"}}
    first = seller_api.post("/api/v1/seller/items", body, format="json")
    second = seller_api.post("/api/v1/seller/items", {**body, "sku": "API-M-RED", "attributes": {
        "size": "M", "colour": "Red"}}, format="json")
    clash = seller_api.post("/api/v1/seller/items", {**body, "sku": "API-M-RED-2", "price_paise": 0, "attributes": {
        "size": "M", "colour": "Red"}}, format="json")
    plain = seller_api.post("/api/v1/seller/items", {**body, "sku": "API-PLAIN", "parent_sku": None}, format="json")

    assert first.status_code == second.status_code == 201, first.json()
    assert first.json()["parent_sku"] == second.json()["parent_sku"] == "API-TEE"
    assert first.json()["variant_group_id"] == second.json()["variant_group_id"] is not None
    assert plain.status_code == 201 and plain.json()["parent_sku"] is None
    assert clash.status_code == 400 and clash["Content-Type"].startswith("application/problem+json")
    assert "price_paise" in clash.json()["errors"] or "price_paise" in json.dumps(clash.json())


def test_the_seller_api_reports_a_taken_combination_as_problem_json(seller_api, world, tees, six):
    response = seller_api.post("/api/v1/seller/items", {
        "sku": "API-DUP", "parent_sku": "TEE-1", "title": "Dup", "category_id": tees["tees"], "price_paise": 100,
        "attributes": {"size": "L", "colour": "Blue"}}, format="json")
    moved = seller_api.patch(f"/api/v1/seller/items/{six['S', 'Red'].item_id}", {"parent_sku": None}, format="json")

    assert response.status_code == 400
    assert "attributes.size" in json.dumps(response.json())
    assert moved.status_code == 200 and moved.json()["parent_sku"] is None


def test_the_json_bulk_upload_makes_listings_and_reports_bad_rows_all_at_once(seller_api, world, tees):
    rows = [{"sku": f"B-{size}-{colour}", "parent_sku": "BULK-TEE", "title": f"Tee {size} {colour}",
             "category_id": tees["tees"], "price_paise": 49_900, "attributes": {"size": size, "colour": colour}}
            for size in SIZES for colour in COLOURS]
    rows.append({**rows[0], "sku": "B-DUP"})  # the same options as row 1
    rows.append({**rows[0], "sku": "B-NOSIZE", "attributes": {"colour": "Green"}})
    rows.append({**rows[0], "sku": "B-BAD", "parent_sku": "not a sku!"})

    response = seller_api.post("/api/v1/seller/items/bulk", rows, format="json")

    assert response.status_code == 200, response.json()
    report = response.json()
    assert report["created"] == 6
    errors = {e["row"]: e["errors"] for e in report["errors"]}
    assert set(errors) == {7, 8, 9}
    assert set(errors[7]) == {"attributes.size", "attributes.colour"}
    assert set(errors[8]) == {"attributes.size"}
    assert set(errors[9]) == {"parent_sku"}
    group = VariantGroup.objects.get(parent_sku="BULK-TEE")
    assert group.variants.count() == 6

    # Sent again without the parent SKU: the items stay in their listing.
    again = seller_api.post("/api/v1/seller/items/bulk", [{k: v for k, v in r.items() if k != "parent_sku"}
                                                          for r in rows[:6]], format="json")
    assert again.json()["unchanged"] == 6 and group.variants.count() == 6


def test_the_csv_bulk_upload_takes_a_parent_sku_column(seller_api, world, tees):
    lines = ["sku,title,category,price,parent_sku,attr:size,attr:colour"]
    lines += [f"C-{size}-{colour},Tee,fashion-v/t-shirts,499,CSV-TEE,{size},{colour}"
              for size in SIZES for colour in COLOURS]
    lines.append("C-DUP,Tee,fashion-v/t-shirts,499,CSV-TEE,s,red")
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = seller_api.post("/api/v1/seller/items/bulk", {
        "file": SimpleUploadedFile("tees.csv", "\n".join(lines).encode(), content_type="text/csv")},
        format="multipart")

    assert response.status_code == 200, response.json()
    assert response.json()["created"] == 6
    (error,) = response.json()["errors"]
    assert error["row"] == 8 and set(error["errors"]) == {"attr:size", "attr:colour"}
    assert VariantGroup.objects.get(parent_sku="CSV-TEE").variants.count() == 6


# --- the product page --------------------------------------------------------------------------


def page_of(client, snapshot):
    return client.get(f"/p/{snapshot.item_id}/{slugify(snapshot.title)}/")


def links(html: str, option: str) -> dict[str, str]:
    block = re.search(rf'data-option="{option}".*?</ul>', html, re.S).group(0)
    return dict((value, tag) for tag, value in re.findall(r'(<a [^>]*data-value="([^"]+)"[^>]*>.*?</a>)', block, re.S))


def test_the_picker_links_each_value_to_the_variant_with_the_other_options_kept(client, world, tees, six):
    html = page_of(client, six["M", "Blue"]).content.decode()

    sizes, colours = links(html, "size"), links(html, "colour")
    assert list(sizes) == ["S", "M", "L"] and list(colours) == ["Red", "Blue"]  # the schema's order
    assert f'href="/p/{six["L", "Blue"].item_id}/' in sizes["L"]  # same colour, other size
    assert f'href="/p/{six["M", "Red"].item_id}/' in colours["Red"]  # same size, other colour
    assert 'aria-current="true"' in sizes["M"] and 'aria-current="true"' in colours["Blue"]
    assert "aria-current" not in sizes["S"]
    assert "₹549" in html  # this variant's own price (M costs ₹50 more)


def test_a_sold_out_size_is_marked_and_choosing_it_says_so_without_a_cart_button(client, world, tees, six):
    on_red = page_of(client, six["M", "Red"]).content.decode()
    assert "(out of stock)" in links(on_red, "size")["L"] and "out of stock" not in links(on_red, "size")["S"]

    html = page_of(client, six["L", "Red"]).content.decode()

    assert "Out of stock" in html
    assert "This combination of colour and size is out of stock." in html  # L is in stock in blue
    assert 'action="/cart/add/"' not in html


def test_a_size_sold_out_in_every_colour_says_this_size(client, world, tees, six):
    stock_set(item_id=six["L", "Blue"].item_id, warehouse_id=world.warehouses["BLR1"].pk, on_hand=0, actor_id=None,
              source="system")
    html = page_of(client, six["L", "Blue"]).content.decode()
    assert "This size is out of stock." in html


def test_the_delivery_date_is_the_variants_own(client, world, tees, six):
    stock_set(item_id=six["S", "Red"].item_id, warehouse_id=world.warehouses["BLR1"].pk, on_hand=0, actor_id=None,
              source="system")
    stock_set(item_id=six["S", "Red"].item_id, warehouse_id=world.warehouses["DEL1"].pk, on_hand=4, actor_id=None,
              source="system")
    session = client.session
    session["pin_code"] = BENGALURU_PIN
    session.save()

    from django.utils import timezone

    from inventory.interface import delivery_promises

    promises = delivery_promises(item_ids=[six["S", "Red"].item_id, six["S", "Blue"].item_id], pin_code=BENGALURU_PIN,
                                 now=timezone.now())
    red, blue = (page_of(client, six["S", c]).content.decode() for c in ("Red", "Blue"))
    for html, item in ((red, six["S", "Red"]), (blue, six["S", "Blue"])):
        date = promises[item.item_id].delivery_date
        assert f"Delivery by {date:%a}, {date.day} {date:%b}" in html


def test_a_variant_page_reads_its_siblings_in_one_query_and_their_stock_in_one(client, world, tees, six):
    plain = world.add_item("PLAIN", stock={"BLR1": 3})
    for _ in range(2):  # warm the caches (menu, categories; the items' heads, kept under the menu's version)
        page_of(client, six["S", "Red"])
        client.get(f"/p/{plain}/", follow=True)
    with CaptureQueriesContext(connection) as single:
        client.get(f"/p/{plain}/{slugify('Test item PLAIN')}/")
    with CaptureQueriesContext(connection) as variant:
        page_of(client, six["S", "Red"])

    assert len(variant) == len(single) + 1  # the siblings; their stock is the same one query
    stock_reads = [q for q in variant.captured_queries if "inventory_stock" in q["sql"]]
    assert len(stock_reads) == 1


def test_a_plain_item_has_no_picker(client, world):
    item = world.add_item("PLAIN", stock={"BLR1": 3})
    html = client.get(f"/p/{item}/{slugify('Test item PLAIN')}/").content.decode()
    assert 'data-testid="options"' not in html


def test_retired_variants_leave_the_picker(client, world, tees, six):
    item_retire(item_id=six["S", "Blue"].item_id)
    html = page_of(client, six["M", "Blue"]).content.decode()
    assert f'/p/{six["S", "Blue"].item_id}/' not in html
    assert f'/p/{six["S", "Red"].item_id}/' in links(html, "size")["S"]  # the nearest S left


# --- Buy now without JavaScript ----------------------------------------------------------------


def test_buy_now_without_javascript_posts_a_quantity_and_buys_exactly_one(client, world):
    """What a browser without JavaScript sends is the form's own fields: they must name a
    quantity, and buying must put exactly that one unit in the cart."""
    from cart.interface import CartLine, cart_lines

    item = world.add_item("ONE", stock={"BLR1": 9})
    client.force_login(world.customer)
    html = client.get(f"/p/{item}/{slugify('Test item ONE')}/").content.decode()
    form = re.search(r'<form class="buy-now" method="post" action="([^"]+)".*?</form>', html, re.S)
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form.group(0)))

    assert fields["quantity"] == "1" and fields["item_id"] == str(item)
    response = client.post(form.group(1), fields)

    assert response.status_code == 302 and response["Location"] == "/checkout/"
    assert cart_lines(user_id=world.customer.pk) == [CartLine(item, 1)]


def test_snapshots_of_variants_read_their_listing_with_the_item(world, tees, six):
    ids = [s.item_id for s in six.values()]
    with CaptureQueriesContext(connection) as queries:
        snapshots = items_get(ids)
    assert {s.parent_sku for s in snapshots.values()} == {"TEE-1"}
    assert len(queries) <= 2  # the items with their category and listing; the documents


# --- admin -------------------------------------------------------------------------------------


def test_the_admin_lists_a_listing_with_its_variants_and_links_an_item_to_it(admin_client, world, tees, six):
    group = VariantGroup.objects.get()

    listing = admin_client.get("/admin/catalog/variantgroup/")
    change = admin_client.get(f"/admin/catalog/variantgroup/{group.pk}/change/")
    item = admin_client.get(f"/admin/catalog/item/{six['S', 'Red'].item_id}/change/")

    assert listing.status_code == 200 and "TEE-1" in listing.text
    assert change.status_code == 200
    assert all(s.sku in change.text for s in six.values()) and "size: S" in change.text
    assert f"/admin/catalog/variantgroup/{group.pk}/change/" in item.text


def test_defines_variants_is_editable_on_an_attribute_and_only_for_choices(admin_client, tees):
    from catalog.models import AttributeDefinition, Category

    category = Category.objects.get(pk=tees["tees"])
    page = admin_client.get(f"/admin/catalog/category/{category.pk}/change/")
    assert page.status_code == 200 and "variant_option" in page.text
    neck = AttributeDefinition.objects.get(category=category, code="neck")
    assert not neck.variant_option


# --- admin -------------------------------------------------------------------------------------


def _admin_form(item, **changes) -> dict:
    data = {"sku": item.sku, "title": item.title, "brand": item.brand, "description": "",
            "category": item.category_id, "price_paise": item.price_paise, "currency": "INR",
            "images": json.dumps(list(item.images)), "status": item.status,
            "attributes": json.dumps(item.attributes)}
    data.update(changes)
    return data


def test_staff_editing_a_variant_into_a_taken_combination_get_the_reason_on_the_form(admin_client, world, tees,
                                                                                        six):
    small_red = six[("S", "Red")]
    url = f"/admin/catalog/item/{small_red.item_id}/change/"
    taken = admin_client.post(url, _admin_form(small_red, attributes=json.dumps(
        {"size": "M", "colour": "Red", "neck": "Round"})))
    assert taken.status_code == 200, "the form again, not a failed save"
    assert "is already variant TEE-1-M-Red of TEE-1" in taken.text
    moved = admin_client.post(url, _admin_form(small_red, category=tees["socks"], attributes=json.dumps(
        {"colour": "Red"})))
    assert moved.status_code == 200
    assert "the variants of a listing share one category" in moved.text
    free = admin_client.post(url, _admin_form(small_red, attributes=json.dumps(
        {"size": "XL", "colour": "Red", "neck": "Round"})))
    assert free.status_code == 302
    assert items_get([small_red.item_id])[small_red.item_id].attributes["size"] == "XL"
