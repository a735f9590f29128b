"""Validation of items: the one place that checks attribute values against a category's schema.

`attributes_validate` is used by the services (so by the API, the bulk upload and the demo data)
and by the admin form. It returns cleaned values or raises `AttributesInvalid` whose `errors`
are keyed by attribute code, one message list per code, every problem at once.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.validators import URLValidator

from catalog.models import CURRENCY_INR, SKU_PATTERN, AttributeType, ItemStatus
from catalog.types import AttributeInfo

WHOLE = ""  # the key of an error about the attributes as a whole
TEXT_MAX = 500
TRUE_WORDS = {"true", "yes", "y", "1"}
FALSE_WORDS = {"false", "no", "n", "0"}
MULTI_SEPARATOR = "|"
TITLE_MAX, BRAND_MAX, DESCRIPTION_MAX = 200, 100, 5000
IMAGES_MAX, URL_MAX = 10, 500
# The shop's own catalog pictures among its static files (the demo items show them).
STATIC_PICTURE_FOLDER = "catalog/"
STATIC_PICTURE_SUFFIXES = (".svg", ".png", ".jpg", ".jpeg", ".gif", ".webp")
_STATIC_PICTURE_PATH = re.compile(r"[A-Za-z0-9_-]+(?:[./][A-Za-z0-9_-]+)+")
PRICE_MAX_PAISE = 100_000_000_00  # ₹10 crore: more is a typo, not a product


class AttributesInvalid(Exception):
    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__(errors)
        self.errors = errors


class ItemInvalid(Exception):
    """Errors keyed by field ("title", "price_paise", "attributes.screen_size", ...)."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__(errors)
        self.errors = errors


def _describe(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "..."
        return f'the text "{shown}"'
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, Mapping):
        return "an object"
    return type(value).__name__


def _is_blank(value: Any) -> bool:
    return (
        value is None
        or (isinstance(value, str) and not value.strip())
        or (isinstance(value, list | tuple) and not value)
    )


def _number(spec: AttributeInfo, value: Any, from_text: bool) -> int | float:
    unit = f" ({spec.unit})" if spec.unit else ""
    if from_text and isinstance(value, str):
        text = value.strip().replace(",", "")
        if spec.unit and text.lower().endswith(spec.unit.lower()):
            text = text[: -len(spec.unit)].strip()
        try:
            parsed = Decimal(text)
        except InvalidOperation:
            raise ValueError(f"Expected a number{unit}, got {_describe(value)}.") from None
        if not parsed.is_finite():
            raise ValueError(f"Expected a finite number{unit}, got {_describe(value)}.")
        return int(parsed) if parsed == parsed.to_integral_value() else float(parsed)
    if isinstance(value, bool) or not isinstance(value, int | float):
        hint = ""
        if isinstance(value, str) and re.fullmatch(r"-?\d+(\.\d+)?", value.strip()):
            hint = f' Send {value.strip()} rather than "{value.strip()}".'
        raise ValueError(f"Expected a number{unit}, got {_describe(value)}.{hint}")
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"Expected a finite number{unit}.")
        return int(value) if value.is_integer() else round(value, 6)
    return value


def _boolean(value: Any, from_text: bool) -> bool:
    if isinstance(value, bool):
        return value
    if from_text and isinstance(value, str):
        word = value.strip().lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
    raise ValueError(f"Expected true or false, got {_describe(value)}.")


def _choice(spec: AttributeInfo, value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"Expected one of: {', '.join(spec.choices)}; got {_describe(value)}.")
    wanted = value.strip()
    for choice in spec.choices:  # case-insensitive, stored as the schema spells it
        if choice.lower() == wanted.lower():
            return choice
    raise ValueError(f'"{wanted}" is not one of: {", ".join(spec.choices)}.')


