"""Writes of search: keep the index in step with the catalog and stock, rebuild it, record searches.

Freshness: an event marks the item stale (a row, in the consumer's transaction); the flush
re-reads it and writes its document. Every write carries a stamp taken before the read, and
engines keep the later stamp, so a slow flush, a retry or a rebuild can never put an older
state back over a newer one.
"""

from __future__ import annotations

import itertools
import logging
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import Q
from django.utils import timezone

from catalog.interface import item_ids_find, item_snapshots_iter, items_get, variant_group_members
from events.interface import emit_analytics
from inventory.interface import stock_locations
from search.backends.base import SearchBackend
from search.documents import doc_build, group_docs_build
from search.freshness import index_changed
from search.models import StaleItem
from search.selectors import categories_forget, categories_fresh, search_backend
from search.types import SearchDoc, SearchParams
from shop.queue import enqueue

logger = logging.getLogger(__name__)

SEARCH_PERFORMED = "search.performed.v1"
FLUSH_BATCH = 500
FLUSH_LOCK_KEY = "search:flush:lock"
FLUSH_LOCK_SECONDS = 60


def stamp_now() -> int:
    return time.time_ns()


# --- the consumer's side: mark, then flush ----------------------------------------------------

def items_mark_stale(*, item_ids: Iterable[int]) -> int:
    """Record that these items' documents are out of date (idempotent: marking again only moves
    the time), and ask a worker to flush once the caller's transaction commits."""
    ids = sorted({int(i) for i in item_ids})
    if not ids:
        return 0
    now = timezone.now()
    # ON CONFLICT (item_id) DO UPDATE on SQLite; MySQL's ON DUPLICATE KEY takes no target.
    target = ["item_id"] if connection.features.supports_update_conflicts_with_target else None
    StaleItem.objects.bulk_create([StaleItem(item_id=i, marked_at=now) for i in ids], update_conflicts=True,
                                  unique_fields=target, update_fields=["marked_at"])
    _request_flush()
    return len(ids)


def _request_flush() -> None:
    """Queue a flush once the caller's transaction commits; if the broker is away, the periodic
    sweep flushes anyway (shop.queue logs it, a commit never fails for it)."""
    enqueue("search.flush_stale_items")


@dataclass(frozen=True)
class FlushReport:
    items: int = 0
    written: int = 0
    busy: bool = False


def stale_items_flush(*, batch: int = FLUSH_BATCH, max_batches: int = 200,
                      backend: SearchBackend | None = None) -> FlushReport:
    """Rewrite the documents of every stale item, `batch` at a time, outside any transaction.

    One flush at a time per cache (a lock that expires, so a crashed worker can't block it);
    a second caller returns at once with `busy`: the running one will see its rows too. At most
    `max_batches` rounds, so a stream of new marks can't keep one task busy for ever (the sweep
    picks up the rest).
    """
    if not cache.add(FLUSH_LOCK_KEY, 1, FLUSH_LOCK_SECONDS):
        return FlushReport(busy=True)
    try:
        items = written = 0
        seen_up_to = None
        for _ in range(max_batches):
            rows = StaleItem.objects.order_by("marked_at", "item_id")
            if seen_up_to is not None:
                rows = rows.filter(Q(marked_at__gt=seen_up_to[0]) | Q(marked_at=seen_up_to[0],
                                                                     item_id__gt=seen_up_to[1]))
            marked = list(rows.values_list("item_id", "marked_at")[:batch])
            if not marked:
                break
            written += items_reindex(item_ids=[i for i, _ in marked], backend=backend)
            items += len(marked)
            condition = Q()
            for item_id, marked_at in marked:
                condition |= Q(item_id=item_id, marked_at=marked_at)
            StaleItem.objects.filter(condition).delete()  # marked again meanwhile: stays for the next round
            seen_up_to = (marked[-1][1], marked[-1][0])
            cache.touch(FLUSH_LOCK_KEY, FLUSH_LOCK_SECONDS)
        return FlushReport(items=items, written=written)
    finally:
        cache.delete(FLUSH_LOCK_KEY)


def documents_read(item_ids: Iterable[int]) -> list[SearchDoc]:
    """The current documents of these items (tombstones for unknown, retired or draft ones).
    The stamp is taken before anything is read.

    A variant of a listing with options brings its whole listing: the listing is one document
    (search.documents.group_docs_build), so any change to one variant (price, stock, retired)
    rewrites the listing's representative and the other variants' tombstones together."""
    ids = list(dict.fromkeys(int(i) for i in item_ids))
    stamp = stamp_now()
    groups = variant_group_members(item_ids=ids)
    every = list(dict.fromkeys([*ids, *(m for members in groups.values() for m in members)]))
    snapshots = items_get(every)
    locations = stock_locations(item_ids=every)
    categories = categories_fresh()
    docs: list[SearchDoc] = []
    done: set[int] = set()
    for i in every:
        if i in done:
            continue
        members = groups.get(i)
        if members:
            docs += group_docs_build([snapshots.get(m) for m in members], item_ids=members, stamp=stamp,
                                     locations=locations, categories=categories)
            done.update(members)
        else:
            docs.append(doc_build(snapshots.get(i), item_id=i, stamp=stamp, warehouse_ids=locations.get(i, ()),
                                  categories=categories))
    return docs


def items_reindex(*, item_ids: Iterable[int], backend: SearchBackend | None = None) -> int:
    """Read these items now and write their documents; returns how many the engine took."""
    docs = documents_read(item_ids)
    if not docs:
        return 0
    written = (backend or search_backend()).upsert(docs)
    index_changed()  # after the engine has them: pages kept by what they show are built again
    return written


