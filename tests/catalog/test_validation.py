"""Attribute values against a category's schema: every kind of error, said clearly, keyed by code."""

from __future__ import annotations

import pytest

from catalog.selectors import category_schema
from catalog.services import CategoryInvalid, attribute_define, item_create
from catalog.types import AttributeInfo
from catalog.validation import AttributesInvalid, ItemInvalid, attributes_validate, item_fields_problems

SCHEMA = [
    AttributeInfo(code="screen_size", label="Screen size", type="number", unit="inch", required=True),
    AttributeInfo(
        code="resolution",
        label="Resolution",
        type="choice",
        choices=("HD Ready", "Full HD", "4K Ultra HD"),
        required=True,
    ),
    AttributeInfo(code="smart_tv", label="Smart TV", type="boolean"),
    AttributeInfo(
        code="occasion", label="Occasion", type="multi_choice", choices=("Casual", "Office", "Festive")
    ),
    AttributeInfo(code="model", label="Model", type="text"),
]


def errors_of(values, **kwargs) -> dict[str, list[str]]:
    with pytest.raises(AttributesInvalid) as caught:
        attributes_validate(SCHEMA, values, category_name="Televisions", **kwargs)
    return caught.value.errors


def test_valid_values_come_back_cleaned_in_schema_order():
    cleaned = attributes_validate(
        SCHEMA,
        {
            "model": " X1 ",
            "occasion": ["office", "Casual", "Office"],
            "smart_tv": False,
            "resolution": "4k ultra hd",
            "screen_size": 54.6,
        },
    )
    assert list(cleaned) == ["screen_size", "resolution", "smart_tv", "occasion", "model"]
    assert cleaned == {
        "screen_size": 54.6,
        "resolution": "4K Ultra HD",
        "smart_tv": False,
        "occasion": ["Office", "Casual"],
        "model": "X1",
    }


def test_missing_required_values_are_named():
    errors = errors_of({"smart_tv": True})
    assert errors == {
        "screen_size": ["Screen size is required for Televisions."],
        "resolution": ["Resolution is required for Televisions."],
    }


def test_blank_and_null_count_as_missing():
    errors = errors_of({"screen_size": None, "resolution": "  "})
    assert set(errors) == {"screen_size", "resolution"}


def test_unknown_attribute_lists_the_known_ones():
    errors = errors_of({"screen_size": 55, "resolution": "Full HD", "colour": "Black"})
    assert errors == {
        "colour": [
            'Unknown attribute "colour" for Televisions. Known attributes: '
            "screen_size, resolution, smart_tv, occasion, model."
        ]
    }


def test_unknown_choice_lists_the_allowed_ones():
    errors = errors_of({"screen_size": 55, "resolution": "8K", "occasion": ["Casual", "Wedding", "Gym"]})
    assert errors["resolution"] == ['"8K" is not one of: HD Ready, Full HD, 4K Ultra HD.']
    assert errors["occasion"] == ['"Wedding", "Gym" are not among: Casual, Office, Festive.']


@pytest.mark.parametrize(
    ("code", "value", "message"),
    [
        ("screen_size", "55", 'Expected a number (inch), got the text "55". Send 55 rather than "55".'),
        ("screen_size", "big", 'Expected a number (inch), got the text "big".'),
        ("screen_size", True, "Expected a number (inch), got true."),
        ("screen_size", float("nan"), "Expected a finite number (inch)."),
        ("smart_tv", "yes", 'Expected true or false, got the text "yes".'),
        ("smart_tv", 1, "Expected true or false, got the number 1."),
        ("model", 42, "Expected text, got the number 42."),
        ("resolution", ["Full HD"], "Expected one of: HD Ready, Full HD, 4K Ultra HD; got a list."),
        (
            "occasion",
            "Casual",
            'Expected a list of values from: Casual, Office, Festive; got the text "Casual".',
        ),
    ],
)
def test_wrong_type_says_what_was_expected_and_what_came(code, value, message):
    values = {"screen_size": 55, "resolution": "Full HD", code: value}
    assert errors_of(values) == {code: [message]}


