"""Input and output shapes of the catalog API. Domain checks live in catalog.validation."""

from __future__ import annotations

from drf_spectacular.drainage import set_override
from rest_framework import serializers

from catalog.models import ItemStatus
from catalog.validation import BRAND_MAX, DESCRIPTION_MAX, IMAGES_MAX, TITLE_MAX, URL_MAX


def one_of(choices: list[str], **kwargs) -> serializers.ChoiceField:
    """A choice field documented with a pattern, not an enum: drf-spectacular pools every enum
    named like the field ("status", "type") across the project's components, and sets that
    differ collide (a warning, which `check --deploy` fails on)."""
    pattern = "^(" + "|".join(map(str, choices)) + ")$"
    # On a class of its own: DRF copies declared fields by calling their class again.
    field_class = type("OneOfField", (serializers.ChoiceField,), {})
    set_override(field_class, "field", {"type": "string", "pattern": pattern, "example": str(choices[0])})
    return field_class(choices=choices, **kwargs)


class ItemInputSerializer(serializers.Serializer):
    """An item as a seller sends it. Money is an integer number of paise (₹1 = 100)."""

    sku = serializers.CharField(
        max_length=64, help_text="Your own stock-keeping unit, unique among your items."
    )
    title = serializers.CharField(max_length=TITLE_MAX)
    brand = serializers.CharField(max_length=BRAND_MAX, required=False, allow_blank=True, default="")
    description = serializers.CharField(
        max_length=DESCRIPTION_MAX, required=False, allow_blank=True, default="", trim_whitespace=False
    )
    category_id = serializers.IntegerField(help_text="See GET /api/v1/categories for ids and schemas.")
    price_paise = serializers.IntegerField(min_value=1, help_text="Price in paise: ₹1,299.00 is 129900.")
    currency = one_of(["INR"], default="INR", required=False)
    images = serializers.ListField(
        child=serializers.CharField(max_length=URL_MAX),
        max_length=IMAGES_MAX,
        required=False,
        default=list,
        help_text="Image URLs, the main one first.",
    )
    attributes = serializers.DictField(
        required=False,
        default=dict,
        help_text="Attribute code to value, as the category's schema says: text, number (in the "
        "attribute's unit), true/false, one choice, or a list of choices.",
    )
    status = one_of(
        [ItemStatus.DRAFT.value, ItemStatus.ACTIVE.value],
        default=ItemStatus.ACTIVE.value,
        required=False,
        help_text="draft or active. Retire an item with DELETE.",
    )


class ItemUpdateSerializer(ItemInputSerializer):
    """Any subset of the fields. `attributes` merge into the current ones; null removes one."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, partial=True, **kwargs)
        for field in self.fields.values():
            field.required = False
            field.default = serializers.empty


class ItemOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="item_id")
    sku = serializers.CharField()
    title = serializers.CharField()
    brand = serializers.CharField()
    description = serializers.CharField()
    category_id = serializers.IntegerField()
    category_path = serializers.CharField(help_text='Slugs from the root, e.g. "electronics/mobiles".')
    price_paise = serializers.IntegerField()
    currency = serializers.CharField()
    status = one_of(ItemStatus.values, help_text="draft, active or retired.")
    attributes = serializers.DictField()
    images = serializers.ListField(child=serializers.CharField())
    rating = serializers.DecimalField(max_digits=2, decimal_places=1)
    rating_count = serializers.IntegerField()
    version = serializers.IntegerField(help_text="Goes up with every change.")
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class RowErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField(
        help_text="CSV: the spreadsheet row (the header is row 1). JSON: 1 = first."
    )
    sku = serializers.CharField()
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="Field (CSV: column) to messages.",
    )


class BulkReportSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    errors = RowErrorSerializer(many=True)


class BulkFileSerializer(serializers.Serializer):
    file = serializers.FileField(
        help_text="CSV, UTF-8: sku,title,brand,category,price,description,images,status,attr:<code>..."
    )


class AttributeOutputSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()
    type = one_of(["text", "number", "boolean", "choice", "multi_choice"])
    unit = serializers.CharField()
    choices = serializers.ListField(child=serializers.CharField())
    required = serializers.BooleanField()
    facetable = serializers.BooleanField()
    category_id = serializers.IntegerField(help_text="The category that defines it (itself or an ancestor).")


class CategoryOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    slug = serializers.CharField()
    name = serializers.CharField()
    path = serializers.CharField()
    parent_id = serializers.IntegerField(allow_null=True)
    attributes = AttributeOutputSerializer(many=True, help_text="Inherited ones first.")


# A tree: each category lists its children in the same shape.
CategoryOutputSerializer._declared_fields["children"] = CategoryOutputSerializer(many=True)
