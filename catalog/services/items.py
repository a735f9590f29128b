"""One item at a time: create, update (attributes merge; optimistic concurrency), retire, rating.
Every change emits its `catalog.item_*.v1` event in its transaction.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.db import transaction

from catalog.documents import documents_read
from catalog.models import CURRENCY_INR, Category, ItemStatus
from catalog.selectors import category_schema, snapshot_of
from catalog.services.common import (
    ITEM_RETIRED,
    ITEM_UPDATED,
    OPTIMISTIC_ATTEMPTS,
    UNSET,
    ItemConflict,
    _apply,
    _attributes_clean,
    _category_and_schema,
    _create,
    _load,
    _locked_if_unchanged,
    _sku_taken,
    _Unset,
    _Variant,
)
from catalog.types import AttributeInfo, ItemSnapshot
from catalog.validation import (
    ItemInvalid,
    item_fields_problems,
)
from catalog.variants import (
    VariantPlan,
    groups_locked,
    variant_plan,
    variant_target,
)
from events.interface import emit


def item_attributes_problems(*, category_id: Any, attributes: Any) -> dict[str, list[str]]:
    """What is wrong with an item's category and attributes, keyed as `item_create` keys them. For
    the API to report these together with errors in the other fields, which stop its own checks
    before the service is reached; {} when both are right."""
    errors: dict[str, list[str]] = {}
    category, schema = _category_and_schema(category_id, errors)
    if category is not None:
        _attributes_clean(schema, category, attributes, errors)
    return errors


def _merge_patch(current: Mapping[str, Any], patch: Any) -> Any:
    """RFC 7396 for one level: keys in `patch` replace, null removes, the rest stays."""
    if not isinstance(patch, Mapping):
        return patch  # let the validator say what is wrong with it
    merged = dict(current)
    for code, value in patch.items():
        if value is None:
            merged.pop(code, None)
        else:
            merged[code] = value
    return merged


def item_create(
    *,
    seller_id: int,
    sku: str,
    title: str,
    category_id: int,
    price_paise: int,
    brand: str = "",
    description: str = "",
    currency: str = CURRENCY_INR,
    images: Sequence[str] = (),
    attributes: Mapping[str, Any] | None = None,
    status: str = ItemStatus.ACTIVE,
    from_text: bool = False,
    parent_sku: str | None = None,
) -> ItemSnapshot:
    """Create a seller's item. Raises ItemInvalid with every error keyed by field.

    With `parent_sku`, the item is a variant of the seller's listing of that parent SKU (created
    on first use): see catalog.variants for what that asks of it."""
    fields = {
        "sku": sku,
        "title": title,
        "brand": brand,
        "description": description,
        "price_paise": price_paise,
        "currency": currency,
        "images": list(images),
        "status": status,
    }
    errors = item_fields_problems(fields)
    category, schema = _category_and_schema(category_id, errors)
    cleaned = _attributes_clean(schema, category, attributes, errors, from_text=from_text) if category else {}
    plan = _plan(parent_sku, category, schema, cleaned, errors)
    if "sku" not in errors and (existing := _sku_taken(seller_id=seller_id, sku=sku)):
        errors["sku"] = [f"You already have an item with this SKU (id {existing})."]
    if errors or category is None:  # no category: `errors` says why
        raise ItemInvalid(errors)
    with transaction.atomic():
        variant: _Variant = (None, None, None)
        if plan is not None:
            group = groups_locked(seller_id=seller_id, wanted={plan.parent_sku: (category, title.strip())})
            variant = (*variant_target(item_id=None, group=group[plan.parent_sku], plan=plan, category=category,
                                       status=status), plan)
        return _create(seller_id=seller_id, category=category, fields=fields, attributes=cleaned, variant=variant)


def _plan(parent_sku: Any, category: Category | None, schema: list[AttributeInfo], cleaned: dict[str, Any],
          errors: dict[str, list[str]]) -> VariantPlan | None:
    if category is None:
        return None
    attributes_ok = not any(name == "attributes" or name.startswith("attributes.") for name in errors)
    return variant_plan(parent_sku=parent_sku, schema=schema, attributes=cleaned if attributes_ok else None,
                        category_name=category.name, errors=errors)


def item_update(
    *,
    item_id: int,
    seller_id: int | None = None,
    sku: str | _Unset = UNSET,
    title: str | _Unset = UNSET,
    brand: str | _Unset = UNSET,
    description: str | _Unset = UNSET,
    category_id: int | _Unset = UNSET,
    price_paise: int | _Unset = UNSET,
    currency: str | _Unset = UNSET,
    images: Sequence[str] | _Unset = UNSET,
    status: str | _Unset = UNSET,
    attributes: Mapping[str, Any] | _Unset | None = UNSET,
    replace_attributes: bool = False,
    parent_sku: str | _Unset | None = UNSET,
) -> ItemSnapshot:
    """Change an item; `attributes` merge into the current ones (null removes one) unless
    `replace_attributes`. With `seller_id`, only that seller's item is found (else ItemNotFound).
    A change of category re-validates the attributes against the new category's schema.
    `parent_sku`: make it a variant of that listing; None or "" takes it out of its listing.
    A variant's options are re-checked on every change (catalog.variants).
    """
    given: dict[str, Any] = {
        name: value
        for name, value in {
            "sku": sku,
            "title": title,
            "brand": brand,
            "description": description,
            "price_paise": price_paise,
            "currency": currency,
            "status": status,
        }.items()
        if not isinstance(value, _Unset)
    }
    if not isinstance(images, _Unset):
        given["images"] = list(images)
    for name in ("title", "brand"):
        if isinstance(given.get(name), str):
            given[name] = given[name].strip()
    for _ in range(OPTIMISTIC_ATTEMPTS):
        item = _load(item_id, seller_id)
        current = documents_read([item])[item.pk]  # may be network I/O: outside the transaction
        errors = item_fields_problems(given)
        category: Category | None
        if isinstance(category_id, _Unset):
            category, schema = item.category, category_schema(item.category)
        else:
            category, schema = _category_and_schema(category_id, errors)
        if isinstance(attributes, _Unset):
            wanted: Any = dict(current)
        elif replace_attributes:
            wanted = attributes
        else:
            wanted = _merge_patch(current, attributes)
        cleaned = _attributes_clean(schema, category, wanted, errors) if category else {}
        target = item.variant_group.parent_sku if item.variant_group is not None else None
        if not isinstance(parent_sku, _Unset):
            target = parent_sku or None
        plan = _plan(target, category, schema, cleaned, errors)
        if (
            "sku" in given
            and "sku" not in errors
            and (other := _sku_taken(seller_id=item.seller_id, sku=given["sku"], exclude_id=item.pk))
        ):
            errors["sku"] = [f"You already have an item with this SKU (id {other})."]
        if errors or category is None:  # no category: `errors` says why
            raise ItemInvalid(errors)
        with transaction.atomic():
            locked = _locked_if_unchanged(item)
            if locked is None:
                continue
            variant: _Variant = (None, None, None)
            if plan is not None:
                group = groups_locked(seller_id=locked.seller_id, wanted={plan.parent_sku: (category, locked.title)})
                variant = (*variant_target(item_id=locked.pk, group=group[plan.parent_sku], plan=plan,
                                           category=category, status=given.get("status", locked.status)), plan)
            if _apply(locked, category=category, fields=given, attributes=cleaned, current=current,
                      variant=variant):
                snapshot = snapshot_of(locked, cleaned)
                emit(ITEM_UPDATED, key=locked.pk, payload=snapshot.as_payload())
                return snapshot
            return snapshot_of(locked, current)
    raise ItemConflict(item_id)


def item_retire(*, item_id: int, seller_id: int | None = None) -> ItemSnapshot:
    """Take an item off sale for good (it stays readable for orders). Retiring twice is a no-op."""
    for _ in range(OPTIMISTIC_ATTEMPTS):
        item = _load(item_id, seller_id)
        current = documents_read([item])[item.pk]
        if item.status == ItemStatus.RETIRED:
            return snapshot_of(item, current)
        with transaction.atomic():
            locked = _locked_if_unchanged(item)
            if locked is None:
                continue
            locked.status = ItemStatus.RETIRED
            locked.variant_key = None  # its combination is free for a new variant
            locked.version += 1
            locked.save(update_fields=["status", "variant_key", "version", "updated_at"])
            snapshot = snapshot_of(locked, current)
            emit(ITEM_RETIRED, key=locked.pk, payload=snapshot.as_payload())
            return snapshot
    raise ItemConflict(item_id)


def item_rating_set(*, item_id: int, rating: Decimal, rating_count: int) -> ItemSnapshot:
    """Record an item's average rating (0-5, one decimal) and how many ratings it has."""
    rating = Decimal(rating).quantize(Decimal("0.1"))
    if not Decimal(0) <= rating <= Decimal(5) or rating_count < 0:
        raise ItemInvalid({"rating": ["A rating is between 0 and 5, from zero or more ratings."]})
    for _ in range(OPTIMISTIC_ATTEMPTS):
        item = _load(item_id, None)
        current = documents_read([item])[item.pk]
        with transaction.atomic():
            locked = _locked_if_unchanged(item)
            if locked is None:
                continue
            if (locked.rating, locked.rating_count) == (rating, rating_count):
                return snapshot_of(locked, current)
            locked.rating, locked.rating_count = rating, rating_count
            locked.version += 1
            locked.save(update_fields=["rating", "rating_count", "version", "updated_at"])
            snapshot = snapshot_of(locked, current)
            emit(ITEM_UPDATED, key=locked.pk, payload=snapshot.as_payload())
            return snapshot
    raise ItemConflict(item_id)
