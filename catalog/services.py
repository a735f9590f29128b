"""Writes of the catalog. Every item change emits its `catalog.item_*.v1` event in its transaction.

Reading the current attributes may be a network call (MongoDB), so item updates read first,
outside any transaction, and then write under the item's row lock only if the item's version
is still the one they read (optimistic concurrency, retried a few times).
"""

from __future__ import annotations

import io
import logging
import re
import struct
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Final

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Q

from catalog.backends.base import Document
from catalog.documents import documents_backend, documents_read, documents_write
from catalog.models import CURRENCY_INR, HSN_PATTERN, AttributeDefinition, Category, Item, ItemStatus, VariantGroup
from catalog.selectors import category_infos, category_schema, snapshot_of
from catalog.types import AttributeInfo, ItemSnapshot
from catalog.validation import (
    IMAGES_MAX,
    WHOLE,
    AttributesInvalid,
    ItemInvalid,
    attributes_validate,
    item_fields_problems,
    schema_problems,
)
from catalog.variants import (
    VARIANT_GROUP_CHANGED,
    VariantPlan,
    combination_taken,
    group_members,
    groups_locked,
    variant_plan,
    variant_target,
)
from events.interface import emit

logger = logging.getLogger(__name__)

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


class CategoryInvalid(Exception):
    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__(errors)
        self.errors = errors


# --- categories ------------------------------------------------------------------------------


def _category_payload(category_id: int) -> dict[str, Any]:
    info = category_infos()[category_id]
    return {
        "category_id": info.id,
        "slug": info.slug,
        "name": info.name,
        "path": info.path,
        "parent_id": info.parent_id,
        "ancestor_ids": list(info.ancestor_ids),
        "attributes": [a.as_dict() for a in info.attributes],
    }


def _emit_category_changed(category_ids: Sequence[int]) -> None:
    for category_id in category_ids:
        emit(CATEGORY_CHANGED, key=f"category-{category_id}", payload=_category_payload(category_id))


def _codes_clash(*, category: Category, codes: set[str], exclude_ids: Sequence[int] = ()) -> set[str]:
    """Codes among `codes` already defined on the category's ancestors, itself or its descendants."""
    related = Q(category_id__in=[*category.ancestor_ids, category.pk]) | Q(
        category__path__startswith=category.path + "/"
    )
    return set(
        AttributeDefinition.objects.filter(related, code__in=codes)
        .exclude(pk__in=exclude_ids)
        .values_list("code", flat=True)
    )


_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def _slug_problems(slug: str) -> dict[str, list[str]]:
    if not _SLUG.match(slug or "") or len(slug) > 60:
        return {"slug": ["Use lower-case letters and digits joined by single hyphens, e.g. mens-shirts."]}
    return {}


def _hsn_problems(hsn_code: str) -> dict[str, list[str]]:
    if hsn_code.strip() and not re.match(HSN_PATTERN, hsn_code.strip()):
        return {"hsn_code": ["An HSN code is 4, 6 or 8 digits, e.g. 8517."]}
    return {}


def _place(category: Category, parent: Category | None) -> None:
    category.parent = parent
    category.path = f"{parent.path}/{category.slug}" if parent else category.slug
    category.ancestor_ids = [*parent.ancestor_ids, parent.pk] if parent else []


@transaction.atomic
def category_create(*, name: str, slug: str, parent_id: int | None = None, position: int = 0,
                    search_keywords: str = "", hsn_code: str = "") -> Category:
    parent = Category.objects.filter(pk=parent_id).first() if parent_id is not None else None
    errors = {**_slug_problems(slug), **_hsn_problems(hsn_code)}
    if parent_id is not None and parent is None:
        errors["parent_id"] = [f"No category with id {parent_id}."]
    if not name.strip():
        errors["name"] = ["A category needs a name."]
    category = Category(name=name.strip(), slug=slug, position=position, hsn_code=hsn_code.strip(),
                        search_keywords=" ".join(search_keywords.split()))
    if not errors:
        _place(category, parent)
        if Category.objects.filter(path=category.path).exists():
            errors["slug"] = [f'"{category.path}" exists already.']
    if errors:
        raise CategoryInvalid(errors)
    category.save()
    _emit_category_changed([category.pk])
    return category


