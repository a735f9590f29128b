"""What the catalog's use cases share: the event types, the errors, the `UNSET` marker, and the
item-write steps that item create/update, the bulk upload and the picture upload all use.

Reading the current attributes may be a network call (MongoDB), so item updates read first,
outside any transaction, and then write under the item's row lock only if the item's version
is still the one they read (optimistic concurrency, retried a few times).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from django.db import IntegrityError, transaction

from catalog.backends.base import Document
from catalog.documents import documents_write
from catalog.models import Category, Item, VariantGroup
from catalog.selectors import category_schema, snapshot_of
from catalog.types import AttributeInfo, ItemSnapshot
from catalog.validation import (
    WHOLE,
    AttributesInvalid,
    ItemInvalid,
    attributes_validate,
)
from catalog.variants import (
    VARIANT_GROUP_CHANGED,
    VariantPlan,
    combination_taken,
    group_members,
)
from events.interface import emit

ITEM_CREATED: Final = "catalog.item_created.v1"
ITEM_UPDATED: Final = "catalog.item_updated.v1"
ITEM_RETIRED: Final = "catalog.item_retired.v1"
CATEGORY_CHANGED: Final = "catalog.category_changed.v1"
OPTIMISTIC_ATTEMPTS = 3


class _Unset:
    def __repr__(self) -> str:
        return "UNSET"


UNSET: Final = _Unset()


class ItemNotFound(Exception):
    """No such item, or none the caller may have: another seller's (the two are never told apart),
    or, for the cart and the wishlist, a draft. The one "no such item" of every app (exported by
    catalog.interface); `str(error)` is a sentence for the customer, the API answers it as a 404."""

    def __init__(self, item_id: int) -> None:
        self.item_id = item_id
        super().__init__("We couldn't find that item.")


class ItemConflict(Exception):
    """The item kept changing under us; the caller may retry."""


def _category_and_schema(
    category_id: Any,
    errors: dict[str, list[str]],
    cache: dict[int, tuple[Category, list[AttributeInfo]]] | None = None,
) -> tuple[Category | None, list[AttributeInfo]]:
    if isinstance(category_id, bool) or not isinstance(category_id, int):
        errors["category_id"] = ["Expected the id of a category."]
        return None, []
    if cache is not None and category_id in cache:
        return cache[category_id]
    category = Category.objects.filter(pk=category_id).first()
    if category is None:
        errors["category_id"] = [f"No category with id {category_id}."]
        return None, []
    found = (category, category_schema(category))
    if cache is not None:
        cache[category_id] = found
    return found


def _attributes_clean(
    schema: list[AttributeInfo],
    category: Category,
    values: Any,
    errors: dict[str, list[str]],
    *,
    from_text: bool = False,
) -> dict[str, Any]:
    try:
        return attributes_validate(schema, values, category_name=category.name, from_text=from_text)
    except AttributesInvalid as exc:
        for code, messages in exc.errors.items():
            errors["attributes" if code == WHOLE else f"attributes.{code}"] = messages
        return {}


def _sku_taken(*, seller_id: int, sku: str, exclude_id: int | None = None) -> int | None:
    rows = Item.objects.filter(seller_id=seller_id, sku=sku)
    if exclude_id is not None:
        rows = rows.exclude(pk=exclude_id)
    return rows.values_list("pk", flat=True).first()


# The group and key an item gets, with the plan they came from (None, None, None: no group).
_Variant = tuple[VariantGroup | None, str | None, VariantPlan | None]


def _create(
    *, seller_id: int, category: Category, fields: dict[str, Any], attributes: dict[str, Any],
    variant: _Variant = (None, None, None),
) -> ItemSnapshot:
    item = Item(
        seller_id=seller_id,
        category=category,
        variant_group=variant[0],
        variant_key=variant[1],
        **{**fields, "title": fields["title"].strip(), "brand": fields["brand"].strip()},
    )
    try:
        with transaction.atomic():
            item.save(force_insert=True)
    except IntegrityError as exc:
        if _sku_taken(seller_id=seller_id, sku=item.sku):
            raise ItemInvalid({"sku": ["You already have an item with this SKU."]}) from exc
        if variant[2] is not None:
            raise combination_taken(variant[2]) from exc
        raise
    documents_write([Document(item.pk, category.pk, attributes, item.version)])
    snapshot = snapshot_of(item, attributes)
    emit(ITEM_CREATED, key=item.pk, payload=snapshot.as_payload())
    return snapshot


def _load(item_id: int, seller_id: int | None) -> Item:
    rows = Item.objects.select_related("category", "variant_group").filter(pk=item_id)
    if seller_id is not None:
        rows = rows.filter(seller_id=seller_id)
    item = rows.first()
    if item is None:
        raise ItemNotFound(item_id)
    return item


def _locked_if_unchanged(item: Item) -> Item | None:
    """Inside a transaction: the item's row, locked, if nobody changed it since `item` was read."""
    # No select_related here: FOR UPDATE over a join would lock the category row too, and every
    # change in a category would queue on it. The category is the one read with `item`.
    locked = Item.objects.select_for_update().get(pk=item.pk)
    if locked.version != item.version:
        return None
    locked.category = item.category
    if locked.variant_group_id is not None:
        locked.variant_group = item.variant_group
    return locked


def _apply(
    item: Item,
    *,
    category: Category,
    fields: Mapping[str, Any],
    attributes: dict[str, Any],
    current: Mapping[str, Any],
    variant: _Variant | None = None,
) -> bool:
    """Set the changed fields on `item`; write its document if attributes or category changed.
    `variant`: the group and key it gets (None: unchanged). Emits the old group's change if it
    leaves one."""
    changed = [name for name, value in fields.items() if getattr(item, name) != value]
    category_changed = category.pk != item.category_id
    attributes_changed = category_changed or attributes != dict(current)
    old_group_id = item.variant_group_id
    variant_changed = variant is not None and (
        variant[0].pk if variant[0] is not None else None, variant[1]) != (old_group_id, item.variant_key)
    if not changed and not attributes_changed and not variant_changed:
        return False
    for name in changed:
        setattr(item, name, fields[name])
    if variant_changed and variant is not None:
        item.variant_group, item.variant_key = variant[0], variant[1]
    item.category = category
    item.version += 1
    if attributes_changed:
        item.document_version = item.version
        documents_write([Document(item.pk, category.pk, attributes, item.version)])
    try:
        with transaction.atomic():
            item.save()
    except IntegrityError as exc:
        if variant is not None and variant[2] is not None:
            raise combination_taken(variant[2]) from exc
        raise
    if old_group_id is not None and old_group_id != item.variant_group_id:
        _emit_group_changed(old_group_id)
    return True


def _emit_group_changed(group_id: int) -> None:
    """An item left the group: its other variants' listing changes (search re-reads them)."""
    group: Mapping[str, Any] = VariantGroup.objects.filter(pk=group_id).values("parent_sku", "seller_id").first() or {}
    emit(VARIANT_GROUP_CHANGED, key=f"variant-group-{group_id}", payload={
        "variant_group_id": group_id, "parent_sku": group.get("parent_sku", ""),
        "seller_id": group.get("seller_id"), "item_ids": group_members(group_id)})
