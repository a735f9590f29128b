"""Variant groups: one listing with options (size, colour, storage...), each variant an ordinary item.

An item names its group by the seller's `parent_sku`; items of one seller with the same parent
SKU form the group, created on first use. The category's `variant_option` attributes (choice
attributes) are the options: each variant has a value for every one of them in its document,
and no two variants of a group have the same combination. The combination is also kept on the
item row (`Item.variant_key`, canonical JSON) under a unique constraint, so the rule holds even
for two sellers' requests racing, and the product page reads its siblings' options in one query.

Used by catalog.services (item create, update, retire and the bulk upload): the checks that need
no database first (`variant_plan`), then, inside the write's transaction with the group's row
locked, the ones that do (`variant_target`). Errors are keyed like the services' others:
`parent_sku`, `category_id`, `attributes.<code>` (docs/decisions/0022-variants.md).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from catalog.models import SKU_PATTERN, Category, Item, ItemStatus, VariantGroup
from catalog.types import AttributeInfo, VariantInfo
from catalog.validation import ItemInvalid

VARIANT_GROUP_CHANGED: Final = "catalog.variant_group_changed.v1"
VARIANT_KEY_MAX = 255
_sku_re = re.compile(SKU_PATTERN)


@dataclass(frozen=True)
class VariantPlan:
    """What an item asks to be: a variant of `parent_sku` with these options."""

    parent_sku: str
    options: dict[str, str]  # option code -> value, in schema order
    labels: dict[str, str]  # option code -> label

    @property
    def key(self) -> str:
        return variant_key(self.options)

    def describe(self) -> str:
        return ", ".join(f"{self.labels[code]} {value}" for code, value in self.options.items())


def variant_key(options: Mapping[str, str]) -> str:
    return json.dumps(dict(options), sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def variant_plan(
    *,
    parent_sku: Any,
    schema: Sequence[AttributeInfo],
    attributes: Mapping[str, Any] | None,
    category_name: str,
    errors: dict[str, list[str]],
) -> VariantPlan | None:
    """Check what needs no database: the parent SKU, that the category has options, that the item
    has a value for each. `attributes` are the cleaned ones (None when they had errors: their own
    messages say what is wrong). Adds to `errors`; None when the item is no variant or has errors."""
    if parent_sku is None:
        return None
    if not isinstance(parent_sku, str) or not _sku_re.fullmatch(parent_sku):
        errors["parent_sku"] = ["Use 1-64 letters, digits and . _ / - (starting with a letter or digit)."]
        return None
    options = [spec for spec in schema if spec.variant_option]
    if not options:
        errors["parent_sku"] = [
            f"{category_name} has no options that define variants (like size or colour), so its items "
            "can't be variants of one listing."
        ]
        return None
    if attributes is None:
        return None
    values: dict[str, str] = {}
    for spec in options:
        value = attributes.get(spec.code)
        if isinstance(value, str) and value:
            values[spec.code] = value
        else:
            errors.setdefault(f"attributes.{spec.code}", [
                f"{spec.label} is required for a variant of {parent_sku}: it tells the variants apart."
            ])
    if len(values) < len(options):
        return None
    plan = VariantPlan(parent_sku, values, {spec.code: spec.label for spec in options})
    if len(plan.key) > VARIANT_KEY_MAX:
        errors["attributes"] = [f"The options of a variant take at most {VARIANT_KEY_MAX} characters together."]
        return None
    return plan


def groups_locked(*, seller_id: int, wanted: Mapping[str, tuple[Category, str]]) -> dict[str, VariantGroup]:
    """Inside a transaction: the seller's groups named in `wanted` (parent SKU -> the category
    and title a new one takes), created where missing, locked in id order (one order for every
    writer, so two uploads touching the same groups can't deadlock on them)."""
    skus = sorted(wanted)
    if not skus:
        return {}
    have = set(VariantGroup.objects.filter(seller_id=seller_id, parent_sku__in=skus)
               .values_list("parent_sku", flat=True))
    missing = [VariantGroup(seller_id=seller_id, parent_sku=sku, category=wanted[sku][0], title=wanted[sku][1][:200])
               for sku in skus if sku not in have]
    if missing:
        VariantGroup.objects.bulk_create(missing, ignore_conflicts=True)  # a racing writer made it: fine
    return {g.parent_sku: g for g in VariantGroup.objects.select_for_update()
            .filter(seller_id=seller_id, parent_sku__in=skus).order_by("pk")}


def variant_target(
    *, item_id: int | None, group: VariantGroup, plan: VariantPlan, category: Category, status: str
) -> tuple[VariantGroup, str | None]:
    """Inside the transaction, the group locked: the group and key the item gets, or ItemInvalid
    (another category than the other variants', or a combination another variant has). A retired
    item keeps its group but no key: its combination is free for a new variant."""
    errors: dict[str, list[str]] = {}
    others = Item.objects.filter(variant_group=group)
    if item_id is not None:
        others = others.exclude(pk=item_id)
    if group.category_id != category.pk:
        if others.exclude(status=ItemStatus.RETIRED).exists():
            name = Category.objects.filter(pk=group.category_id).values_list("name", flat=True).first()
            errors["category_id"] = [
                f"The other variants of {group.parent_sku} are in {name}; the variants of a listing share "
                "one category."
            ]
        else:  # no other variant on sale: the listing moves with its item
            group.category = category
            group.save(update_fields=["category"])
    if status != ItemStatus.RETIRED:
        taken = others.filter(variant_key=plan.key).values_list("sku", flat=True).first()
        if taken is not None:
            message = (f"{plan.describe()} is already variant {taken} of {plan.parent_sku}; each variant "
                       f"needs its own combination of {' and '.join(plan.labels.values()).lower()}.")
            for code in plan.options:
                errors[f"attributes.{code}"] = [message]
    if errors:
        raise ItemInvalid(errors)
    return group, (None if status == ItemStatus.RETIRED else plan.key)


def combination_taken(plan: VariantPlan) -> ItemInvalid:
    """The error for a combination the unique constraint refused (a race the lock didn't see)."""
    message = f"{plan.describe()} is already a variant of {plan.parent_sku}."
    return ItemInvalid({f"attributes.{code}": [message] for code in plan.options})


def group_members(group_id: int) -> list[int]:
    return list(Item.objects.filter(variant_group_id=group_id).order_by("pk").values_list("pk", flat=True))


# --- the product page's option picker ----------------------------------------------------------


@dataclass(frozen=True)
class OptionChoice:
    """One value of an option on the product page: a link to the variant that has it."""

    value: str
    item_id: int  # the variant with this value and, as far as one exists, the current other options
    url: str
    current: bool
    in_stock: bool


@dataclass(frozen=True)
class OptionPicker:
    code: str
    label: str
    current: str
    choices: tuple[OptionChoice, ...]


@dataclass(frozen=True)
class VariantPickers:
    options: tuple[OptionPicker, ...]
    sold_out_note: str  # "This size is out of stock." when the variant shown is sold out, else ""


def variant_pickers(
    *,
    item_id: int,
    variants: Sequence[VariantInfo],
    available: Mapping[int, int],
    specs: Sequence[AttributeInfo],
    url_of: Callable[[VariantInfo], str],
) -> VariantPickers | None:
    """For the variant `item_id` of a listing: per option, each value the listing has (in the
    schema's order), linking to the variant with that value and the current choice of the other
    options, or the nearest one (most other options alike, then in stock, then the oldest)."""
    specs = [spec for spec in specs if spec.variant_option]
    current = next((v for v in variants if v.item_id == item_id), None)
    if current is None or not specs or len(variants) < 2:
        return None
    pickers = []
    for spec in specs:
        present = {v.options.get(spec.code) for v in variants}
        values = [c for c in spec.choices if c in present] + sorted(
            v for v in present if v is not None and v not in spec.choices)
        choices = []
        for value in values:
            def closeness(v: VariantInfo, code: str = spec.code) -> tuple[int, bool, int]:
                alike = sum(1 for other in specs
                            if other.code != code and v.options.get(other.code) == current.options.get(other.code))
                return alike, available.get(v.item_id, 0) > 0, -v.item_id

            best = max((v for v in variants if v.options.get(spec.code) == value), key=closeness)
            choices.append(OptionChoice(value=value, item_id=best.item_id, url=url_of(best),
                                        current=value == current.options.get(spec.code),
                                        in_stock=available.get(best.item_id, 0) > 0))
        pickers.append(OptionPicker(spec.code, spec.label, current.options.get(spec.code, ""), tuple(choices)))
    note = ""
    if available.get(item_id, 0) <= 0:
        whole = next((spec for spec in specs if not any(
            available.get(v.item_id, 0) > 0 for v in variants
            if v.options.get(spec.code) == current.options.get(spec.code))), None)
        note = (f"This {whole.label.lower()} is out of stock." if whole is not None else
                f"This combination of {' and '.join(s.label.lower() for s in specs)} is out of stock.")
    return VariantPickers(tuple(pickers), note)
