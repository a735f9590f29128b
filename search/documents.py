"""From the catalog's snapshot and inventory's stock to the document every engine indexes."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from catalog.interface import CategoryInfo, ItemSnapshot
from search.backends.base import facet_key
from search.types import SearchDoc


def facet_value(value: Any) -> str | None:
    """An attribute value as a facet value: "Red", "8", "6.5", "yes"/"no"; None if unusable."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float | Decimal):
        number = float(value)
        if not math.isfinite(number):
            return None
        return str(int(number)) if number.is_integer() else f"{number:g}"
    if isinstance(value, str):
        text = " ".join(value.split())
        return text or None
    return None


def _values(value: Any) -> list[str]:
    items = value if isinstance(value, list | tuple) else [value]
    return [v for v in (facet_value(x) for x in items) if v is not None]


def doc_build(snapshot: ItemSnapshot | None, *, item_id: int, stamp: int, warehouse_ids: Iterable[int],
              categories: Mapping[int, CategoryInfo]) -> SearchDoc:
    """The document for an item: a tombstone when it is unknown or not active (retired,
    draft); otherwise everything search matches, filters, sorts and shows."""
    if snapshot is None or not snapshot.is_active:
        return SearchDoc(item_id=item_id, stamp=stamp, live=False)
    category = categories.get(snapshot.category_id)
    facetable = {a.code for a in category.attributes if a.facetable} if category else set()
    facets: list[str] = []
    attribute_text: list[str] = []
    for code, value in sorted(snapshot.attributes.items()):
        values = _values(value)
        if code in facetable:
            facets += [facet_key(code, v) for v in values]
        attribute_text += [v for v in values if not v.replace(".", "", 1).isdigit() and v not in ("yes", "no")]
    names = tuple(categories[c].name for c in snapshot.category_ids if c in categories) or (snapshot.category_name,)
    return SearchDoc(
        item_id=snapshot.item_id,
        stamp=stamp,
        live=True,
        sku=snapshot.sku,
        title=snapshot.title,
        brand=snapshot.brand,
        description=snapshot.description,
        category_id=snapshot.category_id,
        category_ids=tuple(snapshot.category_ids),
        category_path=snapshot.category_path,
        category_names=names,
        category_keywords=" ".join(categories[c].keywords for c in snapshot.category_ids
                                   if c in categories and categories[c].keywords),
        price_paise=snapshot.price_paise,
        rating=str(snapshot.rating),
        rating_count=snapshot.rating_count,
        created_ts=int(snapshot.created_at.timestamp()) if snapshot.created_at else 0,
        image=snapshot.images[0] if snapshot.images else "",
        facets=tuple(dict.fromkeys(facets)),
        attribute_text=tuple(dict.fromkeys(attribute_text)),
        warehouse_ids=tuple(sorted(set(warehouse_ids))),
    )
