"""Bulk onboarding: create or update many of a seller's items by SKU, reporting the bad rows."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from catalog.documents import documents_read
from catalog.models import CURRENCY_INR, Category, Item, ItemStatus
from catalog.selectors import snapshot_of
from catalog.services.common import (
    ITEM_UPDATED,
    ItemConflict,
    _apply,
    _attributes_clean,
    _category_and_schema,
    _create,
    _Variant,
)
from catalog.types import AttributeInfo
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