@transaction.atomic
def category_update(
    *,
    category_id: int,
    name: str | _Unset = UNSET,
    slug: str | _Unset = UNSET,
    parent_id: int | _Unset | None = UNSET,
    position: int | _Unset = UNSET,
    search_keywords: str | _Unset = UNSET,
    hsn_code: str | _Unset = UNSET,
) -> Category:
    """Rename or move a category, or change its HSN code; the paths and ancestor lists of its
    subtree follow."""
    category = Category.objects.select_for_update().get(pk=category_id)
    old_path, old_parent_id = category.path, category.parent_id
    if not isinstance(hsn_code, _Unset):
        if problems := _hsn_problems(hsn_code):
            raise CategoryInvalid(problems)
        category.hsn_code = hsn_code.strip()
    if not isinstance(search_keywords, _Unset):
        category.search_keywords = " ".join(search_keywords.split())
    if not isinstance(name, _Unset):
        category.name = name.strip()
    if not isinstance(position, _Unset):
        category.position = position
    if not isinstance(slug, _Unset):
        if problems := _slug_problems(slug):
            raise CategoryInvalid(problems)
        category.slug = slug
    parent = category.parent
    if not isinstance(parent_id, _Unset):
        parent = Category.objects.filter(pk=parent_id).first() if parent_id is not None else None
        if parent_id is not None and parent is None:
            raise CategoryInvalid({"parent_id": [f"No category with id {parent_id}."]})
        if parent is not None and (parent.pk == category.pk or category.pk in parent.ancestor_ids):
            raise CategoryInvalid(
                {"parent_id": ["A category cannot move under itself or its subcategories."]}
            )
    _place(category, parent)
    subtree: list[Category] = []
    if category.path != old_path:
        if Category.objects.filter(path=category.path).exclude(pk=category.pk).exists():
            raise CategoryInvalid({"slug": [f'"{category.path}" exists already.']})
        subtree = list(
            Category.objects.select_for_update().filter(path__startswith=old_path + "/").order_by("path")
        )
    if parent is not None and parent.pk != old_parent_id:
        inherited = set(
            AttributeDefinition.objects.filter(category_id__in=[*parent.ancestor_ids, parent.pk]).values_list(
                "code", flat=True
            )
        )
        below = set(
            AttributeDefinition.objects.filter(
                category_id__in=[category.pk, *(c.pk for c in subtree)]
            ).values_list("code", flat=True)
        )
        if inherited & below:
            raise CategoryInvalid(
                {"parent_id": [f"The new parent already defines {', '.join(sorted(inherited & below))}."]}
            )
    category.save()
    by_id = {category.pk: category}
    for child in subtree:  # parents come before their children in path order
        assert child.parent_id is not None  # every category below `category` has a parent
        _place(child, by_id[child.parent_id])
        by_id[child.pk] = child
    Category.objects.bulk_update(subtree, ["path", "ancestor_ids"])
    _emit_category_changed([category.pk, *(c.pk for c in subtree)])
    return category


@transaction.atomic
def attribute_define(
    *,
    category_id: int,
    code: str,
    label: str,
    type: str,
    unit: str = "",
    choices: Sequence[str] = (),
    required: bool = False,
    facetable: bool = False,
    position: int = 0,
    variant_option: bool = False,
) -> AttributeDefinition:
    """Add an attribute to a category's schema (inherited by its subcategories)."""
    category = Category.objects.select_for_update().get(pk=category_id)
    errors = schema_problems(type=type, unit=unit, choices=list(choices), variant_option=variant_option)
    if _codes_clash(category=category, codes={code}):
        errors["code"] = [f'"{code}" is already an attribute of this category, a parent or a subcategory.']
    if errors:
        raise CategoryInvalid(errors)
    definition = AttributeDefinition(
        category=category,
        code=code,
        label=label,
        type=type,
        unit=unit,
        choices=[c.strip() for c in choices],
        required=required,
        facetable=facetable,
        position=position,
        variant_option=variant_option,
    )
    definition.full_clean(exclude=["category"])
    definition.save()
    category_schema_changed(category_id=category_id)
    return definition


def category_schema_changed(*, category_id: int) -> None:
    """After a schema edit (service or admin): tell listeners, and index the facetable codes."""
    category = Category.objects.get(pk=category_id)
    subtree = list(
        Category.objects.filter(Q(pk=category.pk) | Q(path__startswith=category.path + "/")).values_list(
            "pk", flat=True
        )
    )
    _emit_category_changed(subtree)
    transaction.on_commit(facet_indexes_ensure)


