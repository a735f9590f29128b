"""The catalog's consumers: an item's rating and count follow its reviews; the cached category
menu is renewed when a category changes.

`reviews.review_changed.v1` only says which item; the handler re-reads the item's visible
reviews (reviews.interface) and stores their average and number through `item_rating_set`, which
emits `catalog.item_updated.v1` (so search re-indexes the item) only when the figures change. A
late, repeated or out-of-order event therefore writes the current figures, never old ones.
"""

from __future__ import annotations

import logging

from catalog.selectors import category_menu_forget
from catalog.services import CATEGORY_CHANGED, ItemNotFound, item_rating_set
from events.interface import Event, consumer
from reviews.interface import REVIEW_CHANGED, rating_summary

logger = logging.getLogger(__name__)


@consumer(REVIEW_CHANGED, name="catalog.item_rating")
def on_review_changed(event: Event) -> None:
    item_id = int(event.payload.get("item_id") or event.key)
    summary = rating_summary(item_id=item_id)
    try:
        item_rating_set(item_id=item_id, rating=summary.average, rating_count=summary.count)
    except ItemNotFound:
        logger.info("Reviews of item %s changed, but the catalog has no such item", item_id)


@consumer(CATEGORY_CHANGED, name="catalog.category_menu")
def on_category_changed(event: Event) -> None:
    """Created, renamed, moved: the cached menu (header, landing pages, breadcrumbs) is renewed."""
    category_menu_forget()
