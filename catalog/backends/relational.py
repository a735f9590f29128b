"""The embedded item-documents backend: a table with a JSON column in the main database.

Writes join the caller's transaction, so an item row and its document commit or roll back
together. `find` narrows by category in SQL (indexed) and applies the attribute filters in
Python with the port's semantics: fine for the embedded default's thousands of items; the
MongoDB backend indexes the facetable attributes for production.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from typing import Any

from django.db import connections

from catalog.backends.base import Document, latest_per_item, matches, normalise_filters
from catalog.models import ItemDocument


def upsert_target(using: str, fields: list[str]) -> list[str] | None:
    """bulk_create's unique_fields: SQLite and PostgreSQL need them, MySQL/MariaDB refuse them."""
    return fields if connections[using].features.supports_update_conflicts_with_target else None


class RelationalItemDocuments:
    transactional = True

    def __init__(self, using: str = "default") -> None:
        self.using = using

    def _table(self):
        return ItemDocument.objects.using(self.using)

    def put(self, item_id: int, category_id: int, attributes: Mapping[str, Any], *, version: int = 1) -> bool:
        return self.put_many([Document(item_id, category_id, dict(attributes), version)]) == 1

    def put_many(self, documents: Iterable[Document]) -> int:
        latest = latest_per_item(documents)
        if not latest:
            return 0
        stored = dict(
            self._table().filter(item_id__in=[d.item_id for d in latest]).values_list("item_id", "version")
        )
        rows = [
            ItemDocument(
                item_id=d.item_id, category_id=d.category_id, attributes=dict(d.attributes), version=d.version
            )
            for d in latest
            if d.item_id not in stored or stored[d.item_id] <= d.version
        ]
        self._table().bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=upsert_target(self.using, ["item_id"]),
            update_fields=["category_id", "attributes", "version", "updated_at"],
            batch_size=500,
        )
        return len(rows)

    def get(self, item_id: int) -> Document | None:
        return self.get_many([item_id]).get(item_id)

    def get_many(self, item_ids: Iterable[int]) -> dict[int, Document]:
        ids = list(set(item_ids))
        if not ids:
            return {}
        rows = (
            self._table()
            .filter(item_id__in=ids)
            .values_list("item_id", "category_id", "attributes", "version")
        )
        return {row[0]: Document(*row) for row in rows}

    def delete(self, item_id: int) -> None:
        self._table().filter(item_id=item_id).delete()

    def find(
        self, category_ids: Collection[int] | None = None, filters: Mapping[str, Any] | None = None
    ) -> list[int]:
        checked = normalise_filters(filters)
        rows = self._table()
        if category_ids is not None:
            rows = rows.filter(category_id__in=list(category_ids))
        if not checked:
            return sorted(rows.values_list("item_id", flat=True))
        found = [
            item_id
            for item_id, attributes in rows.values_list("item_id", "attributes").iterator(2000)
            if matches(attributes, checked)
        ]
        return sorted(found)

    def ensure_indexes(self, facetable_codes: Iterable[str]) -> None:
        """Nothing to do: the category column is indexed, attribute filters run in Python."""

    def clear(self) -> None:
        self._table().all().delete()