def facet_indexes_ensure() -> None:
    """Let the documents backend index every facetable attribute (idempotent; network I/O)."""
    codes = set(AttributeDefinition.objects.filter(facetable=True).values_list("code", flat=True))
    try:
        documents_backend().ensure_indexes(codes)
    except Exception:
        logger.warning("Could not create the facet indexes; `sync_item_documents` retries", exc_info=True)


# --- items: validation -----------------------------------------------------------------------


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


def _sku_taken(*, seller_id: int, sku: str, exclude_id: int | None = None) -> int | None:
    rows = Item.objects.filter(seller_id=seller_id, sku=sku)
    if exclude_id is not None:
        rows = rows.exclude(pk=exclude_id)
    return rows.values_list("pk", flat=True).first()


# --- items: writes ---------------------------------------------------------------------------


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


# The group and key an item gets, with the plan they came from (None, None, None: no group).
_Variant = tuple[VariantGroup | None, str | None, VariantPlan | None]


def _plan(parent_sku: Any, category: Category | None, schema: list[AttributeInfo], cleaned: dict[str, Any],
          errors: dict[str, list[str]]) -> VariantPlan | None:
    if category is None:
        return None
    attributes_ok = not any(name == "attributes" or name.startswith("attributes.") for name in errors)
    return variant_plan(parent_sku=parent_sku, schema=schema, attributes=cleaned if attributes_ok else None,
                        category_name=category.name, errors=errors)


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


# --- bulk onboarding -------------------------------------------------------------------------

BULK_MAX_ROWS = 1000
BULK_FIELDS = (
    "sku",
    "title",
    "brand",
    "description",
    "category_id",
    "price_paise",
    "currency",
    "images",
    "attributes",
    "status",
    "parent_sku",
)


@dataclass(frozen=True)
class RowError:
    row: int
    sku: str
    errors: dict[str, list[str]]


@dataclass(frozen=True)
class BulkReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    item_ids: list[int] = field(default_factory=list)  # of the rows that succeeded, in row order

    @property
    def succeeded(self) -> int:
        return self.created + self.updated + self.unchanged


class TooManyRows(Exception):
    pass


