"""Input and output shapes of the catalog API. Domain checks live in catalog.validation."""

from __future__ import annotations

import re

from django.conf import settings
from drf_spectacular.drainage import set_override
from drf_spectacular.extensions import OpenApiSerializerExtension
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from catalog.models import SKU_PATTERN, ItemStatus
from catalog.services import BULK_MAX_ROWS
from catalog.validation import (
    BRAND_MAX,
    DESCRIPTION_MAX,
    IMAGES_MAX,
    PRICE_MAX_PAISE,
    STATIC_PICTURE_FOLDER,
    TITLE_MAX,
    URL_MAX,
)
from shop.api import NOT_BLANK, StrictCharField, StrictIntegerField, WholeRegexField
from shop.converters import MAX_ID


def one_of(choices: list[str], **kwargs) -> serializers.ChoiceField:
    """A choice field documented with a pattern, not an enum: drf-spectacular pools every enum
    named like the field ("status", "type") across the project's components, and sets that
    differ collide (a warning, which `check --deploy` fails on)."""
    pattern = "^(" + "|".join(map(str, choices)) + ")$"
    # On a class of its own: DRF copies declared fields by calling their class again.
    field_class = type("OneOfField", (serializers.ChoiceField,), {})
    set_override(field_class, "field", {"type": "string", "pattern": pattern, "example": str(choices[0])})
    return field_class(choices=choices, **kwargs)


# What catalog.validation accepts as a picture, as a pattern the schema can carry: an http(s) URL
# (a subset of what Django's URLValidator passes: host names, a port, a path, a query), a picture a
# seller uploaded (MEDIA_URL items/...), or one of the shop's own catalog pictures (STATIC_URL).
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_WORD = r"[A-Za-z0-9_-]+"
_PCHAR = r"[A-Za-z0-9._~%!$&'()*+,;=:@-]"
_WEB = (rf"https?://{_LABEL}(?:\.{_LABEL}){{0,2}}\.[A-Za-z]{{2,24}}(?::[0-9]{{1,5}})?"
        rf"(?:/{_PCHAR}*)*(?:\?(?:{_PCHAR}|[/?])*)?")
_LOCAL = []  # under an absolute MEDIA_URL (object storage), uploads are web URLs
if settings.MEDIA_URL.startswith("/"):
    _LOCAL.append(rf"{re.escape(settings.MEDIA_URL)}items/{_WORD}(?:[./]{_WORD})*")
if settings.STATIC_URL.startswith("/"):
    _LOCAL.append(rf"{re.escape(settings.STATIC_URL + STATIC_PICTURE_FOLDER)}{_WORD}(?:[./]{_WORD})*"
                  r"\.(?:svg|png|jpe?g|gif|webp|SVG|PNG|JPE?G|GIF|WEBP)")
IMAGE_URL_PATTERN = "^(?:" + "|".join([_WEB, *_LOCAL]) + ")$"
IMAGE_LIST_SCHEMA = {"type": "array", "maxItems": IMAGES_MAX,
                     "items": {"type": "string", "maxLength": URL_MAX, "pattern": IMAGE_URL_PATTERN}}


@extend_schema_field(IMAGE_LIST_SCHEMA)
class ImageListField(serializers.ListField):
    """Image URLs; each one wrong is one message on `images` ("Image 2 is not ..."), as the services say."""

    _url = re.compile(IMAGE_URL_PATTERN.removeprefix("^").removesuffix("$"))

    def __init__(self, **kwargs):
        super().__init__(child=StrictCharField(max_length=URL_MAX, trim_whitespace=False),
                         max_length=IMAGES_MAX, **kwargs)

    def to_internal_value(self, data):
        try:
            urls = super().to_internal_value(data)
        except serializers.ValidationError as exc:
            if not isinstance(exc.detail, dict):  # not a list, or too long
                raise
            urls = None
        if urls is None or any(not isinstance(url, str) or not self._url.fullmatch(url) for url in urls):
            raise serializers.ValidationError([
                f"Image {position} is not an http(s) URL of at most {URL_MAX} characters."
                for position, url in enumerate(data, start=1)
                if not isinstance(url, str) or len(url) > URL_MAX or not self._url.fullmatch(url)])
        return urls


@extend_schema_field({**IMAGE_LIST_SCHEMA, "nullable": True})
class NullableImageListField(ImageListField):
    pass


class ItemInputSerializer(serializers.Serializer):
    """An item as a seller sends it. Money is an integer number of paise (₹1 = 100)."""

    sku = WholeRegexField(
        SKU_PATTERN, max_length=64,
        help_text="Your own stock-keeping unit, unique among your items: 1-64 letters, digits and . _ / - "
                  "(starting with a letter or digit).",
    )
    title = StrictCharField(max_length=TITLE_MAX, validators=[NOT_BLANK])
    brand = StrictCharField(max_length=BRAND_MAX, required=False, allow_blank=True, default="")
    description = StrictCharField(
        max_length=DESCRIPTION_MAX, required=False, allow_blank=True, default="", trim_whitespace=False
    )
    category_id = StrictIntegerField(min_value=1, max_value=MAX_ID,
                                     help_text="See GET /api/v1/categories for ids and schemas.")
    price_paise = StrictIntegerField(min_value=1, max_value=PRICE_MAX_PAISE,
                                     help_text="Price in paise: ₹1,299.00 is 129900 (at most ₹10 crore).")
    currency = one_of(["INR"], default="INR", required=False)
    images = ImageListField(required=False, default=list, help_text="Image URLs, the main one first.")
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
    parent_sku = WholeRegexField(
        SKU_PATTERN, max_length=64, required=False, allow_null=True,
        help_text="Makes the item one variant of a listing with options: your items with the same parent "
                  "SKU are one listing (made with its first variant). The category must have options "
                  "(`variant_option` attributes); each variant needs a value for each, and its own "
                  "combination of them. null: not a variant (on update: leaves its listing).",
    )


