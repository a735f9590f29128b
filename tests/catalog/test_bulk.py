"""Bulk onboarding: good rows are saved, bad rows are reported by row number and field."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile

from catalog.interface import item_get_by_sku
from catalog.models import Item
from catalog.services import BULK_MAX_ROWS
from events.models import OutboxEvent

from .conftest import TV_ATTRIBUTES

BULK = "/api/v1/seller/items/bulk"
PROBLEM = "application/problem+json"


def item_events(type_: str) -> list[OutboxEvent]:
    return list(OutboxEvent.objects.filter(type=type_).order_by("id"))


def tv_row(tree, sku, **fields):
    return {
        "sku": sku,
        "title": f"Bazaar TV {sku}",
        "category_id": tree["tvs"].pk,
        "price_paise": 2_999_900,
        "attributes": dict(TV_ATTRIBUTES),
        **fields,
    }


def test_json_rows_mixed_good_and_bad(tree, seller, api_for, make_tv):
    make_tv(seller, sku="TV-OLD", price_paise=4_000_000)
    rows = [
        tv_row(tree, "TV-A"),
        tv_row(tree, "TV-B", price_paise=0, attributes={"screen_size": "big", "resolution": "Full HD"}),
        tv_row(tree, "TV-OLD", price_paise=3_500_000),  # exists: updated
        tv_row(tree, "TV-A", title="again"),  # the same SKU twice in one request
        {
            "sku": "SHIRT-1",
            "title": "Linen shirt",
            "category_id": tree["shirts"].pk,
            "price_paise": 149_900,
            "attributes": {"size": "XXXL", "occasion": ["Office"]},
        },
        {
            "sku": "SHIRT-2",
            "title": "Cotton shirt",
            "category_id": tree["shirts"].pk,
            "price_paise": 99_900,
            "attributes": {"size": "m"},
            "colour": "Blue",
        },
        tv_row(tree, "TV-C", category_id=9999),
    ]

    response = api_for(seller).post(BULK, rows, format="json")

    assert response.status_code == 200
    body = response.json()
    assert (body["created"], body["updated"], body["unchanged"]) == (1, 1, 0)
    assert body["errors"] == [
        {
            "row": 2,
            "sku": "TV-B",
            "errors": {
                "price_paise": ["The price must be more than zero."],
                "attributes.screen_size": ['Expected a number (inch), got the text "big".'],
            },
        },
        {"row": 4, "sku": "TV-A", "errors": {"sku": ["SKU TV-A is also in row 1 of this request."]}},
        {"row": 5, "sku": "SHIRT-1", "errors": {"attributes.size": ['"XXXL" is not one of: S, M, L, XL.']}},
        {"row": 6, "sku": "SHIRT-2", "errors": {"row": ["Unknown fields: colour."]}},
        {"row": 7, "sku": "TV-C", "errors": {"category_id": ["No category with id 9999."]}},
    ]
    assert item_get_by_sku(seller_id=seller.pk, sku="TV-A").title == "Bazaar TV TV-A"
    assert item_get_by_sku(seller_id=seller.pk, sku="TV-OLD").price_paise == 3_500_000
    assert not Item.objects.filter(sku__in=["TV-B", "SHIRT-1", "SHIRT-2", "TV-C"]).exists()
    assert [e.payload["sku"] for e in item_events("catalog.item_created.v1")] == ["TV-OLD", "TV-A"]
    assert [e.payload["sku"] for e in item_events("catalog.item_updated.v1")] == ["TV-OLD"]


def test_uploading_the_same_rows_again_changes_nothing(tree, seller, api_for):
    rows = [tv_row(tree, f"TV-{n}") for n in range(5)]
    client = api_for(seller)
    client.post(BULK, rows, format="json")
    events_before = OutboxEvent.objects.count()

    body = client.post(BULK, rows, format="json").json()

    assert (body["created"], body["updated"], body["unchanged"], body["errors"]) == (0, 0, 5, [])
    assert OutboxEvent.objects.count() == events_before


def test_upsert_replaces_attributes_and_keeps_status(tree, seller, api_for, make_tv):
    item = make_tv(seller, sku="TV-X", status="draft")

    api_for(seller).post(
        BULK, [tv_row(tree, "TV-X", attributes={"screen_size": 43, "resolution": "Full HD"})], format="json"
    )

    after = item_get_by_sku(seller_id=seller.pk, sku="TV-X")
    assert (after.item_id, after.status, after.attributes) == (
        item.item_id,
        "draft",
        {"screen_size": 43, "resolution": "Full HD"},
    )


CSV = (
    "sku,title,brand,category,price,images,attr:screen_size,attr:resolution,attr:smart_tv,attr:size,attr:occasion\n"
    'TV-1,"Bazaar 55"" 4K TV",Bazaar,electronics/televisions,"₹34,999.00",https://img.example/1.jpg,55 inch,'
    "4k ultra hd,yes,,\n"
    "TV-2,Bazaar 43 TV,Bazaar,televisions,29999.999,,43,Full HD,no,,\n"
    "\n"
    "SH-1,Linen shirt,Loom,mens-shirts,1499,,,,,M,Office|Casual\n"
    "SH-2,Silk shirt,Loom,womens-wear,1999,,,,,M,\n"
    "SH-3,Cotton shirt,Loom,mens-shirts,999,,,,,XXL,Gym\n"
    "TV-3,Bazaar 32 TV,Bazaar,televisions,12999,,32,HD Ready,maybe,,\n"
)


def upload(client, text: str | bytes):
    data = text.encode() if isinstance(text, str) else text
    return client.post(
        BULK, {"file": SimpleUploadedFile("items.csv", data, content_type="text/csv")}, format="multipart"
    )


def test_csv_upload_reports_spreadsheet_rows_and_column_names(tree, seller, api_for):
    response = upload(api_for(seller), CSV)

    assert response.status_code == 200
    body = response.json()
    assert (body["created"], body["updated"]) == (2, 0)
    assert body["errors"] == [
        {
            "row": 3,
            "sku": "TV-2",
            "errors": {"price": ['"29999.999": use at most two decimal places (paise).']},
        },
        {
            "row": 6,
            "sku": "SH-2",
            "errors": {"category": ['No category "womens-wear": give its id, its path or its slug.']},
        },
        {
            "row": 7,
            "sku": "SH-3",
            "errors": {
                "attr:size": ['"XXL" is not one of: S, M, L, XL.'],
                "attr:occasion": ['"Gym" is not among: Casual, Office, Festive.'],
            },
        },
        {
            "row": 8,
            "sku": "TV-3",
            "errors": {"attr:smart_tv": ['Expected true or false, got the text "maybe".']},
        },
    ]
    tv = item_get_by_sku(seller_id=seller.pk, sku="TV-1")
    assert (tv.title, tv.price_paise, tv.images) == (
        'Bazaar 55" 4K TV',
        3_499_900,
        ("https://img.example/1.jpg",),
    )
    assert tv.attributes == {"screen_size": 55, "resolution": "4K Ultra HD", "smart_tv": True}
    shirt = item_get_by_sku(seller_id=seller.pk, sku="SH-1")
    assert (shirt.price_paise, shirt.attributes) == (149_900, {"size": "M", "occasion": ["Office", "Casual"]})


def test_a_request_where_every_row_fails_is_a_400_with_the_report(tree, seller, api_for):
    response = api_for(seller).post(BULK, [tv_row(tree, "TV-1", price_paise=-1), "TV-2"], format="json")

    assert response.status_code == 400
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    assert (body["title"], body["created"], body["updated"]) == ("No row was saved", 0, 0)
    assert body["errors"] == [
        {"row": 1, "sku": "TV-1", "errors": {"price_paise": ["The price must be more than zero."]}},
        {"row": 2, "sku": "", "errors": {"row": ["Expected an object with the item's fields."]}},
    ]


def test_too_many_rows_is_refused_whole(tree, seller, api_for):
    rows = [tv_row(tree, f"TV-{n}") for n in range(BULK_MAX_ROWS + 1)]

    response = api_for(seller).post(BULK, rows, format="json")

    assert response.status_code == 400
    assert response.json()["detail"] == (
        "At most 1000 rows per request; this one has 1001. Split it into several requests."
    )
    assert not Item.objects.exists()


def test_a_file_that_is_not_right_is_refused_whole(tree, seller, api_for):
    client = api_for(seller)

    header = upload(client, "sku,title,colour\nA,B,Red\n").json()
    binary = upload(client, b"\xff\xfe\x00s\x00k\x00u").json()
    missing = client.post(BULK, {"other": "x"}, format="multipart").json()
    not_a_list = client.post(BULK, {"sku": "x"}, format="json").json()

    assert header["detail"] == (
        'The header row is not right: unknown column "colour" (attribute columns are '
        "named attr:<code>); missing columns category, price."
    )
    assert binary["detail"].startswith("The file is not UTF-8 text")
    assert missing["errors"] == [{"field": "file", "message": "Attach the CSV file as the field `file`."}]
    assert not_a_list["errors"][0]["message"].startswith("Send a JSON array of items")
    assert not Item.objects.exists()


def test_bulk_of_another_seller_never_touches_my_items(tree, seller, other_seller, api_for, make_tv):
    make_tv(seller, sku="TV-SAME", price_paise=5_000_000)

    body = api_for(other_seller).post(BULK, [tv_row(tree, "TV-SAME")], format="json").json()

    assert body["created"] == 1  # their own item with the same SKU
    assert item_get_by_sku(seller_id=seller.pk, sku="TV-SAME").price_paise == 5_000_000
    assert item_get_by_sku(seller_id=other_seller.pk, sku="TV-SAME").price_paise == 2_999_900