def items_bulk_upsert(
    *,
    seller_id: int,
    rows: Sequence[Mapping[str, Any]],
    row_numbers: Sequence[int] | None = None,
    from_text: bool = False,
) -> BulkReport:
    """Create or update (by SKU) many of a seller's items; commit the good rows, report the bad.

    Each row is a full description of the item: sku, title, category_id and price_paise are
    required; attributes replace the stored ones; status is kept unless given (new: active), and
    so is parent_sku (the listing the item is a variant of; catalog.variants).
    `row_numbers` name the rows in errors (CSV line numbers); by default 1, 2, 3...
    `from_text`: attribute values are text (CSV cells), see attributes_validate.
    """
    if len(rows) > BULK_MAX_ROWS:
        raise TooManyRows(
            f"At most {BULK_MAX_ROWS} rows per request; this one has {len(rows)}. "
            "Split it into several requests."
        )
    numbers = list(row_numbers) if row_numbers is not None else list(range(1, len(rows) + 1))
    errors: list[RowError] = []
    schemas: dict[int, tuple[Category, list[AttributeInfo]]] = {}
    valid: list[tuple[int, str, dict[str, Any], Category, dict[str, Any] | None]] = []
    wanted_groups: dict[int, Any] = {}  # row number -> the parent SKU it sends (kept when absent)
    schemas_of: dict[int, list[AttributeInfo]] = {}
    first_row_of: dict[str, int] = {}
    for number, row in zip(numbers, rows, strict=True):
        if not isinstance(row, Mapping):
            errors.append(RowError(number, "", {"row": ["Expected an object with the item's fields."]}))
            continue
        row_errors: dict[str, list[str]] = {}
        sku_text = row["sku"] if isinstance(row.get("sku"), str) else ""
        unknown = sorted(set(row) - set(BULK_FIELDS))
        if unknown:
            row_errors["row"] = [f"Unknown fields: {', '.join(unknown)}."]
        for name in ("sku", "title", "category_id", "price_paise"):
            if row.get(name) in (None, ""):
                row_errors[name] = ["This field is required."]
        fields = {
            name: row[name]
            for name in ("sku", "title", "brand", "description", "price_paise", "currency", "status")
            if row.get(name) is not None
        }
        fields.setdefault("brand", "")
        fields.setdefault("description", "")
        fields.setdefault("currency", CURRENCY_INR)
        fields["images"] = row["images"] if row.get("images") is not None else []
        for name, messages in item_fields_problems(fields).items():
            row_errors.setdefault(name, messages)
        category: Category | None = None
        schema: list[AttributeInfo] = []
        if "category_id" not in row_errors:
            category, schema = _category_and_schema(row["category_id"], row_errors, schemas)
        attributes = (
            _attributes_clean(schema, category, row.get("attributes"), row_errors, from_text=from_text)
            if category
            else None
        )
        if row.get("parent_sku") is not None:  # null is the same as leaving it out; "" is no SKU
            wanted_groups[number] = row["parent_sku"]
            if category is not None:  # the format now, with the other fields; the rest once the items are read
                variant_plan(parent_sku=row["parent_sku"], schema=schema, attributes=None,
                             category_name=category.name, errors=row_errors)
        if sku_text and sku_text in first_row_of:
            row_errors["sku"] = [f"SKU {sku_text} is also in row {first_row_of[sku_text]} of this request."]
        elif sku_text:
            first_row_of[sku_text] = number
        if row_errors or category is None:  # no category: `row_errors` says why
            errors.append(RowError(number, sku_text, row_errors))
            continue
        for name in ("title", "brand"):
            fields[name] = fields[name].strip()
        schemas_of[number] = schema
        valid.append((number, sku_text, fields, category, attributes))

    existing = {
        item.sku: item
        for item in Item.objects.select_related("category", "variant_group").filter(
            seller_id=seller_id, sku__in=[v[1] for v in valid]
        )
    }
    # Variants: the parent SKU sent, else the one the item has; checked against its options.
    plans: dict[int, VariantPlan] = {}
    checked = []
    for entry in valid:
        number, sku, fields, category, attributes = entry
        old = existing.get(sku)
        parent = wanted_groups.get(number)
        if parent is None and old is not None and old.variant_group is not None:
            parent = old.variant_group.parent_sku
        row_errors = {}
        plan = variant_plan(parent_sku=parent, schema=schemas_of[number], attributes=attributes or {},
                            category_name=category.name, errors=row_errors)
        if row_errors:
            errors.append(RowError(number, sku, row_errors))
            continue
        if plan is not None:
            plans[number] = plan
        checked.append(entry)
    valid = checked
    current = documents_read(list(existing.values()))  # outside the transaction
    created = updated = unchanged = 0
    done: list[tuple[int, int]] = []
    with transaction.atomic():
        # Locks in primary-key order; no join, so no category row is locked (see _locked_if_unchanged).
        locked = {
            item.pk: item
            for item in Item.objects.select_for_update()
            .filter(pk__in=[i.pk for i in existing.values()])
            .order_by("pk")
        }
        categories = {i.pk: i.category for i in existing.values()}
        listings = {i.pk: i.variant_group for i in existing.values()}
        for item in locked.values():
            item.category = categories[item.pk]
            listing = listings[item.pk]
            if listing is not None and listing.pk == item.variant_group_id:  # else it changed: a conflict below
                item.variant_group = listing
        # The listings named, created where missing, locked in id order after the items.
        firsts = {v[0]: v for v in valid}
        groups = groups_locked(seller_id=seller_id, wanted={
            plan.parent_sku: (firsts[number][3], firsts[number][2]["title"])
            for number, plan in sorted(plans.items(), reverse=True)})  # the first row's category and title
        for number, sku, fields, category, attributes in valid:
            old = existing.get(sku)
            plan = plans.get(number)
            try:
                with transaction.atomic():
                    variant: _Variant = (None, None, None)
                    if plan is not None:
                        status = fields.get("status") or (old.status if old else ItemStatus.ACTIVE)
                        variant = (*variant_target(item_id=old.pk if old else None, group=groups[plan.parent_sku],
                                                   plan=plan, category=category, status=status), plan)
                    if old is None:
                        snapshot = _create(
                            seller_id=seller_id,
                            category=category,
                            fields={"status": ItemStatus.ACTIVE, **fields},
                            attributes=attributes or {},
                            variant=variant,
                        )
                        created += 1
                        done.append((number, snapshot.item_id))
                        continue
                    item = locked[old.pk]
                    if item.version != old.version:
                        raise ItemConflict(old.pk)
                    if _apply(
                        item,
                        category=category,
                        fields=fields,
                        attributes=attributes or {},
                        current=current.get(item.pk, {}),
                        variant=variant,
                    ):
                        emit(
                            ITEM_UPDATED,
                            key=item.pk,
                            payload=snapshot_of(item, attributes or {}).as_payload(),
                        )
                        updated += 1
                    else:
                        unchanged += 1
                    done.append((number, item.pk))
            except ItemInvalid as exc:
                errors.append(RowError(number, sku, exc.errors))
            except ItemConflict:
                errors.append(
                    RowError(number, sku, {"sku": ["The item changed during the upload; send it again."]})
                )
    errors.sort(key=lambda e: e.row)
    return BulkReport(
        created=created,
        updated=updated,
        unchanged=unchanged,
        errors=errors,
        item_ids=[item_id for _, item_id in sorted(done)],
    )


