"""Writes of the catalog, one module per use case: categories (and their attribute schemas), items
(create, update, retire, rating), bulk (onboarding by SKU), images (product pictures); common: the
event types, errors and item-write steps they share. Every item change emits its
`catalog.item_*.v1` event in its transaction.

Other modules of catalog import from here; other apps use catalog.interface.
"""

from catalog.services.bulk import BULK_FIELDS, BULK_MAX_ROWS, BulkReport, RowError, TooManyRows, items_bulk_upsert
from catalog.services.categories import (
    CategoryInvalid,
    attribute_define,
    category_create,
    category_schema_changed,
    category_update,
    facet_indexes_ensure,
)
from catalog.services.common import (
    CATEGORY_CHANGED,
    ITEM_CREATED,
    ITEM_RETIRED,
    ITEM_UPDATED,
    OPTIMISTIC_ATTEMPTS,
    UNSET,
    ItemConflict,
    ItemNotFound,
)
from catalog.services.images import (
    IMAGE_MAX_BYTES,
    IMAGE_SIGNATURES,
    PICTURE_WIDTHS,
    PictureSources,
    item_image_upload,
    picture_sources,
)
from catalog.services.items import (
    item_attributes_problems,
    item_create,
    item_rating_set,
    item_retire,
    item_update,
)

__all__ = [
    "BULK_FIELDS",
    "BULK_MAX_ROWS",
    "CATEGORY_CHANGED",
    "IMAGE_MAX_BYTES",
    "IMAGE_SIGNATURES",
    "ITEM_CREATED",
    "ITEM_RETIRED",
    "ITEM_UPDATED",
    "OPTIMISTIC_ATTEMPTS",
    "PICTURE_WIDTHS",
    "UNSET",
    "BulkReport",
    "CategoryInvalid",
    "ItemConflict",
    "ItemNotFound",
    "PictureSources",
    "RowError",
    "TooManyRows",
    "attribute_define",
    "category_create",
    "category_schema_changed",
    "category_update",
    "facet_indexes_ensure",
    "item_attributes_problems",
    "item_create",
    "item_image_upload",
    "item_rating_set",
    "item_retire",
    "item_update",
    "items_bulk_upsert",
    "picture_sources",
]
