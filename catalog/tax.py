"""What GST needs to know of an item: its category's HSN code (the category's own, else the nearest
ancestor's) and its GST rate (settings.GST_RATES by category path prefix, else GST_DEFAULT_RATE).

The rate is read when asked: an invoice copies it, so a later change of the settings changes only
invoices issued after it (docs/decisions/0031-gst-invoices.md).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings

from catalog.models import Category, Item


@dataclass(frozen=True, slots=True)
class ItemTaxInfo:
    item_id: int
    category_id: int
    category_path: str
    hsn_code: str  # "" when neither the category nor any ancestor has one
    gst_rate: int  # whole per cent: 0, 5, 12, 18, 28 ...


def gst_rate_for_path(path: str) -> int:
    """The rate of the longest GST_RATES key that is `path` or a path prefix of it ("books" covers
    "books/fiction", never "bookshelves")."""
    rates: dict[str, int] = settings.GST_RATES
    parts = path.split("/")
    for n in range(len(parts), 0, -1):
        rate = rates.get("/".join(parts[:n]))
        if rate is not None:
            return int(rate)
    return int(settings.GST_DEFAULT_RATE)


def items_tax_get(item_ids: Iterable[int]) -> dict[int, ItemTaxInfo]:
    """Each item's HSN code and GST rate, by item id, in two queries; unknown ids are absent."""
    ids = set(item_ids)
    if not ids:
        return {}
    rows = list(Item.objects.filter(pk__in=ids).values_list(
        "pk", "category_id", "category__path", "category__hsn_code", "category__ancestor_ids"))
    ancestor_ids = {a for *_, ancestors in rows for a in ancestors or ()}
    ancestor_hsn = dict(Category.objects.filter(pk__in=ancestor_ids).exclude(hsn_code="")
                        .values_list("pk", "hsn_code")) if ancestor_ids else {}
    found: dict[int, ItemTaxInfo] = {}
    for item_id, category_id, path, own_hsn, ancestors in rows:
        inherited = next((ancestor_hsn[a] for a in reversed(ancestors or ()) if a in ancestor_hsn), "")
        found[item_id] = ItemTaxInfo(item_id=item_id, category_id=category_id, category_path=path,
                                     hsn_code=own_hsn or inherited, gst_rate=gst_rate_for_path(path))
    return found