def _multi_choice(spec: AttributeInfo, value: Any, from_text: bool) -> list[str]:
    if from_text and isinstance(value, str):
        value = [part for part in value.split(MULTI_SEPARATOR) if part.strip()]
    if not isinstance(value, list | tuple):
        raise ValueError(
            f"Expected a list of values from: {', '.join(spec.choices)}; got {_describe(value)}."
        )
    chosen: list[str] = []
    unknown: list[str] = []
    for element in value:
        try:
            choice = _choice(spec, element)
        except ValueError:
            unknown.append(element.strip() if isinstance(element, str) else _describe(element))
            continue
        if choice not in chosen:
            chosen.append(choice)
    if unknown:
        listed = ", ".join(f'"{u}"' for u in unknown)
        raise ValueError(
            f"{listed} {'is' if len(unknown) == 1 else 'are'} not among: {', '.join(spec.choices)}."
        )
    return chosen


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"Expected text, got {_describe(value)}.")
    text = value.strip()
    if len(text) > TEXT_MAX:
        raise ValueError(f"At most {TEXT_MAX} characters (this has {len(text)}).")
    return text


def attribute_value_clean(spec: AttributeInfo, value: Any, *, from_text: bool = False) -> Any:
    """One value, cleaned to its JSON form; ValueError with a message for the person who sent it."""
    if spec.type == AttributeType.TEXT:
        return _text(value)
    if spec.type == AttributeType.NUMBER:
        return _number(spec, value, from_text)
    if spec.type == AttributeType.BOOLEAN:
        return _boolean(value, from_text)
    if spec.type == AttributeType.CHOICE:
        return _choice(spec, value)
    if spec.type == AttributeType.MULTI_CHOICE:
        return _multi_choice(spec, value, from_text)
    raise ValueError(f"The schema has an unknown attribute type {spec.type!r}.")


def attributes_validate(
    schema: Sequence[AttributeInfo],
    values: Mapping[str, Any] | None,
    *,
    category_name: str = "this category",
    from_text: bool = False,
) -> dict[str, Any]:
    """Check `values` against `schema` (a category's effective schema); return the cleaned values.

    from_text: the values come from text (a CSV cell, a form field): "55 inch" is a number,
    "yes" a boolean, "Red|Blue" a multi-choice list. Blank values count as absent.
    Raises AttributesInvalid with every error, keyed by attribute code.
    """
    if values is None:
        values = {}
    if not isinstance(values, Mapping):
        raise AttributesInvalid(
            {WHOLE: [f"Expected an object of attribute code to value, got {_describe(values)}."]}
        )
    by_code = {spec.code: spec for spec in schema}
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {}
    for code in values:
        if code not in by_code:
            known = ", ".join(by_code) or "none"
            errors[str(code)] = [
                f'Unknown attribute "{code}" for {category_name}. Known attributes: {known}.'
            ]
    for spec in schema:  # schema order: the stored document reads like the schema
        value = values.get(spec.code)
        if _is_blank(value):
            if spec.required:
                errors[spec.code] = [f"{spec.label} is required for {category_name}."]
            continue
        try:
            cleaned[spec.code] = attribute_value_clean(spec, value, from_text=from_text)
        except ValueError as exc:
            errors[spec.code] = [str(exc)]
            continue
        if spec.required and _is_blank(cleaned[spec.code]):
            errors[spec.code] = [f"{spec.label} is required for {category_name}."]
    if errors:
        raise AttributesInvalid(errors)
    return cleaned


def schema_problems(*, type: str, unit: str, choices: Any, variant_option: bool = False) -> dict[str, list[str]]:
    """What is wrong with one attribute definition (used by services and the admin form)."""
    errors: dict[str, list[str]] = {}
    if variant_option and type != AttributeType.CHOICE:
        errors["variant_option"] = ["Only a one-of-a-list attribute can define variants (each variant has one value)."]
    if type not in AttributeType.values:
        errors["type"] = [f"Use one of: {', '.join(AttributeType.values)}."]
    if unit and type != AttributeType.NUMBER:
        errors["unit"] = ["Only numbers have a unit."]
    is_choice = type in (AttributeType.CHOICE, AttributeType.MULTI_CHOICE)
    if is_choice:
        if (
            not isinstance(choices, list | tuple)
            or not choices
            or not all(isinstance(c, str) and c.strip() for c in choices)
        ):
            errors["choices"] = ["A choice attribute needs a non-empty list of texts."]
        elif len({c.strip().lower() for c in choices}) != len(choices):
            errors["choices"] = ["Choices must differ (ignoring case)."]
        elif any(MULTI_SEPARATOR in c for c in choices):
            errors["choices"] = [f'A choice may not contain "{MULTI_SEPARATOR}".']
    elif choices:
        errors["choices"] = ["Only choice and multi-choice attributes have choices."]
    return errors


