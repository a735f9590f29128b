"""From the catalog's snapshot and inventory's stock to the document every engine indexes."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Mapping, Sequence
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


def group_docs_build(snapshots: Sequence[ItemSnapshot | None], *, item_ids: Sequence[int], stamp: int,
                     locations: Mapping[int, Iterable[int]],
                     categories: Mapping[int, CategoryInfo]) -> list[SearchDoc]:
    """The documents of every item of one listing with options (docs/decisions/0022-variants.md):
    the listing is found once, as its representative, the cheapest active variant in stock (the
    cheapest active one when none is); every other variant's document is a tombstone.

    The representative's document carries what any variant in stock offers, so filters see the
    listing as customers do: the warehouses of all of them (a PIN reached by one finds it), every
    option value in stock as a facet and as words ("Colour: Red" finds it when a red one is in
    stock), and how many values each option has (the card's "3 sizes · 2 colours").
    `snapshots` are in `item_ids` order (None for an unknown id)."""
    by_id = {i: s for i, s in zip(item_ids, snapshots, strict=True)}
    live = [s for s in snapshots if s is not None and s.is_active]
    if not live:
        return [SearchDoc(item_id=i, stamp=stamp, live=False) for i in item_ids]
    stocked = [s for s in live if set(locations.get(s.item_id, ()))]
    representative = min(stocked or live, key=lambda s: (s.price_paise, s.item_id))
    warehouses = {w for s in stocked for w in locations.get(s.item_id, ())}
    doc = doc_build(representative, item_id=representative.item_id, stamp=stamp, warehouse_ids=warehouses,
                    categories=categories)
    category = categories.get(representative.category_id)
    specs = [a for a in category.attributes if a.variant_option] if category else []
    facets, words = list(doc.facets), list(doc.attribute_text)
    for spec in specs:
        for snapshot in stocked:
            for value in _values(snapshot.attributes.get(spec.code)):
                if spec.facetable:
                    facets.append(facet_key(spec.code, value))
                words.append(value)
    options = tuple((spec.label, n) for spec in specs
                    if (n := len({v for s in live for v in _values(s.attributes.get(spec.code))})) > 1)
    doc = dataclasses.replace(doc, facets=tuple(dict.fromkeys(facets)), attribute_text=tuple(dict.fromkeys(words)),
                              options=options)
    return [doc if i == representative.item_id else SearchDoc(item_id=i, stamp=stamp, live=False)
            for i in by_id]
