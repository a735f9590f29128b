"""The search consumer: catalog and stock events mark items stale; the flush rewrites them.

Idempotent on its own (marking an item twice marks it once), and its row commits with the
handled-event marker, so a redelivered event is a no-op and a failed one is retried whole.
The payload is only used for the item id: the flush re-reads the current state, so an event
delivered late or out of order can't put an old price or stock level back.
"""

from catalog.interface import CATEGORY_CHANGED, ITEM_CREATED, ITEM_RETIRED, ITEM_UPDATED, VARIANT_GROUP_CHANGED
from events.interface import Event, consumer
from search.services import category_reindex, items_mark_stale


def _item_id(event: Event) -> int:
    return int(event.payload.get("item_id") or event.key)


@consumer(ITEM_CREATED, name="search.index_item")
@consumer(ITEM_UPDATED, name="search.index_item")
@consumer(ITEM_RETIRED, name="search.index_item")
def on_item_changed(event: Event) -> None:
    items_mark_stale(item_ids=[_item_id(event)])


@consumer(VARIANT_GROUP_CHANGED, name="search.variant_group_changed")
def on_variant_group_changed(event: Event) -> None:
    """An item left a listing: the listing's own document is rebuilt from the variants still in it
    (the item's own event re-indexes the item). The flush reads each variant's whole listing."""
    items_mark_stale(item_ids=[int(i) for i in event.payload.get("item_ids") or ()])


@consumer("inventory.stock_changed.v1", name="search.stock_changed")
def on_stock_changed(event: Event) -> None:
    """Sold out, restocked, reserved or released: availability and the warehouses holding
    stock are re-read by the flush."""
    items_mark_stale(item_ids=[_item_id(event)])


@consumer(CATEGORY_CHANGED, name="search.category_changed")
def on_category_changed(event: Event) -> None:
    """Renamed, moved or a changed schema (facetable attributes): its items are re-indexed."""
    category_id = event.payload.get("category_id", event.payload.get("id"))
    if category_id is None and event.key.startswith("category-"):
        category_id = event.key.removeprefix("category-")
    if category_id is not None:
        category_reindex(category_id=int(category_id))
