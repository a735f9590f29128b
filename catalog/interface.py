"""What other apps may use of the catalog: items as snapshots, categories with their schemas.

Events (key = item id, payload = `ItemSnapshot.as_payload()`): catalog.item_created.v1,
catalog.item_updated.v1, catalog.item_retired.v1. A category that is created, renamed, moved
or whose schema changes emits catalog.category_changed.v1 (key "category-<id>", payload: id,
slug, name, path, parent_id, ancestor_ids, attributes) for it and each category below it.

Browsing pages read the tree from the cache: `category_menu()` (the roots with their
children), `category_browse(path)` and `category_trail(category_id)`; no query once cached.

Staff screens name items with `item_labels(item_ids=...)` and find them by SKU with
`item_ids_by_sku(sku=...)`, one query each.
"""

from catalog.selectors import (
    category_browse,
    category_descendant_ids,
    category_get,
    category_menu,
    category_trail,
    category_tree,
    item_get,
    item_get_by_sku,
    item_ids_by_sku,
    item_ids_find,
    item_labels,
    item_snapshots_iter,
    items_get,
)
from catalog.services import CATEGORY_CHANGED, ITEM_CREATED, ITEM_RETIRED, ITEM_UPDATED
from catalog.types import AttributeInfo, CategoryInfo, ItemSnapshot

ITEM_EVENT_TYPES = (ITEM_CREATED, ITEM_UPDATED, ITEM_RETIRED)

__all__ = [
    "CATEGORY_CHANGED",
    "ITEM_CREATED",
    "ITEM_EVENT_TYPES",
    "ITEM_RETIRED",
    "ITEM_UPDATED",
    "AttributeInfo",
    "CategoryInfo",
    "ItemSnapshot",
    "category_browse",
    "category_descendant_ids",
    "category_get",
    "category_menu",
    "category_trail",
    "category_tree",
    "item_get",
    "item_get_by_sku",
    "item_ids_by_sku",
    "item_ids_find",
    "item_labels",
    "item_snapshots_iter",
    "items_get",
]
