"""The catalog's plain values: what selectors return and interface.py hands to other apps."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any


@dataclass(frozen=True)
class AttributeInfo:
    """One attribute of a category's schema (defined on `category_id`, or inherited from it)."""

    code: str
    label: str
    type: str  # text | number | boolean | choice | multi_choice
    unit: str = ""
    choices: tuple[str, ...] = ()
    required: bool = False
    facetable: bool = False
    category_id: int | None = None
    position: int = 0
    variant_option: bool = False  # the variants of a listing differ by it (choice attributes only)

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "label": self.label,
            "type": self.type,
            "unit": self.unit,
            "choices": list(self.choices),
            "required": self.required,
            "facetable": self.facetable,
            "category_id": self.category_id,
            "variant_option": self.variant_option,
        }


@dataclass(frozen=True)
class VariantInfo:
    """One variant of a listing, as the product page's option picker needs it."""

    item_id: int
    sku: str
    title: str
    price_paise: int
    options: dict[str, str]  # option attribute code -> value


@dataclass(frozen=True)
class CategoryInfo:
    """A category with its effective schema: its ancestors' attributes first, then its own."""

    id: int
    slug: str
    name: str
    path: str
    parent_id: int | None
    ancestor_ids: tuple[int, ...]
    attributes: tuple[AttributeInfo, ...] = ()
    keywords: str = ""  # other words customers search it by
    children: tuple[CategoryInfo, ...] = ()

    @property
    def ids_from_root(self) -> tuple[int, ...]:
        return (*self.ancestor_ids, self.id)


@dataclass(frozen=True)
class ItemSnapshot:
    """An item as other apps see it, attributes included; `as_payload()` is the event payload."""

    item_id: int
    seller_id: int
    sku: str
    title: str
    brand: str
    description: str
    category_id: int
    category_name: str
    category_path: str  # slugs from the root: "electronics/mobiles"
    category_ids: tuple[int, ...]  # from the root down to category_id itself
    price_paise: int
    currency: str
    status: str  # draft | active | retired
    attributes: dict[str, Any] = field(default_factory=dict)
    images: tuple[str, ...] = ()
    rating: Decimal = Decimal("0.0")
    rating_count: int = 0
    version: int = 1
    created_at: datetime | None = None
    updated_at: datetime | None = None
    # The listing with options this item is one variant of (docs/decisions/0022-variants.md).
    variant_group_id: int | None = None
    parent_sku: str = ""

    @property
    def is_active(self) -> bool:
        return self.status == "active"

    def as_payload(self) -> dict[str, Any]:
        """JSON for events: money in paise (int), rating as a decimal string ("4.3")."""
        return {
            "item_id": self.item_id,
            "seller_id": self.seller_id,
            "sku": self.sku,
            "title": self.title,
            "brand": self.brand,
            "description": self.description,
            "category_id": self.category_id,
            "category_name": self.category_name,
            "category_path": self.category_path,
            "category_ids": list(self.category_ids),
            "price_paise": self.price_paise,
            "currency": self.currency,
            "status": self.status,
            "attributes": dict(self.attributes),
            "images": list(self.images),
            "rating": str(self.rating),
            "rating_count": self.rating_count,
            "version": self.version,
            "created_at": self.created_at.isoformat() if self.created_at else None,
            "updated_at": self.updated_at.isoformat() if self.updated_at else None,
            # Added in the same version (optional for consumers): null / "" outside a group.
            "variant_group_id": self.variant_group_id,
            "parent_sku": self.parent_sku,
        }
