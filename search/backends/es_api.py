"""What the Elasticsearch and OpenSearch backends share: the REST API both engines speak.

OpenSearch is a fork of Elasticsearch 7.10 and still takes the same JSON for everything the
shop uses (mappings, bulk with external versions, bool/fuzzy/prefix queries, post_filter,
filter and terms aggregations, aliases). So this module holds the whole backend once: the index
body, the document of an item, the search body of an `EngineQuery` and the reading of the
answer, all plain dicts, and `AliasedIndexBackend`, the flow over generations and aliases.
search/backends/elasticsearch.py and search/backends/opensearch.py only say how their client
makes the calls where they differ (`_connect`, `_get_aliases`, `_update_aliases`,
`_delete_index`, `_search`), which bulk helper it has and which client errors mean the engine is unavailable:
the two clients differ in call shapes and exceptions, not in what goes over the wire.

Indexes: one per generation, `<index>-g-<time>-<hex>`; the alias `<index>` names the one being
served and `<index>-building` the one being rebuilt. A rebuild's switch is one `_aliases` call
(atomic). Every write is a bulk request with `version_type=external_gte` and the document's
stamp as its version: the engine itself keeps the later read, in any arrival order.

Facets in one request: the filters that facets must ignore (brand, rating, attributes) are a
`post_filter`, and each facet is a `filter` aggregation with the other ones.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from search.backends.base import BOOSTS, FACET_SIZES, TIER_BOOST, SearchUnavailable, facet_split
from search.text import fuzziness, prefix_allowed, tokens
from search.types import EngineHit, EngineQuery, EngineResult, FacetCounts, SearchDoc, Sort

ANALYZER = "bazaar_text"
_TEXT = {"type": "text", "analyzer": ANALYZER}

# The index: every generation is created with this body. `card` is what a result shows: kept in
# _source, not indexed. Strict: a field the code does not declare here is an error, not a guess.
INDEX_BODY: dict[str, Any] = {
    "settings": {"analysis": {"analyzer": {
        ANALYZER: {"type": "custom", "tokenizer": "standard", "filter": ["lowercase", "asciifolding"]}}}},
    "mappings": {
        "dynamic": "strict",
        "properties": {
            "item_id": {"type": "long"},
            "live": {"type": "boolean"},
            "text": _TEXT,
            "title": _TEXT,
            "brand_text": _TEXT,
            "category_text": _TEXT,
            "brand": {"type": "keyword"},
            "facets": {"type": "keyword"},
            "category_ids": {"type": "long"},
            "warehouse_ids": {"type": "long"},
            "price_paise": {"type": "long"},
            "rating_x10": {"type": "integer"},
            "created_ts": {"type": "long"},
            "card": {"type": "object", "enabled": False},
        },
    },
}

SORTS: dict[Sort, list[Any]] = {
    Sort.PRICE_ASC: [{"price_paise": "asc"}, {"item_id": "asc"}],
    Sort.PRICE_DESC: [{"price_paise": "desc"}, {"item_id": "asc"}],
    Sort.NEWEST: [{"created_ts": "desc"}, {"item_id": "asc"}],
    Sort.RATING: [{"rating_x10": "desc"}, {"item_id": "asc"}],
    Sort.RELEVANCE: ["_score", {"item_id": "asc"}],
    Sort.FASTEST: ["_score", {"item_id": "asc"}],
}
DISJUNCTIVE = ("brand", "rating")  # plus every "attr:<code>"


# --- the index and the documents --------------------------------------------------------------

def index_body(*, shards: int | None = None, replicas: int | None = None) -> dict[str, Any]:
    settings = dict(INDEX_BODY["settings"])
    if shards is not None:
        settings["number_of_shards"] = shards
    if replicas is not None:
        settings["number_of_replicas"] = replicas
    return {"settings": settings, "mappings": INDEX_BODY["mappings"]}


def document(doc: SearchDoc) -> dict[str, Any]:
    """The _source of an item; a document that must not be found is only its id, a tombstone."""
    if not doc.findable:
        return {"item_id": doc.item_id, "live": False}
    return {
        "item_id": doc.item_id, "live": True, "text": doc.search_text, "title": doc.title,
        "brand_text": doc.brand, "category_text": doc.category_text, "brand": doc.brand or None,
        "facets": list(doc.facets), "category_ids": list(doc.category_ids),
        "warehouse_ids": list(doc.warehouse_ids), "price_paise": doc.price_paise,
        "rating_x10": doc.rating_x10, "created_ts": doc.created_ts,
        "card": {
            "title": doc.title, "brand": doc.brand, "sku": doc.sku, "price_paise": doc.price_paise,
            "rating": doc.rating, "rating_count": doc.rating_count, "image": doc.image,
            "category_id": doc.category_id, "category_path": doc.category_path,
            "category_name": doc.category_name, "created_ts": doc.created_ts,
            "warehouse_ids": list(doc.warehouse_ids), "options": [list(o) for o in doc.options],
        },
    }


def bulk_actions(index: str, docs: Sequence[SearchDoc]) -> Iterable[dict[str, Any]]:
    """Index actions for the clients' bulk helpers: the stamp is the external version, so the
    engine refuses (409) a document older than the one it holds."""
    return ({"_op_type": "index", "_index": index, "_id": str(d.item_id), "_source": document(d),
             "version": d.stamp, "version_type": "external_gte"} for d in docs)


# --- the search body ----------------------------------------------------------------------------

def text_clauses(q: EngineQuery) -> tuple[list[dict], list[dict]]:
    """(must, should): every word must match the combined text; title, brand and category
    matches add to the score."""
    must: list[dict] = []
    should: list[dict] = []
    words = tokens(q.text)
    for position, word in enumerate(words):
        distance = fuzziness(word, q.fuzziness_extra)
        alternatives: list[dict] = [
            {"term": {"text": word}} if distance == 0 else
            {"match": {"text": {"query": word, "fuzziness": distance, "operator": "and",
                                "max_expansions": 200, "prefix_length": 0}}}]
        if prefix_allowed(word, last=position == len(words) - 1, as_you_type=q.as_you_type):
            alternatives.append({"prefix": {"text": {"value": word}}})
        must.append({"bool": {"should": alternatives, "minimum_should_match": 1}})
        should += [{"term": {"title": {"value": word, "boost": BOOSTS["title"]}}},
                   {"term": {"brand_text": {"value": word, "boost": BOOSTS["brand"]}}},
                   {"term": {"category_text": {"value": word, "boost": BOOSTS["category"]}}}]
        if distance:
            should.append({"match": {"title": {"query": word, "fuzziness": distance,
                                               "boost": BOOSTS["title"] / 2}}})
    return must, should


def filters(q: EngineQuery) -> dict[str, dict]:
    """Every filter of the query, by name (the facets need to leave some out)."""
    found: dict[str, dict] = {"live": {"term": {"live": True}}}
    if q.category_id is not None:
        found["category"] = {"term": {"category_ids": q.category_id}}
    if q.brands:
        found["brand"] = {"terms": {"brand": list(q.brands)}}
    if q.price_min_paise is not None or q.price_max_paise is not None:
        bounds = {}
        if q.price_min_paise is not None:
            bounds["gte"] = q.price_min_paise
        if q.price_max_paise is not None:
            bounds["lte"] = q.price_max_paise
        found["price"] = {"range": {"price_paise": bounds}}
    if q.rating_min_x10 is not None:
        found["rating"] = {"range": {"rating_x10": {"gte": q.rating_min_x10}}}
    for code, values in sorted(q.attributes.items()):
        if values:
            found[f"attr:{code}"] = {"terms": {"facets": [f"{code}={v}" for v in values]}}
    if q.warehouse_ids is not None:
        found["deliverable"] = {"terms": {"warehouse_ids": sorted(q.warehouse_ids)}}
    return found


def search_body(q: EngineQuery) -> dict[str, Any]:
    must, should = text_clauses(q)
    every = filters(q)
    main = [f for name, f in every.items() if not _disjunctive(name)]
    post = {name: f for name, f in every.items() if _disjunctive(name)}
    if q.sort == Sort.FASTEST and q.delivery_tiers:
        reached: set[int] = set()
        for tier in q.delivery_tiers:
            reached |= tier
            should.append({"constant_score": {"filter": {"terms": {"warehouse_ids": sorted(reached)}},
                                              "boost": TIER_BOOST}})
    query: dict[str, Any] = {"bool": {"must": must or [{"match_all": {}}], "filter": main}}
    if should:
        query["bool"]["should"] = should
    body: dict[str, Any] = {
        "query": query, "from": q.offset, "size": max(0, q.limit), "track_total_hits": True,
        "sort": SORTS[q.sort], "_source": ["item_id", "card"],
    }
    if post:
        body["post_filter"] = {"bool": {"filter": list(post.values())}}
    if q.facets:
        body["aggs"] = _aggregations(post)
    return body


def _disjunctive(name: str) -> bool:
    return name in DISJUNCTIVE or name.startswith("attr:")


def _filtered(post: dict[str, dict], aggs: dict, *, without: str | None = None) -> dict:
    rest = [f for name, f in post.items() if name != without]
    return {"filter": {"bool": {"filter": rest}} if rest else {"match_all": {}}, "aggs": aggs}


def _terms(field: str, size_key: str) -> dict:
    return {"terms": {"field": field, "size": FACET_SIZES[size_key]}}


def _aggregations(post: dict[str, dict]) -> dict:
    aggs = {
        "categories": _filtered(post, {"t": _terms("category_ids", "categories")}),
        "brands": _filtered(post, {"t": _terms("brand", "brands")}, without="brand"),
        "ratings": _filtered(post, {"t": _terms("rating_x10", "ratings")}, without="rating"),
        "attributes": _filtered(post, {"t": _terms("facets", "attributes")}),
    }
    for name in post:
        if name.startswith("attr:"):
            aggs[f"own:{name}"] = _filtered(post, {"t": _terms("facets", "attributes")}, without=name)
    return aggs


# --- the answer ---------------------------------------------------------------------------------

def result(answer: Mapping[str, Any], q: EngineQuery) -> EngineResult:
    hits = [_hit(h["_source"]) for h in answer["hits"]["hits"]] if q.limit > 0 else []
    facets = _facets(answer.get("aggregations", {}), filters(q)) if q.facets else FacetCounts()
    return EngineResult(total=answer["hits"]["total"]["value"], hits=hits, facets=facets)


def _buckets(aggs: Mapping[str, Any], name: str) -> list[dict]:
    return aggs.get(name, {}).get("t", {}).get("buckets", [])


def _facets(aggs: Mapping[str, Any], every: dict[str, dict]) -> FacetCounts:
    attributes: dict[str, dict[str, int]] = {}
    for bucket in _buckets(aggs, "attributes"):
        code, value = facet_split(bucket["key"])
        if f"attr:{code}" not in every:
            attributes.setdefault(code, {})[value] = bucket["doc_count"]
    for name in every:
        if name.startswith("attr:"):
            code = name.removeprefix("attr:")
            for bucket in _buckets(aggs, f"own:{name}"):
                bucket_code, value = facet_split(bucket["key"])
                if bucket_code == code:
                    attributes.setdefault(code, {})[value] = bucket["doc_count"]
    ratings: dict[int, int] = {}
    for bucket in _buckets(aggs, "ratings"):
        stars = int(bucket["key"]) // 10
        ratings[stars] = ratings.get(stars, 0) + bucket["doc_count"]
    return FacetCounts(
        brands={str(b["key"]): b["doc_count"] for b in _buckets(aggs, "brands") if b["key"]},
        categories={int(b["key"]): b["doc_count"] for b in _buckets(aggs, "categories")},
        attributes=attributes,
        ratings=ratings,
    )


def _hit(source: Mapping[str, Any]) -> EngineHit:
    card = source["card"]
    return EngineHit(
        item_id=int(source["item_id"]), title=card["title"], brand=card["brand"], sku=card["sku"],
        price_paise=card["price_paise"], rating=card["rating"], rating_count=card["rating_count"],
        image=card["image"], category_id=card["category_id"], category_path=card["category_path"],
        category_name=card["category_name"], created_ts=card["created_ts"],
        warehouse_ids=tuple(card["warehouse_ids"]),
        options=tuple((str(label), int(n)) for label, n in card.get("options") or ()),
    )


# --- the backend, over the calls a client makes its own way -------------------------------------

class AliasedIndexBackend:
    """The search port on an Elasticsearch-API engine. A subclass gives the client: the five `_`
    calls below, its bulk helper, and `unavailable`, its errors that mean the engine cannot answer."""

    engine = "the engine"  # for messages
    unavailable: tuple[type[Exception], ...] = ()
    client: Any
    # `elasticsearch.helpers.bulk` or `opensearchpy.helpers.bulk`: the same function, forked.
    bulk_helper: Callable[..., tuple[int, Any]]

    def __init__(self, url: str, *, index: str = "bazaar-products", refresh: bool = False,
                 timeout: float = 10.0, shards: int | None = None, replicas: int | None = None):
        self.client = self._connect(url, timeout)
        self.alias = index
        self.building_alias = f"{index}-building"
        self.refresh = refresh  # refresh after every write (tests read what they wrote at once)
        self.shards, self.replicas = shards, replicas

    # What each client does its own way.

    def _connect(self, url: str, timeout: float) -> Any:
        raise NotImplementedError

    def _get_aliases(self, pattern: str) -> Mapping[str, Any]:
        """{index: {"aliases": {...}}} for the open indexes matching `pattern`; {} if none."""
        raise NotImplementedError

    def _update_aliases(self, actions: list[dict[str, Any]]) -> None:
        raise NotImplementedError

    def _delete_index(self, name: str) -> None:
        """Delete it; an index that is already gone is no error."""
        raise NotImplementedError

    def _search(self, index: str, body: dict[str, Any]) -> Mapping[str, Any] | None:
        """The answer, or None when the index does not exist."""
        raise NotImplementedError

    # --- indexes and aliases -------------------------------------------------------------------

    def _create(self, name: str) -> None:
        try:  # the same call on both clients
            self.client.indices.create(index=name, body=index_body(shards=self.shards, replicas=self.replicas))
        except self.unavailable as exc:
            if "resource_already_exists" not in str(exc):
                raise

    def _generations(self) -> dict[str, set[str]]:
        """{index name: its aliases} for every generation index."""
        prefix = f"{self.alias}-g-"
        return {name: set(body.get("aliases", {})) for name, body in dict(self._get_aliases(f"{prefix}*")).items()
                if isinstance(body, dict) and name.startswith(prefix)}

    def _ensure_served(self) -> dict[str, set[str]]:
        generations = self._generations()
        if not any(self.alias in aliases for aliases in generations.values()):
            first = f"{self.alias}-g-initial"
            self._create(first)
            self._update_aliases([{"add": {"index": first, "alias": self.alias}}])
            generations = self._generations()
        return generations

    # --- writes --------------------------------------------------------------------------------

    def upsert(self, docs: Sequence[SearchDoc]) -> int:
        if not docs:
            return 0
        try:
            generations = self._ensure_served()
            targets = [name for name, aliases in generations.items()
                       if self.alias in aliases or self.building_alias in aliases]
            written = 0
            for target in sorted(targets, key=lambda n: self.alias not in generations[n]):
                count = self._write(target, docs)
                if self.alias in generations[target]:
                    written = count
            return written
        except self.unavailable as exc:
            raise SearchUnavailable(str(exc)) from exc

    def _write(self, index: str, docs: Sequence[SearchDoc], *, refresh: bool | None = None) -> int:
        refresh = self.refresh if refresh is None else refresh
        ok, errors = self.bulk_helper(self.client, bulk_actions(index, docs), raise_on_error=False,
                                      stats_only=False, refresh="true" if refresh else "false")
        failed = [e for e in errors if next(iter(e.values())).get("status") != 409]  # 409: a later stamp is stored
        if failed:
            raise SearchUnavailable(f"{self.engine} refused {len(failed)} documents: {failed[:3]}")
        return ok

    def rebuild_start(self) -> str:
        self._ensure_served()
        name = f"{self.alias}-g-{time.strftime('%Y%m%d%H%M%S')}-{uuid.uuid4().hex[:8]}"
        self._create(name)
        actions: list[dict] = [{"remove": {"index": old, "alias": self.building_alias}}
                               for old, aliases in self._generations().items() if self.building_alias in aliases]
        actions.append({"add": {"index": name, "alias": self.building_alias}})
        self._update_aliases(actions)
        return name

    def rebuild_write(self, generation: str, docs: Sequence[SearchDoc]) -> int:
        return self._write(generation, docs, refresh=False)

    def rebuild_finish(self, generation: str) -> None:
        self.client.indices.refresh(index=generation)  # the same call on both clients
        generations = self._generations()
        previous = [name for name, aliases in generations.items() if self.alias in aliases]
        actions: list[dict] = [{"remove": {"index": name, "alias": self.alias}} for name in previous]
        actions.append({"add": {"index": generation, "alias": self.alias}})
        if self.building_alias in generations.get(generation, set()):
            actions.append({"remove": {"index": generation, "alias": self.building_alias}})
        self._update_aliases(actions)
        for name, aliases in generations.items():
            if name != generation and name not in previous and not aliases:
                self._delete_index(name)
        # The generation just replaced goes at the next rebuild: nothing reads it any more,
        # but deleting it a rebuild later keeps a way back.

    def rebuild_abort(self, generation: str) -> None:
        self._delete_index(generation)

    def clear(self) -> None:
        for name in self._generations():
            self._delete_index(name)

    # --- reads ---------------------------------------------------------------------------------

    def query(self, q: EngineQuery) -> EngineResult:
        try:
            answer = self._search(self.alias, search_body(q))
        except self.unavailable as exc:
            raise SearchUnavailable(str(exc)) from exc
        if answer is None:  # nothing written yet: no index, nothing found
            return EngineResult(total=0, hits=[])
        return result(answer, q)
