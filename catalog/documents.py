"""Between items and the item-documents port: write with the item, read with repair.

A transactional backend (the relational one) is written inside the item's transaction.
Any other backend (MongoDB) is never written inside a database transaction: the item's
transaction records a `PendingItemDocument` row instead, and after commit the row is sent to
the backend and deleted. If the backend is down the row stays; readers are served from it
(they never see attributes older than the item row), the next read of that item after
`REPAIR_AFTER_SECONDS` retries it, and `sync_item_documents` retries all of them.
See docs/decisions/0006-item-documents.md.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models import F
from django.utils import timezone

from catalog.backends.base import Document, DocumentsUnavailable, ItemDocuments
from catalog.backends.relational import RelationalItemDocuments, upsert_target
from catalog.models import Item, ItemDocument, PendingItemDocument
from shop.backends import get_backend

logger = logging.getLogger(__name__)

PORT = "item_documents"
# A pending document younger than this is probably being flushed by its own on-commit hook.
REPAIR_AFTER_SECONDS = 10
_PENDING_ATTR = "_catalog_documents_to_flush"


def documents_backend() -> ItemDocuments:
    return get_backend(PORT)


# --- writes, inside the item's transaction ---------------------------------------------------


def documents_write(documents: Sequence[Document]) -> None:
    """Record the documents of items changed in the current transaction."""
    if not documents:
        return
    backend = documents_backend()
    if backend.transactional:
        backend.put_many(documents)
        return
    if not connections[DEFAULT_DB_ALIAS].in_atomic_block:
        raise RuntimeError("documents_write belongs inside the item's transaction")
    PendingItemDocument.objects.bulk_create(
        [
            PendingItemDocument(
                item_id=d.item_id, category_id=d.category_id, attributes=d.attributes, version=d.version
            )
            for d in documents
        ],
        update_conflicts=True,
        unique_fields=upsert_target(DEFAULT_DB_ALIAS, ["item_id"]),
        update_fields=["category_id", "attributes", "version", "written_at", "attempts", "last_error"],
        batch_size=500,
    )
    # One set of ids per connection (so per thread), drained by the first hook that runs after
    # commit. Each write adds a hook: a hook added inside a rolled-back savepoint is dropped,
    # the others still run.
    connection = connections[DEFAULT_DB_ALIAS]
    pending: set[int] = getattr(connection, _PENDING_ATTR, None) or set()
    pending.update(d.item_id for d in documents)
    setattr(connection, _PENDING_ATTR, pending)
    transaction.on_commit(_flush_after_commit)


def _flush_after_commit() -> None:
    connection = connections[DEFAULT_DB_ALIAS]
    ids = getattr(connection, _PENDING_ATTR, None)
    setattr(connection, _PENDING_ATTR, None)
    if ids:
        documents_flush(item_ids=sorted(ids))


# --- carrying pending documents to the backend -----------------------------------------------


@dataclass(frozen=True)
class FlushReport:
    written: int = 0
    skipped: int = 0  # the backend already had a newer version
    failed: int = 0


def documents_flush(
    *, item_ids: Iterable[int] | None = None, older_than: timedelta | None = None, limit: int = 1000
) -> FlushReport:
    """Send pending documents to the backend and forget them. Never raises for a backend outage.

    Runs outside any transaction (after commit, from the repair task). A pending row is deleted
    only if its version is still the one sent, so a newer write made meanwhile is kept.
    """
    rows = PendingItemDocument.objects.order_by("item_id")
    if item_ids is not None:
        rows = rows.filter(item_id__in=list(item_ids))
    if older_than is not None:
        rows = rows.filter(written_at__lte=timezone.now() - older_than)
    batch = list(rows[:limit])
    if not batch:
        return FlushReport()
    documents = [Document(r.item_id, r.category_id, r.attributes, r.version) for r in batch]
    try:
        stored = documents_backend().put_many(documents)
    except DocumentsUnavailable as exc:
        logger.warning("Item documents backend unavailable; %s documents stay pending: %s", len(batch), exc)
        PendingItemDocument.objects.filter(item_id__in=[r.item_id for r in batch]).update(
            attempts=F("attempts") + 1, last_error=str(exc)[:2000]
        )
        return FlushReport(failed=len(batch))
    by_version: dict[int, list[int]] = {}
    for row in batch:
        by_version.setdefault(row.version, []).append(row.item_id)
    for version, ids in by_version.items():  # few distinct versions: a handful of DELETEs
        PendingItemDocument.objects.filter(version=version, item_id__in=ids).delete()
    return FlushReport(written=stored, skipped=len(batch) - stored)


# --- reads -----------------------------------------------------------------------------------


def documents_read(items: Sequence[Item]) -> dict[int, dict[str, Any]]:
    """The attributes of these items: one backend call, and one query more only if some are stale."""
    if not items:
        return {}
    backend = documents_backend()
    documents = backend.get_many([item.pk for item in items])
    attributes: dict[int, dict[str, Any]] = {}
    stale: list[Item] = []
    for item in items:
        doc = documents.get(item.pk)
        if doc is not None and doc.version >= item.document_version:
            attributes[item.pk] = doc.attributes
        else:
            stale.append(item)
            attributes[item.pk] = doc.attributes if doc is not None else {}
    if stale:
        _serve_stale(stale, attributes, transactional=backend.transactional)
    return attributes


def _serve_stale(stale: list[Item], attributes: dict[int, dict[str, Any]], *, transactional: bool) -> None:
    pending = (
        {}
        if transactional
        else {
            row.item_id: row for row in PendingItemDocument.objects.filter(item_id__in=[i.pk for i in stale])
        }
    )
    due: list[int] = []
    cutoff = timezone.now() - timedelta(seconds=REPAIR_AFTER_SECONDS)
    for item in stale:
        row = pending.get(item.pk)
        if row is not None and row.version >= item.document_version:
            attributes[item.pk] = row.attributes
            if row.written_at <= cutoff:
                due.append(item.pk)
        else:
            logger.error(
                "Item %s: its document (v%s) is missing or stale and nothing is pending; "
                "run `manage.py sync_item_documents --check`",
                item.pk,
                item.document_version,
            )
    in_transaction = connections[DEFAULT_DB_ALIAS].in_atomic_block
    if due and not in_transaction:  # repair on read, never inside someone's transaction
        documents_flush(item_ids=due)


def documents_check(*, batch_size: int = 1000) -> list[int]:
    """Ids of items whose document is missing or older than the row and has nothing pending."""
    backend = documents_backend()
    broken: list[int] = []
    last = 0
    while True:
        batch = list(
            Item.objects.filter(pk__gt=last).order_by("pk").only("pk", "document_version")[:batch_size]
        )
        if not batch:
            return broken
        last = batch[-1].pk
        docs = backend.get_many([i.pk for i in batch])
        stale = [i for i in batch if i.pk not in docs or docs[i.pk].version < i.document_version]
        if stale and not backend.transactional:
            pending = dict(
                PendingItemDocument.objects.filter(item_id__in=[i.pk for i in stale]).values_list(
                    "item_id", "version"
                )
            )
            stale = [i for i in stale if pending.get(i.pk, 0) < i.document_version]
        broken.extend(i.pk for i in stale)


def documents_copy_from_relational(*, batch_size: int = 1000) -> int:
    """Copy the embedded backend's table into the configured backend (moving to MongoDB).

    Versions make it safe to run while the shop runs, and to run again.
    """
    target = documents_backend()
    if isinstance(target, RelationalItemDocuments):
        return 0
    copied, last = 0, 0
    while True:
        rows = list(ItemDocument.objects.filter(item_id__gt=last).order_by("item_id")[:batch_size])
        if not rows:
            return copied
        copied += target.put_many([Document(r.item_id, r.category_id, r.attributes, r.version) for r in rows])
        last = rows[-1].item_id