def test_all_errors_are_reported_at_once():
    errors = errors_of({"screen_size": "x", "resolution": "8K", "smart_tv": "maybe", "colour": "Red"})
    assert set(errors) == {"screen_size", "resolution", "smart_tv", "colour"}


def test_not_an_object_is_one_error_about_the_whole():
    assert errors_of(["screen_size", 55]) == {
        "": ["Expected an object of attribute code to value, got a list."]
    }


def test_text_mode_reads_csv_cells_and_form_fields():
    cleaned = attributes_validate(
        SCHEMA,
        {
            "screen_size": "55 inch",
            "resolution": "full hd",
            "smart_tv": "Yes",
            "occasion": "Casual|office",
            "model": "",
        },
        from_text=True,
    )
    assert cleaned == {
        "screen_size": 55,
        "resolution": "Full HD",
        "smart_tv": True,
        "occasion": ["Casual", "Office"],
    }
    assert (
        attributes_validate(SCHEMA, {"screen_size": "1,024.5", "resolution": "HD Ready"}, from_text=True)[
            "screen_size"
        ]
        == 1024.5
    )


def test_item_fields_are_checked_too():
    problems = item_fields_problems(
        {
            "sku": "has space",
            "title": "  ",
            "price_paise": 12.5,
            "currency": "USD",
            "images": ["ftp://x/y.png", "https://img.example/a.jpg"],
            "status": "retired",
        }
    )
    assert problems == {
        "sku": ["Use 1-64 letters, digits and . _ / - (starting with a letter or digit)."],
        "title": ["This field may not be blank."],
        "price_paise": ["Expected a whole number of paise, got the number 12.5."],
        "currency": ["Only INR is supported."],
        "images": ["Image 1 is not an http(s) URL of at most 500 characters."],
        "status": ['Use "draft" or "active"; retire an item by deleting it.'],
    }
    assert item_fields_problems({"price_paise": 0}) == {"price_paise": ["The price must be more than zero."]}


def test_a_category_inherits_its_ancestors_attributes(tree):
    codes = [spec.code for spec in category_schema(tree["tvs"])]
    assert codes == ["warranty_months", "screen_size", "resolution", "smart_tv"]
    assert [spec.code for spec in category_schema(tree["electronics"])] == ["warranty_months"]


def test_item_create_reports_every_problem_keyed_by_field(tree, seller):
    with pytest.raises(ItemInvalid) as caught:
        item_create(
            seller_id=seller.pk,
            sku="TV-1",
            title="TV",
            category_id=tree["tvs"].pk,
            price_paise=-5,
            attributes={"screen_size": "55", "resolution": "8K", "warranty_months": 12, "hdr": True},
        )
    assert caught.value.errors == {
        "price_paise": ["The price must be more than zero."],
        "attributes.hdr": [
            'Unknown attribute "hdr" for Televisions. Known attributes: warranty_months, '
            "screen_size, resolution, smart_tv."
        ],
        "attributes.screen_size": ['Expected a number (inch), got the text "55". Send 55 rather than "55".'],
        "attributes.resolution": ['"8K" is not one of: HD Ready, Full HD, 4K Ultra HD.'],
    }


def test_schema_definitions_are_checked(tree):
    with pytest.raises(CategoryInvalid) as clash:
        attribute_define(category_id=tree["tvs"].pk, code="warranty_months", label="W", type="number")
    assert "already an attribute" in clash.value.errors["code"][0]
    with pytest.raises(CategoryInvalid) as below:  # a subcategory has it already
        attribute_define(category_id=tree["electronics"].pk, code="screen_size", label="S", type="number")
    assert "code" in below.value.errors
    with pytest.raises(CategoryInvalid) as bad:
        attribute_define(category_id=tree["tvs"].pk, code="panel", label="Panel", type="choice", unit="inch")
    assert bad.value.errors == {
        "unit": ["Only numbers have a unit."],
        "choices": ["A choice attribute needs a non-empty list of texts."],
    }