# What a seller may upload as a product picture: recognised by its first bytes, not its name.
IMAGE_SIGNATURES = {b"\xff\xd8\xff": "jpg", b"\x89PNG\r\n\x1a\n": "png", b"GIF87a": "gif", b"GIF89a": "gif"}
IMAGE_MAX_BYTES = 5 * 1024 * 1024
# What Pillow must find the file to be, by the extension its first bytes gave.
_PILLOW_FORMATS = {"jpg": "JPEG", "png": "PNG", "gif": "GIF", "webp": "WEBP"}
# The widths of the resized copies (WebP) written next to an upload for `srcset`: those
# narrower than the picture itself.
PICTURE_WIDTHS = (240, 480, 960)
# An upload's name records what pages need, without a query: the picture's own size and the
# widths of its copies, `items/<item>/<hex>_<width>x<height>[_w240-480].<ext>`; a copy is
# `<that name without .ext>.<width>w.webp`.
_PICTURE_NAME = re.compile(r"_(?P<w>[0-9]{1,5})x(?P<h>[0-9]{1,5})(?:_w(?P<widths>[0-9]{1,5}(?:-[0-9]{1,5})*))?"
                           r"\.(?:jpg|png|gif|webp)$")


@dataclass(frozen=True)
class PictureSources:
    """What an <img> needs for a picture: its URL, its size when known, its resized copies."""

    url: str
    width: int | None = None
    height: int | None = None
    copies: tuple[tuple[int, str], ...] = ()  # (width, URL), narrowest first


def picture_sources(url: str) -> PictureSources:
    """An uploaded picture's size and resized copies, read from its URL (see _PICTURE_NAME); any
    other picture (a demo drawing, a web URL, an upload from before the copies) has none."""
    if not url.startswith(default_storage.url("items/")) or not (found := _PICTURE_NAME.search(url)):
        return PictureSources(url)
    stem = url.rsplit(".", 1)[0]
    widths = sorted(int(w) for w in found["widths"].split("-")) if found["widths"] else []
    return PictureSources(url, int(found["w"]), int(found["h"]), tuple((w, f"{stem}.{w}w.webp") for w in widths))


def _image_extension(head: bytes) -> str | None:
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    return next((ext for magic, ext in IMAGE_SIGNATURES.items() if head.startswith(magic)), None)


def _too_many_pixels(limit: int) -> ItemInvalid:
    return ItemInvalid({"file": [f"A picture may have at most {limit // 1_000_000} million pixels."]})


def _picture_copies(upload: UploadedFile, extension: str) -> tuple[int, int, dict[int, bytes]]:
    """Read the picture with Pillow: its size as shown (EXIF rotation applied) and a WebP copy
    for each of PICTURE_WIDTHS narrower than it. Raises ItemInvalid for a file Pillow cannot
    read, of another format than its first bytes say, or of more than Image.MAX_IMAGE_PIXELS
    pixels (a decompression bomb: a small file that would fill the memory)."""
    from PIL import Image, ImageOps

    # Read now (tests lower it); Pillow allows None, no limit, which then holds here too.
    pixel_limit = Image.MAX_IMAGE_PIXELS
    unreadable = ItemInvalid({"file": ["The picture could not be read; upload a JPEG, PNG, GIF or WebP picture."]})
    try:
        # Image.open refuses more than twice MAX_IMAGE_PIXELS (DecompressionBombError) and only warns
        # between once and twice; the check below refuses those too.
        with Image.open(upload) as image:
            if image.format != _PILLOW_FORMATS[extension]:
                raise unreadable
            if pixel_limit is not None and image.width * image.height > pixel_limit:
                raise _too_many_pixels(pixel_limit)
            turned = image.getexif().get(0x0112, 1) in (5, 6, 7, 8)  # EXIF orientation: a quarter turn
            width, height = (image.height, image.width) if turned else image.size
            animated = getattr(image, "is_animated", False)
            largest = max(PICTURE_WIDTHS)
            if image.format == "JPEG":
                image.draft("RGB", (largest, largest))  # decode at a smaller scale, both sides >= largest
            upright = ImageOps.exif_transpose(image)  # loads the pixels: a broken file fails here
            keep_alpha = upright.mode in ("RGBA", "LA", "PA") or "transparency" in upright.info
            upright = upright.convert("RGBA" if keep_alpha else "RGB")
            copies: dict[int, bytes] = {}
            for target in PICTURE_WIDTHS:
                if target >= width or animated:  # an animation keeps its frames: no still copies
                    continue
                size = (target, max(1, round(height * target / width)))
                out = io.BytesIO()
                upright.resize(size, Image.Resampling.LANCZOS).save(out, "WEBP", quality=80, method=4)
                copies[target] = out.getvalue()
    except ItemInvalid:
        raise
    except Image.DecompressionBombError:  # raised only when there is a limit
        raise _too_many_pixels(pixel_limit or 0) from None
    except (OSError, SyntaxError, ValueError, EOFError, struct.error):
        raise unreadable from None
    finally:
        upload.seek(0)
    return width, height, copies


