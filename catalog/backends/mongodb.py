"""The MongoDB item-documents backend (pymongo).

One collection, `_id` = item id: `{_id, category_id, attributes: {...}, version, updated_at}`,
with an index on `category_id` and one `(category_id, attributes.<code>)` index per facetable
attribute code. Writes are outside the SQL transaction (`transactional = False`):
catalog.documents carries them after commit (docs/decisions/0006-item-documents.md).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Collection, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from pymongo import ASCENDING, MongoClient, UpdateOne
from pymongo.collection import Collection as MongoCollection
from pymongo.errors import BulkWriteError, DuplicateKeyError, PyMongoError

from catalog.backends.base import Document, DocumentsUnavailable, latest_per_item, normalise_filters

logger = logging.getLogger(__name__)

DUPLICATE_KEY = 11000
# MongoDB allows 64 indexes per collection; leave room for _id, category_id and a few spare.
MAX_FACET_INDEXES = 56
FACET_INDEX_PREFIX = "facet_"
GET_SLICE = 100


class MongoItemDocuments:
    transactional = False

    def __init__(
        self,
        url: str,
        database: str | None = None,
        collection: str = "item_documents",
        timeout_ms: int = 2000,
    ) -> None:
        if not url:
            raise ValueError("MongoItemDocuments needs a url, e.g. mongodb://127.0.0.1:27017/bazaar")
        self.url = url
        self.database_name = database
        self.collection_name = collection
        self.timeout_ms = timeout_ms
        self._client: MongoClient[dict[str, Any]] | None = None
        self._collection: MongoCollection[dict[str, Any]] | None = None
        self._lock = threading.Lock()

    # The connection is made on first use, never at import or settings time.
    @property
    def collection(self) -> MongoCollection[dict[str, Any]]:
        if self._collection is None:
            with self._lock:
                if self._collection is None:
                    client: MongoClient[dict[str, Any]] = MongoClient(
                        self.url,
                        serverSelectionTimeoutMS=self.timeout_ms,
                        connectTimeoutMS=self.timeout_ms,
                        socketTimeoutMS=self.timeout_ms * 3,
                        appname="bazaar-catalog",
                        tz_aware=True,
                    )
                    database = (
                        client[self.database_name]
                        if self.database_name
                        else client.get_default_database(default="bazaar")
                    )
                    collection = database[self.collection_name]
                    try:
                        collection.create_index([("category_id", ASCENDING)], name="category")
                    except PyMongoError as exc:
                        client.close()
                        raise DocumentsUnavailable(f"MongoDB at {self._safe_url()}: {exc}") from exc
                    self._client, self._collection = client, collection
        return self._collection

    def _safe_url(self) -> str:
        head, _, tail = self.url.rpartition("@")
        return f"mongodb://***@{tail}" if head else self.url

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
        self._client = self._collection = None

    # --- writes --------------------------------------------------------------------------------
    @staticmethod
    def _upsert(doc: Document) -> tuple[dict, dict]:
        # Matches only a stored version that is not newer; a newer one makes the upsert try to
        # insert a second _id, which fails with a duplicate key: the write is skipped.
        return (
            {"_id": doc.item_id, "version": {"$lte": doc.version}},
            {
                "$set": {
                    "category_id": doc.category_id,
                    "attributes": dict(doc.attributes),
                    "version": doc.version,
                    "updated_at": datetime.now(UTC),
                }
            },
        )

    def put(self, item_id: int, category_id: int, attributes: Mapping[str, Any], *, version: int = 1) -> bool:
        query, update = self._upsert(Document(item_id, category_id, dict(attributes), version))
        try:
            self.collection.update_one(query, update, upsert=True)
        except DuplicateKeyError:
            return False
        except PyMongoError as exc:
            raise DocumentsUnavailable(str(exc)) from exc
        return True

    def put_many(self, documents: Iterable[Document]) -> int:
        ops = [UpdateOne(*self._upsert(doc), upsert=True) for doc in latest_per_item(documents)]
        if not ops:
            return 0
        try:
            self.collection.bulk_write(ops, ordered=False)
        except BulkWriteError as exc:
            errors = exc.details.get("writeErrors", [])
            others = [e for e in errors if e.get("code") != DUPLICATE_KEY]
            if others:
                raise DocumentsUnavailable(f"{len(others)} document writes failed: {others[0]}") from exc
            return len(ops) - len(errors)
        except PyMongoError as exc:
            raise DocumentsUnavailable(str(exc)) from exc
        return len(ops)

    def delete(self, item_id: int) -> None:
        try:
            self.collection.delete_one({"_id": item_id})
        except PyMongoError as exc:
            raise DocumentsUnavailable(str(exc)) from exc

    def clear(self) -> None:
        self.collection.delete_many({})

    # --- reads ---------------------------------------------------------------------------------
    @staticmethod
    def _document(raw: dict) -> Document:
        return Document(
            item_id=raw["_id"],
            category_id=raw["category_id"],
            attributes=raw.get("attributes") or {},
            version=raw.get("version", 1),
        )

    def get(self, item_id: int) -> Document | None:
        return self.get_many([item_id]).get(item_id)

    def get_many(self, item_ids: Iterable[int]) -> dict[int, Document]:
        ids = list(set(item_ids))
        if not ids:
            return {}
        found: dict[int, Document] = {}
        try:
            # Ids in slices: a huge $in is slow on some servers (SecantusDB: 3,000 ids took 5.7 s
            # in one query, 0.3 s in slices of 100); on MongoDB a slice costs one round trip.
            for start in range(0, len(ids), GET_SLICE):
                cursor = self.collection.find(
                    {"_id": {"$in": ids[start : start + GET_SLICE]}},
                    {"category_id": 1, "attributes": 1, "version": 1},
                )
                found.update((raw["_id"], self._document(raw)) for raw in cursor)
            return found
        except PyMongoError as exc:
            raise DocumentsUnavailable(str(exc)) from exc

    def find(
        self, category_ids: Collection[int] | None = None, filters: Mapping[str, Any] | None = None
    ) -> list[int]:
        query: dict[str, Any] = {}
        if category_ids is not None:
            query["category_id"] = {"$in": list(category_ids)}
        for code, condition in normalise_filters(filters).items():
            key = f"attributes.{code}"
            if isinstance(condition, dict):
                query[key] = {f"${op}": bound for op, bound in condition.items()}
            elif isinstance(condition, list):
                query[key] = {"$in": condition}
            else:
                query[key] = condition
        try:
            return sorted(raw["_id"] for raw in self.collection.find(query, {"_id": 1}))
        except PyMongoError as exc:
            raise DocumentsUnavailable(str(exc)) from exc

    # --- indexes -------------------------------------------------------------------------------
    def ensure_indexes(self, facetable_codes: Iterable[str]) -> None:
        """One `(category_id, attributes.<code>)` index per facetable code; idempotent."""
        wanted = sorted(set(facetable_codes))
        if len(wanted) > MAX_FACET_INDEXES:
            logger.warning(
                "%s facetable attributes; indexing the first %s only", len(wanted), MAX_FACET_INDEXES
            )
            wanted = wanted[:MAX_FACET_INDEXES]
        try:
            existing = set(self.collection.index_information())
            for code in wanted:
                name = FACET_INDEX_PREFIX + code
                if name not in existing:
                    self.collection.create_index(
                        [("category_id", ASCENDING), (f"attributes.{code}", ASCENDING)], name=name
                    )
        except PyMongoError as exc:
            raise DocumentsUnavailable(str(exc)) from exc

    def index_names(self) -> set[str]:
        return set(self.collection.index_information())