def category_reindex(*, category_id: int) -> int:
    """A category was renamed, moved or its schema changed: forget the cached tree and mark its
    own items stale (catalog sends the event for every category below it as well)."""
    categories_forget()
    return items_mark_stale(item_ids=item_ids_find(category_id=category_id, include_descendants=False))


# --- a full rebuild, while search keeps serving -----------------------------------------------

@dataclass(frozen=True)
class RebuildReport:
    generation: str
    items: int
    findable: int
    seconds: float


REBUILD_LOCK_KEY = "search:rebuild:lock"
REBUILD_LOCK_SECONDS = 600  # renewed after every batch; frees itself if a rebuild dies


class RebuildInProgress(Exception):
    """Another rebuild is running: two at once would delete each other's half-built index."""


class RebuildLockUnavailable(Exception):
    """The cache that holds the rebuild lock did not answer: nobody can tell whether another
    rebuild is running, so none starts (docs/decisions/0016)."""


def _rebuild_lock_take(token: str) -> None:
    """Take the rebuild lock, or say precisely why not: held by another rebuild, or the lock
    store (the cache) is down. django-redis with IGNORE_EXCEPTIONS answers None for a failed
    add (False means the key exists); without it, it raises."""
    try:
        taken = cache.add(REBUILD_LOCK_KEY, token, REBUILD_LOCK_SECONDS)
    except Exception as exc:
        raise RebuildLockUnavailable(_lock_store_down(exc)) from exc
    if taken is None:
        raise RebuildLockUnavailable(_lock_store_down("no answer"))
    if not taken:
        raise RebuildInProgress("A search rebuild is already running; try again when it has finished.")


def _lock_store_down(error: object) -> str:
    location = str(settings.CACHES.get("default", {}).get("LOCATION", ""))
    location = location.rpartition("@")[2]  # never a password from the URL
    return (f"The search rebuild lock is kept in the cache ({location}), which is unreachable ({error}). "
            "Without it another rebuild might be running, so none was started. Bring the cache back "
            "(or unset REDIS_URL for a single-machine setup) and run `manage.py search_rebuild` again.")


def index_rebuild(*, batch_size: int = 1000, backend: SearchBackend | None = None,
                  progress: Callable[[int], None] | None = None) -> RebuildReport:
    token = uuid.uuid4().hex
    _rebuild_lock_take(token)
    try:
        return _index_rebuild(batch_size=batch_size, backend=backend, progress=progress)
    finally:
        try:
            if cache.get(REBUILD_LOCK_KEY) == token:
                cache.delete(REBUILD_LOCK_KEY)
        except Exception:  # the cache went away meanwhile: the lock expires by itself
            logger.warning("Could not release the search rebuild lock; it expires in %d s",
                           REBUILD_LOCK_SECONDS, exc_info=True)


def _rebuild_lock_renew() -> None:
    """Keep the lock while building. A cache that fails now doesn't stop a rebuild half done:
    the lock is only at risk of expiring, which is logged."""
    try:
        renewed = cache.touch(REBUILD_LOCK_KEY, REBUILD_LOCK_SECONDS)
    except Exception as exc:
        renewed = None
        logger.warning("Could not renew the search rebuild lock (%s); going on", exc)
    if not renewed:
        logger.warning("The search rebuild lock was not renewed; it may expire before the rebuild ends")


def _index_rebuild(*, batch_size: int, backend: SearchBackend | None,
                   progress: Callable[[int], None] | None) -> RebuildReport:
    """Build a new index from every active item of the catalog, then switch searches to it.

    While it builds, the old index keeps serving and every flush writes to both, so changes made
    meanwhile reach the new one too (stamps keep the later state whatever the order). Retired and
    draft items are simply left out.
    """
    backend = backend or search_backend()
    started = time.perf_counter()
    categories_forget()
    generation = backend.rebuild_start()
    items = findable = 0
    try:
        snapshots = item_snapshots_iter(batch_size=batch_size, status="active")
        while True:
            # The iterator reads a whole batch on the first next() of it: stamp before that.
            stamp = stamp_now()
            batch = list(itertools.islice(snapshots, batch_size))
            if not batch:
                break
            single = [s for s in batch if s.variant_group_id is None]
            locations = stock_locations(item_ids=[s.item_id for s in single])
            categories = categories_fresh()
            docs = [doc_build(s, item_id=s.item_id, stamp=stamp, warehouse_ids=locations.get(s.item_id, ()),
                              categories=categories) for s in single]
            # Variants: their listings, read whole (a listing may span batches: written again, alike).
            docs += documents_read([s.item_id for s in batch if s.variant_group_id is not None])
            backend.rebuild_write(generation, docs)
            _rebuild_lock_renew()
            items += len(docs)
            findable += sum(1 for d in docs if d.findable)
            if progress:
                progress(items)
        backend.rebuild_finish(generation)
        index_changed()
    except BaseException:
        backend.rebuild_abort(generation)
        raise
    return RebuildReport(generation=generation, items=items, findable=findable,
                         seconds=time.perf_counter() - started)


# --- every search is an event -----------------------------------------------------------------

def search_performed_record(*, params: SearchParams, pin: str | None, result_count: int,
                            user_id: int | None, session_key: str | None) -> None:
    """Emit search.performed.v1 for the recommendation jobs (keyed by user, else session), by the
    analytics path: batched, no write in the page's request (events/buffer.py)."""
    emit_analytics(SEARCH_PERFORMED, key=user_id or session_key or "anonymous", payload={
        "query": params.q,
        "filters": params.filters_payload(),
        "pin": pin or None,
        "result_count": result_count,
        "user_id": user_id,
        "session": session_key,
    })