class BulkItemRowSerializer(ItemInputSerializer):
    """One row of a JSON bulk upload: the fields of an item, and no others (an unknown field is
    reported for its row); null is the same as leaving an optional field out. The attributes
    replace the stored ones; status is kept unless sent (a new item is active)."""

    # Schema only: the rows go to the bulk service as sent, which takes any character in text.
    nul_characters_allowed = True

    brand = StrictCharField(max_length=BRAND_MAX, required=False, allow_blank=True, allow_null=True)
    description = StrictCharField(max_length=DESCRIPTION_MAX, required=False, allow_blank=True, allow_null=True,
                                  trim_whitespace=False)
    currency = one_of(["INR"], required=False, allow_null=True)
    images = NullableImageListField(required=False, allow_null=True, help_text="Image URLs, the main one first.")
    attributes = serializers.DictField(required=False, allow_null=True,
                                       help_text="As for one item; they replace the stored ones.")
    status = one_of([ItemStatus.DRAFT.value, ItemStatus.ACTIVE.value], required=False, allow_null=True,
                    help_text="draft or active; kept unless sent.")
    parent_sku = WholeRegexField(SKU_PATTERN, max_length=64, required=False, allow_null=True,
                                 help_text="The listing this item is a variant of (as for one item); kept "
                                           "unless sent.")


class _ClosedBulkRow(OpenApiSerializerExtension):
    """The schema of a bulk row says what the service checks: no fields beyond these."""

    target_class = BulkItemRowSerializer

    def map_serializer(self, auto_schema, direction):
        schema = auto_schema._map_serializer(self.target, direction, bypass_extensions=True)
        return {**schema, "additionalProperties": False}


class BulkRowsSerializer(serializers.Serializer):
    """Schema only (the view reads the array): the JSON body of a bulk upload."""


class _BulkRows(OpenApiSerializerExtension):
    target_class = BulkRowsSerializer

    def map_serializer(self, auto_schema, direction):
        row = auto_schema.resolve_serializer(BulkItemRowSerializer, direction)
        return {"type": "array", "minItems": 1, "maxItems": BULK_MAX_ROWS, "items": row.ref,
                "description": f"1 to {BULK_MAX_ROWS} items. Each row is checked on its own: a bad row is "
                               "reported in the answer's `errors`, the good ones are saved."}


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
    parent_sku = serializers.CharField(allow_null=True, help_text="The listing it is a variant of; null if none.")
    variant_group_id = serializers.IntegerField(allow_null=True, help_text="That listing's id; null if none.")

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["parent_sku"] = data["parent_sku"] or None
        return data


class RowErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField(
        help_text="CSV: the spreadsheet row (the header is row 1). JSON: 1 = first."
    )
    sku = serializers.CharField()
    errors = serializers.DictField(  # type: ignore[assignment]  # DRF moves declared fields off the class: no clash with Serializer.errors
        child=serializers.ListField(child=serializers.CharField()),
        help_text="Field (CSV: column) to messages.",
    )


class BulkReportSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    errors = RowErrorSerializer(many=True)  # type: ignore[assignment]  # DRF moves declared fields off the class: no clash with Serializer.errors


class BulkRejectedSerializer(serializers.Serializer):
    """The 400 of a bulk upload, as problem JSON: no row saved (with the report), or the request
    refused whole (too many rows, a file that isn't CSV, not an array: no report)."""

    type = serializers.CharField()
    title = serializers.CharField()
    status = serializers.IntegerField()
    detail = serializers.CharField(required=False)
    created = serializers.IntegerField(required=False)
    updated = serializers.IntegerField(required=False)
    unchanged = serializers.IntegerField(required=False)
    errors = serializers.ListField(  # type: ignore[assignment]  # DRF moves declared fields off the class: no clash with Serializer.errors
        child=serializers.DictField(), required=False,
        help_text="With a report, RowError entries; for a request refused whole, {field, message} entries.")


class BulkFileSerializer(serializers.Serializer):
    file = serializers.FileField(
        help_text="CSV, UTF-8: sku,title,brand,category,price,description,images,status,parent_sku,attr:<code>..."
    )


class AttributeOutputSerializer(serializers.Serializer):
    # DRF moves declared fields off the class, so `label` and `required` don't clash with Field's.
    code = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]  # see above
    type = one_of(["text", "number", "boolean", "choice", "multi_choice"])
    unit = serializers.CharField()
    choices = serializers.ListField(child=serializers.CharField())
    required = serializers.BooleanField()  # type: ignore[assignment]  # see above
    facetable = serializers.BooleanField()
    category_id = serializers.IntegerField(help_text="The category that defines it (itself or an ancestor).")
    variant_option = serializers.BooleanField(
        help_text="Defines variants: the variants of a listing in this category differ by it.")


class CategoryOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    slug = serializers.CharField()
    name = serializers.CharField()
    path = serializers.CharField()
    parent_id = serializers.IntegerField(allow_null=True)
    attributes = AttributeOutputSerializer(many=True, help_text="Inherited ones first.")


# A tree: each category lists its children in the same shape.
CategoryOutputSerializer._declared_fields["children"] = CategoryOutputSerializer(many=True)