def item_image_upload(*, item_id: int, seller_id: int, upload: UploadedFile) -> ItemSnapshot:
    """Store an uploaded picture and add it to the seller's item (last in its images), with
    resized WebP copies next to it (PICTURE_WIDTHS; picture_sources finds them).

    Raises ItemNotFound for another seller's item, ItemInvalid for a file that is not a JPEG,
    PNG, GIF or WebP picture Pillow can read, is too large (bytes or pixels), or would pass the
    item's limit of images.
    """
    item = _load(item_id, seller_id)
    if len(item.images) >= IMAGES_MAX:
        raise ItemInvalid({"file": [f"An item has at most {IMAGES_MAX} images; remove one first."]})
    # Django gives every upload a view receives its size; one without is refused, not taken unmeasured.
    if upload.size is None or upload.size > IMAGE_MAX_BYTES:
        raise ItemInvalid({"file": [f"A picture may be at most {IMAGE_MAX_BYTES // (1024 * 1024)} MB."]})
    head = upload.read(16)
    upload.seek(0)
    extension = _image_extension(head)
    if extension is None:
        raise ItemInvalid({"file": ["Upload a JPEG, PNG, GIF or WebP picture."]})
    width, height, copies = _picture_copies(upload, extension)  # nothing is stored before this passes
    widths = f"_w{'-'.join(map(str, copies))}" if copies else ""
    wanted = f"items/{item_id}/{uuid.uuid4().hex}_{width}x{height}{widths}.{extension}"
    stem = wanted.rsplit(".", 1)[0]
    # Stored before the item changes, so the item never links to a missing file; if the item
    # then refuses it (full, or pictures that no longer pass), the files go again.
    names: list[str] = []
    url = ""
    try:
        names.append(default_storage.save(wanted, upload))
        url = default_storage.url(names[0])
        for target, data in copies.items():
            names.append(default_storage.save(f"{stem}.{target}w.webp", ContentFile(data)))
        if names != [wanted, *(f"{stem}.{target}w.webp" for target in copies)]:
            raise RuntimeError(f"The storage renamed the upload {wanted}; its copies would not be found.")
        with transaction.atomic():
            # Read the images under the row lock: two uploads at once must both be kept.
            current = Item.objects.select_for_update().get(pk=item_id).images
            if len(current) >= IMAGES_MAX:
                raise ItemInvalid({"file": [f"An item has at most {IMAGES_MAX} images; remove one first."]})
            return item_update(item_id=item_id, seller_id=seller_id, images=[*current, url])
    except BaseException:
        _forget_unlinked_upload(item_id=item_id, names=names, url=url)
        raise


def _forget_unlinked_upload(*, item_id: int, names: list[str], url: str) -> None:
    """Delete a stored upload and its copies when the item does not show it; one it shows (the
    change committed before the failure) stays. A failure to delete is logged, never hides the
    first error."""
    try:
        if url and url in (Item.objects.filter(pk=item_id).values_list("images", flat=True).first() or []):
            return
    except Exception:
        logger.exception("Could not tell whether the upload %s is used; its files stay", url)
        return
    for name in names:
        try:
            default_storage.delete(name)
        except Exception:
            logger.exception("Could not remove the unused upload %s", name)
