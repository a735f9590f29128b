"""The embedded engine: tantivy (the Rust search library, through its official Python bindings).

On disk, under `path`:

    CURRENT          the name of the generation being served (replaced atomically: os.replace)
    BUILDING         the name of a generation being rebuilt, while a rebuild runs
    g-<time>-<hex>/  one tantivy index per generation

Readers open the generation CURRENT names and look at CURRENT again at most once a second,
so a rebuild's switch reaches every process within a second; a reader's view of its generation
follows commits by itself (tantivy reloads on commit, ~0.5 s across processes, at once within
the writing process). Writers take tantivy's own lock on a generation (one writer at a time,
across processes; others wait up to `lock_timeout` seconds) and commit per call.

Query shape (see base.py for the semantics): each word is one automaton over the combined
`text` field (Levenshtein at the word's AUTO distance, plus a prefix automaton for the last
word), which decides the match; exact-term clauses on title, brand and category add their
boosts to the score. A typo'd word (not a term of the index) also gets a boosted fuzzy clause
on the title, so "samsnug" ranks a title match above a description match. Filters are
wrapped in zero-score constants so they never move the ranking.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import json
import os
import shutil
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import tantivy
from django.conf import settings

from search.backends.base import BOOSTS, FACET_SIZES, TIER_BOOST, SearchUnavailable, facet_split
from search.text import TOKENIZER_NAME, analyzer, fuzziness, prefix_allowed, tokens
from search.types import EngineHit, EngineQuery, EngineResult, FacetCounts, SearchDoc, Sort

POINTER_CHECK_SECONDS = 1.0
CURRENT, BUILDING, LOCK = "CURRENT", "BUILDING", ".lock"
U32 = 0xFFFFFFFF
Occur = tantivy.Occur
Q = tantivy.Query


def _schema() -> tantivy.Schema:
    sb = tantivy.SchemaBuilder()
    sb.add_integer_field("item_id", stored=True, indexed=True, fast=True)
    sb.add_unsigned_field("stamp", fast=True)
    sb.add_unsigned_field("live", indexed=True, fast=True)
    for name in ("text", "title", "brand_text", "category_text"):
        sb.add_text_field(name, tokenizer_name=TOKENIZER_NAME, index_option="freq")
    sb.add_text_field("brand", fast=True, tokenizer_name="raw", index_option="basic")
    sb.add_text_field("facets", fast=True, tokenizer_name="raw", index_option="basic")
    for name in ("category_ids", "warehouse_ids", "price_paise", "rating_x10", "created_ts"):
        sb.add_integer_field(name, indexed=True, fast=True)
    for name in SORT_FIELDS.values():
        sb.add_unsigned_field(name, fast=True)
    sb.add_bytes_field("card", stored=True)  # what a result card shows (_card)
    return sb.build()


SORT_FIELDS = {Sort.PRICE_ASC: "sort_price_asc", Sort.PRICE_DESC: "sort_price_desc",
               Sort.NEWEST: "sort_newest", Sort.RATING: "sort_rating"}


def sort_keys(doc: SearchDoc) -> dict[str, int]:
    """One unsigned key per sort, ascending: the value in the high 32 bits (reversed for the
    descending sorts), the item id in the low 32 bits, so ties go by item id ascending."""
    low = doc.item_id & U32
    price = max(0, min(doc.price_paise, U32))
    created = max(0, min(doc.created_ts, U32))
    return {
        "sort_price_asc": (price << 32) | low,
        "sort_price_desc": ((U32 - price) << 32) | low,
        "sort_newest": ((U32 - created) << 32) | low,
        "sort_rating": ((U32 - doc.rating_x10) << 32) | low,
    }


CARD_SEPARATOR = "\x1f"  # the unit separator: never in product text (the catalog strips control characters)


def _card(doc: SearchDoc) -> bytes:
    """What a result card shows, as one stored value that splits back in a microsecond."""
    return CARD_SEPARATOR.join([
        _clean(doc.title), _clean(doc.brand), _clean(doc.sku), str(doc.price_paise), doc.rating, str(doc.rating_count),
        _clean(doc.image), str(doc.category_id), _clean(doc.category_path), _clean(doc.category_name),
        str(doc.created_ts), ",".join(map(str, doc.warehouse_ids)),
        json.dumps(doc.options, ensure_ascii=False) if doc.options else "",
    ]).encode()


def _clean(text: str) -> str:
    return text.replace(CARD_SEPARATOR, " ")


def _hit(item_id: int, card: bytes) -> EngineHit:
    (title, brand, sku, price, rating, rating_count, image, category_id, category_path, category_name, created,
     warehouses, *more) = card.decode().split(CARD_SEPARATOR)  # an index written before variants has no options
    options = tuple((str(label), int(n)) for label, n in json.loads(more[0])) if more and more[0] else ()
    return EngineHit(
        item_id=item_id, title=title, brand=brand, sku=sku, price_paise=int(price), rating=rating,
        rating_count=int(rating_count), image=image, category_id=int(category_id), category_path=category_path,
        category_name=category_name, created_ts=int(created),
        warehouse_ids=tuple(map(int, warehouses.split(","))) if warehouses else (), options=options,
    )


class TantivyBackend:
    def __init__(self, path: str = "var/search-index", *, writer_heap_bytes: int = 50_000_000,
                 writer_threads: int = 1, lock_timeout: float = 10.0):
        root = Path(path)
        self.root = root if root.is_absolute() else Path(settings.BASE_DIR) / root
        self.writer_threads = max(1, writer_threads)
        self.writer_heap_bytes = max(15_000_000 * self.writer_threads, writer_heap_bytes)
        self.lock_timeout = lock_timeout
        self.schema = _schema()
        self._indexes: dict[str, tantivy.Index] = {}
        self._current: str | None = None
        self._checked_at = 0.0
        self._mutex = threading.RLock()

    # --- generations ---------------------------------------------------------------------------

    @contextlib.contextmanager
    def _root_lock(self) -> Iterator[None]:
        """Serialise changes to CURRENT/BUILDING across processes (not searches, not writes)."""
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.root / LOCK, "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _read_pointer(self, name: str) -> str | None:
        try:
            text = (self.root / name).read_text().strip()
        except FileNotFoundError:
            return None
        return text or None

    def _write_pointer(self, name: str, generation: str) -> None:
        temporary = self.root / f".{name}.{uuid.uuid4().hex}"
        temporary.write_text(generation + "\n")
        os.replace(temporary, self.root / name)

    def _new_generation(self) -> str:
        generation = f"g-{time.strftime('%Y%m%d%H%M%S')}-{uuid.uuid4().hex[:8]}"
        (self.root / generation).mkdir(parents=True)
        self._index(generation)  # creates the empty index
        return generation

    def _current_generation(self) -> str:
        now = time.monotonic()
        if self._current is not None and now - self._checked_at < POINTER_CHECK_SECONDS:
            return self._current
        with self._mutex:
            current = self._read_pointer(CURRENT)
            if current is None or not (self.root / current).is_dir():
                with self._root_lock():
                    current = self._read_pointer(CURRENT)
                    if current is None or not (self.root / current).is_dir():
                        current = self._new_generation()
                        self._write_pointer(CURRENT, current)
            if current != self._current:
                self._forget(self._current)
            self._current, self._checked_at = current, now
            return current

    def _forget(self, generation: str | None) -> None:
        if generation is not None:
            self._indexes.pop(generation, None)

    def _index(self, generation: str) -> tantivy.Index:
        index = self._indexes.get(generation)
        if index is None:
            with self._mutex:
                index = self._indexes.get(generation)
                if index is None:
                    index = tantivy.Index(self.schema, path=str(self.root / generation))
                    index.register_tokenizer(TOKENIZER_NAME, analyzer())
                    self._indexes[generation] = index
        return index

    # --- writes --------------------------------------------------------------------------------

    def upsert(self, docs: Sequence[SearchDoc]) -> int:
        docs = _latest_per_item(docs)
        if not docs:
            return 0
        current = self._current_generation()
        written = self._write(current, docs)
        building = self._read_pointer(BUILDING)
        if building and building != current and (self.root / building).is_dir():
            self._write(building, docs)
        # A rebuild may have switched CURRENT while we wrote: the new one gets the docs too.
        self._checked_at = 0.0
        now_current = self._current_generation()
        if now_current not in (current, building):
            self._write(now_current, docs)
        return written

    def rebuild_start(self) -> str:
        with self._root_lock():
            self.root.mkdir(parents=True, exist_ok=True)
            abandoned = self._read_pointer(BUILDING)
            generation = self._new_generation()
            self._write_pointer(BUILDING, generation)
        if abandoned and abandoned != generation:
            self._drop(abandoned)
        return generation

    def rebuild_write(self, generation: str, docs: Sequence[SearchDoc]) -> int:
        return self._write(generation, _latest_per_item(docs))

    def rebuild_finish(self, generation: str) -> None:
        with self._root_lock():
            previous = self._read_pointer(CURRENT)
            self._write_pointer(CURRENT, generation)
            if self._read_pointer(BUILDING) == generation:
                (self.root / BUILDING).unlink(missing_ok=True)
        self._checked_at = 0.0
        self._current_generation()
        # Keep the generation just replaced (a process may still be reading it for up to a
        # second); drop anything older.
        for path in self.root.glob("g-*"):
            if path.name not in (generation, previous):
                self._drop(path.name)

    def rebuild_abort(self, generation: str) -> None:
        with self._root_lock():
            if self._read_pointer(BUILDING) == generation:
                (self.root / BUILDING).unlink(missing_ok=True)
        self._drop(generation)

    def clear(self) -> None:
        with self._mutex:
            self._indexes.clear()
            self._current = None
            shutil.rmtree(self.root, ignore_errors=True)

    def _drop(self, generation: str) -> None:
        self._forget(generation)
        shutil.rmtree(self.root / generation, ignore_errors=True)

    @contextlib.contextmanager
    def _writer(self, index: tantivy.Index) -> Iterator[tantivy.IndexWriter]:
        deadline = time.monotonic() + self.lock_timeout
        while True:
            try:
                writer = index.writer(self.writer_heap_bytes, self.writer_threads)
                break
            except ValueError as exc:
                if "LockBusy" not in str(exc) or time.monotonic() > deadline:
                    raise SearchUnavailable(f"The search index is locked by another writer: {exc}") from exc
                time.sleep(0.02)
        try:
            yield writer
        except BaseException:
            writer.rollback()
            raise
        finally:
            writer.wait_merging_threads()  # finishes merges and releases the lock

    def _write(self, generation: str, docs: Sequence[SearchDoc]) -> int:
        index = self._index(generation)
        written = 0
        with self._writer(index) as writer:
            index.reload()  # see every commit made before we took the lock
            stored = self._stamps(index.searcher(), [d.item_id for d in docs])
            for doc in docs:
                if stored.get(doc.item_id, -1) > doc.stamp:
                    continue
                writer.delete_documents_by_term("item_id", doc.item_id)
                writer.add_document(self._document(doc))
                written += 1
            if written:
                writer.commit()
        if written:
            index.reload()
        return written

    def _stamps(self, searcher: tantivy.Searcher, item_ids: list[int]) -> dict[int, int]:
        stamps: dict[int, int] = {}
        for start in range(0, len(item_ids), 1000):
            chunk = item_ids[start:start + 1000]
            hits = searcher.search(Q.term_set_query(self.schema, "item_id", chunk), len(chunk) * 2,
                                   count=False).hits
            if not hits:
                continue
            addresses = [address for _, address in hits]
            ids = searcher.fast_field_values("item_id", addresses)
            values = searcher.fast_field_values("stamp", addresses)
            for item_id, stamp in zip(ids, values, strict=True):
                if item_id is None:  # every document is written with one (_document)
                    continue
                stamps[int(item_id)] = max(stamps.get(int(item_id), -1), int(stamp or 0))
        return stamps

    def _document(self, doc: SearchDoc) -> tantivy.Document:
        fields: dict = {"item_id": doc.item_id, "stamp": doc.stamp, "live": 1 if doc.findable else 0}
        if doc.findable:
            fields.update({
                "text": doc.search_text, "title": doc.title, "brand_text": doc.brand,
                "category_text": doc.category_text, "brand": doc.brand or "", "facets": list(doc.facets),
                "category_ids": list(doc.category_ids), "warehouse_ids": list(doc.warehouse_ids),
                "price_paise": doc.price_paise, "rating_x10": doc.rating_x10, "created_ts": doc.created_ts,
                "card": _card(doc), **sort_keys(doc),
            })
            fields = {k: v for k, v in fields.items() if v not in ([], "")}
        return tantivy.Document.from_dict(fields, self.schema)

    # --- reads ---------------------------------------------------------------------------------

    def query(self, q: EngineQuery) -> EngineResult:
        try:
            index = self._index(self._current_generation())
            searcher = index.searcher()
            return self._query(searcher, q)
        except (OSError, ValueError) as exc:
            raise SearchUnavailable(str(exc)) from exc

    def _query(self, searcher: tantivy.Searcher, q: EngineQuery) -> EngineResult:
        text = self._text_query(searcher, q)
        filters = self._filters(q)
        query = self._compose(text, filters, q)
        # Facet counts run beside the search: tantivy's aggregate releases the GIL (its search
        # does not), so the worker is let in first and the page waits for the slower of the two.
        facets_future = None
        if q.facets:
            started = threading.Event()
            facets_future = _facet_pool().submit(_aggregate, searcher, self._facet_plan(searcher, filters, q), started)
            started.wait()
        limit = max(1, q.limit)
        if q.sort in SORT_FIELDS:
            result = searcher.search(query, limit, order_by_field=SORT_FIELDS[q.sort],
                                     order=tantivy.Order.Asc, offset=q.offset)
        else:
            result = searcher.search(query, limit, offset=q.offset)
        hits = []
        if q.limit > 0:
            for _, address in result.hits:
                stored = searcher.doc(address)
                item_id, card = stored.get_first("item_id"), stored.get_first("card")
                if item_id is None or card is None:  # a live document has both (_document): a broken index
                    raise ValueError(f"Search document {address} has no item_id or card.")
                hits.append(_hit(item_id, card))
        facets = self._facet_counts(facets_future.result()) if facets_future is not None else FacetCounts()
        # tantivy's stub lacks SearchResult.count, which search(count=True), the default, fills.
        return EngineResult(total=result.count, hits=hits, facets=facets)  # type: ignore[attr-defined]

    def _text_query(self, searcher: tantivy.Searcher, q: EngineQuery, *, ranked: bool = True) -> tantivy.Query | None:
        """The words' match clauses; with `ranked`, also the clauses that only add to the score
        (facet counts don't need those)."""
        words = tokens(q.text)
        if not words:
            return None
        clauses = []
        for position, word in enumerate(words):
            last = position == len(words) - 1
            distance = fuzziness(word, q.fuzziness_extra)
            alternatives = [Q.term_query(self.schema, "text", word) if distance == 0
                            else Q.fuzzy_term_query(self.schema, "text", word, distance)]
            if prefix_allowed(word, last=last, as_you_type=q.as_you_type):
                alternatives.append(Q.fuzzy_term_query(self.schema, "text", word, 0, True, True))
            matches = alternatives[0] if len(alternatives) == 1 else Q.boolean_query(
                [(Occur.Should, a) for a in alternatives])
            clauses.append((Occur.Must, matches))
            if not ranked:
                continue
            for field, boost in (("title", BOOSTS["title"]), ("brand_text", BOOSTS["brand"]),
                                 ("category_text", BOOSTS["category"])):
                clauses.append((Occur.Should, Q.boost_query(Q.term_query(self.schema, field, word), boost)))
            if distance and searcher.doc_freq("text", word) == 0:
                clauses.append((Occur.Should, Q.boost_query(
                    Q.fuzzy_term_query(self.schema, "title", word, distance), BOOSTS["title"] / 2)))
        return clauses[0][1] if len(clauses) == 1 else Q.boolean_query(clauses)

    def _filters(self, q: EngineQuery) -> dict[str, tantivy.Query]:
        """Each filter by its name; facets leave out their own."""
        schema = self.schema
        filters: dict[str, tantivy.Query] = {}
        if not tokens(q.text) and q.category_id is None and q.warehouse_ids is None:
            # A tombstone has no text, category or warehouse: any of those filters leaves it out.
            filters["live"] = Q.term_query(schema, "live", 1)
        if q.category_id is not None:
            filters["category"] = Q.term_query(schema, "category_ids", q.category_id)
        if q.brands:
            filters["brand"] = _any(Q.term_query(schema, "brand", b) for b in q.brands)
        if q.price_min_paise is not None or q.price_max_paise is not None:
            filters["price"] = Q.range_query(schema, "price_paise", tantivy.FieldType.Integer,
                                             q.price_min_paise, q.price_max_paise)
        if q.rating_min_x10 is not None:
            filters["rating"] = Q.range_query(schema, "rating_x10", tantivy.FieldType.Integer, q.rating_min_x10, None)
        for code, values in sorted(q.attributes.items()):
            if values:
                filters[f"attr:{code}"] = _any(Q.term_query(schema, "facets", f"{code}={v}") for v in values)
        if q.warehouse_ids is not None:
            filters["deliverable"] = self._warehouses(q.warehouse_ids)
        return filters

    def _warehouses(self, warehouse_ids: frozenset[int]) -> tantivy.Query:
        if not warehouse_ids:
            return Q.empty_query()
        return _any(Q.term_query(self.schema, "warehouse_ids", w) for w in sorted(warehouse_ids))

    def _compose(self, text: tantivy.Query | None, filters: dict[str, tantivy.Query], q: EngineQuery,
                 *, without: str | None = None, ranked: bool = True) -> tantivy.Query:
        clauses = [(Occur.Must, text if text is not None else Q.all_query())]
        clauses += [(Occur.Must, Q.const_score_query(f, 0.0)) for name, f in filters.items() if name != without]
        if ranked and q.sort == Sort.FASTEST and q.delivery_tiers:
            reached: set[int] = set()
            for tier in q.delivery_tiers:
                reached |= tier
                clauses.append((Occur.Should, Q.const_score_query(self._warehouses(frozenset(reached)), TIER_BOOST)))
        return Q.boolean_query(clauses)

    def _facet_plan(self, searcher: tantivy.Searcher, filters: dict[str, tantivy.Query],
                    q: EngineQuery) -> list[tuple[str, tantivy.Query, dict]]:
        """The aggregations that make the facet counts: one over everything found, and one per
        filter that its own facet must ignore (brand, rating, each attribute code)."""
        text = self._text_query(searcher, q, ranked=False)
        base = {"categories": _terms("category_ids", "categories"), "attributes": _terms("facets", "attributes")}
        if "brand" not in filters:
            base["brands"] = _terms("brand", "brands")
        if "rating" not in filters:
            base["ratings"] = _terms("rating_x10", "ratings")
        plan = [("", self._compose(text, filters, q, ranked=False), base)]
        own = {"brand": {"brands": _terms("brand", "brands")}, "rating": {"ratings": _terms("rating_x10", "ratings")}}
        for name in filters:
            if name in own:
                plan.append((name, self._compose(text, filters, q, without=name, ranked=False), own[name]))
            elif name.startswith("attr:"):
                plan.append((name, self._compose(text, filters, q, without=name, ranked=False),
                             {"attributes": _terms("facets", "attributes")}))
        return plan

    @staticmethod
    def _facet_counts(answers: list[tuple[str, dict]]) -> FacetCounts:
        categories: dict[int, int] = {}
        brands: dict[str, int] = {}
        ratings: dict[int, int] = {}
        attributes: dict[str, dict[str, int]] = {}
        excluded = {name for name, _ in answers if name}
        for name, answer in answers:
            for bucket in _buckets(answer, "categories"):
                categories[int(bucket["key"])] = bucket["doc_count"]
            for bucket in _buckets(answer, "brands"):
                if bucket["key"]:
                    brands[str(bucket["key"])] = bucket["doc_count"]
            for bucket in _buckets(answer, "ratings"):
                stars = int(bucket["key"]) // 10
                ratings[stars] = ratings.get(stars, 0) + bucket["doc_count"]
            for bucket in _buckets(answer, "attributes"):
                code, value = facet_split(bucket["key"])
                # A code with a filter is counted by its own aggregation (name "attr:<code>") only.
                if (name == f"attr:{code}") or (not name and f"attr:{code}" not in excluded):
                    attributes.setdefault(code, {})[value] = bucket["doc_count"]
        return FacetCounts(brands=brands, categories=categories, attributes=attributes, ratings=ratings)


def _terms(field: str, size_key: str) -> dict:
    return {"terms": {"field": field, "size": FACET_SIZES[size_key]}}


def _buckets(answer: dict, name: str) -> list[dict]:
    return answer.get(name, {}).get("buckets", [])


def _aggregate(searcher: tantivy.Searcher, plan: list[tuple[str, tantivy.Query, dict]],
               started: threading.Event) -> list[tuple[str, dict]]:
    started.set()
    return [(name, searcher.aggregate(query, aggs)) for name, query, aggs in plan]


@functools.cache
def _facet_pool() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=4, thread_name_prefix="search-facets")


def _any(queries) -> tantivy.Query:
    queries = list(queries)
    return queries[0] if len(queries) == 1 else Q.boolean_query([(Occur.Should, x) for x in queries])


def _latest_per_item(docs: Sequence[SearchDoc]) -> list[SearchDoc]:
    latest: dict[int, SearchDoc] = {}
    for doc in docs:
        if doc.item_id not in latest or doc.stamp >= latest[doc.item_id].stamp:
            latest[doc.item_id] = doc
    return list(latest.values())