# --- the item's own fields -------------------------------------------------------------------

_sku_re = re.compile(SKU_PATTERN)
_url = URLValidator(schemes=["http", "https"])


def item_fields_problems(fields: Mapping[str, Any]) -> dict[str, list[str]]:
    """Check whichever of the item's own fields are given; errors keyed by field name."""
    errors: dict[str, list[str]] = {}

    def text(name: str, limit: int, *, required: bool) -> None:
        if name not in fields:
            return
        value = fields[name]
        if not isinstance(value, str):
            errors[name] = [f"Expected text, got {_describe(value)}."]
        elif required and not value.strip():
            errors[name] = ["This field may not be blank."]
        elif len(value) > limit:
            errors[name] = [f"At most {limit} characters (this has {len(value)})."]

    if "sku" in fields:
        sku = fields["sku"]
        if not isinstance(sku, str) or not _sku_re.match(sku):
            errors["sku"] = ["Use 1-64 letters, digits and . _ / - (starting with a letter or digit)."]
    text("title", TITLE_MAX, required=True)
    text("brand", BRAND_MAX, required=False)
    text("description", DESCRIPTION_MAX, required=False)
    if "price_paise" in fields:
        price = fields["price_paise"]
        if isinstance(price, bool) or not isinstance(price, int):
            errors["price_paise"] = [f"Expected a whole number of paise, got {_describe(price)}."]
        elif price <= 0:
            errors["price_paise"] = ["The price must be more than zero."]
        elif price > PRICE_MAX_PAISE:
            errors["price_paise"] = [f"At most {PRICE_MAX_PAISE} paise (₹10 crore)."]
    if "currency" in fields and fields["currency"] != CURRENCY_INR:
        errors["currency"] = [f"Only {CURRENCY_INR} is supported."]
    if "status" in fields and fields["status"] not in (ItemStatus.DRAFT, ItemStatus.ACTIVE):
        errors["status"] = ['Use "draft" or "active"; retire an item by deleting it.']
    if "images" in fields:
        errors.update(_image_problems(fields["images"]))
    return errors


def is_uploaded_image_url(url: str) -> bool:
    """A picture a seller uploaded: stored by us, under MEDIA_URL/items/."""
    return url.startswith(default_storage.url("items/")) and ".." not in url


def is_shop_static_picture_url(url: str) -> bool:
    """A picture the shop ships in its static files under catalog/ (the demo items' pictures,
    e.g. /static/catalog/demo/mob.svg, or a hashed name collectstatic gave one)."""
    prefix = f"{settings.STATIC_URL}{STATIC_PICTURE_FOLDER}"
    rest = url.removeprefix(prefix)
    return (url.startswith(prefix) and ".." not in rest and _STATIC_PICTURE_PATH.fullmatch(rest) is not None
            and rest.lower().endswith(STATIC_PICTURE_SUFFIXES))


def _image_problems(images: Any) -> dict[str, list[str]]:
    if not isinstance(images, list | tuple):
        return {"images": [f"Expected a list of image URLs, got {_describe(images)}."]}
    if len(images) > IMAGES_MAX:
        return {"images": [f"At most {IMAGES_MAX} images."]}
    problems = []
    for position, url in enumerate(images, start=1):
        try:
            if not isinstance(url, str) or len(url) > URL_MAX:
                raise ValidationError("bad")
            if is_uploaded_image_url(url) or is_shop_static_picture_url(url):
                continue
            _url(url)
        except ValidationError:
            problems.append(f"Image {position} is not an http(s) URL of at most {URL_MAX} characters.")
    return {"images": problems} if problems else {}
