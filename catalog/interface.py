"""What other apps may use of the catalog: items as snapshots, categories with their schemas.

Events (key = item id, payload = `ItemSnapshot.as_payload()`): catalog.item_created.v1,
catalog.item_updated.v1, catalog.item_retired.v1. A category that is created, renamed, moved
or whose schema changes emits catalog.category_changed.v1 (key "category-<id>", payload: id,
slug, name, path, parent_id, ancestor_ids, attributes) for it and each category below it.

Browsing pages read the tree from the cache: `category_menu()` (the roots with their
children), `category_browse(path)` and `category_trail(category_id)`; no query once cached.
`CATEGORY_MENU_VERSION_KEY` is the cache key of the tree's version, for the page's prefetch.

Variants (docs/decisions/0022-variants.md): an item may be one variant of a listing with options
(`ItemSnapshot.variant_group_id` / `parent_sku`, also in the item events' payloads).
`variant_group_members(item_ids=...)` gives each variant's whole group in one query;
`variants_of_group(variant_group_id=...)` the active variants with their options. When an item
leaves a listing, catalog.variant_group_changed.v1 (key "variant-group-<id>", payload
variant_group_id, parent_sku, seller_id, item_ids: the items still in it) lets listeners re-read it.

Staff screens name items with `item_labels(item_ids=...)` and find them by SKU with
`item_ids_by_sku(sku=...)`, one query each.

GST invoices read each item's HSN code (its category's, else the nearest ancestor's) and GST rate
(settings.GST_RATES by category path prefix) with `items_tax_get(item_ids)` → {id: ItemTaxInfo}.

`ItemNotFound(item_id)` is the one "no such item" error: the cart and the wishlist raise it too
(for a missing or draft item), and their APIs answer it as a 404 `product-not-found` problem.

Pages and the cart read items without their attributes through the cache: `item_head_get(id)`,
`item_heads_get(ids)` (forgotten on every save of an item; no query once kept).
"""

from catalog.selectors import (
    CATEGORY_MENU_VERSION_KEY,
    category_browse,
    category_descendant_ids,
    category_get,
    category_menu,
    category_names,
    category_trail,
    category_tree,
    item_get,
    item_get_by_sku,
    item_head_get,
    item_heads_get,
    item_ids_by_sku,
    item_ids_find,
    item_labels,
    item_snapshots_iter,
    items_get,
    variant_group_members,
    variants_of_group,
)
from catalog.services import CATEGORY_CHANGED, ITEM_CREATED, ITEM_RETIRED, ITEM_UPDATED, ItemNotFound
from catalog.tax import ItemTaxInfo, gst_rate_for_path, items_tax_get
from catalog.types import AttributeInfo, CategoryInfo, ItemSnapshot, VariantInfo
from catalog.variants import VARIANT_GROUP_CHANGED

ITEM_EVENT_TYPES = (ITEM_CREATED, ITEM_UPDATED, ITEM_RETIRED)

__all__ = [
    "CATEGORY_CHANGED",
    "CATEGORY_MENU_VERSION_KEY",
    "ITEM_CREATED",
    "ITEM_EVENT_TYPES",
    "ITEM_RETIRED",
    "ITEM_UPDATED",
    "VARIANT_GROUP_CHANGED",
    "AttributeInfo",
    "CategoryInfo",
    "ItemNotFound",
    "ItemSnapshot",
    "ItemTaxInfo",
    "VariantInfo",
    "category_browse",
    "category_descendant_ids",
    "category_get",
    "category_menu",
    "category_names",
    "category_trail",
    "category_tree",
    "gst_rate_for_path",
    "item_get",
    "item_get_by_sku",
    "item_head_get",
    "item_heads_get",
    "item_ids_by_sku",
    "item_ids_find",
    "item_labels",
    "item_snapshots_iter",
    "items_get",
    "items_tax_get",
    "variant_group_members",
    "variants_of_group",
]
