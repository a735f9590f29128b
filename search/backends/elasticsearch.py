"""The production engine: Elasticsearch, through the official client and its DSL.

django-elasticsearch-dsl binds a `Document` to a Django model and re-indexes rows on their
save signals. Our documents are not rows of one model: they join the catalog's snapshot
with inventory's stock, and reach the index through events. So the mapping is declared with
`elasticsearch.dsl` (the library django-elasticsearch-dsl is built on, shipped inside the
`elasticsearch` client) and writes and queries use the client directly
(docs/decisions/0009-search.md).

Indexes: one per generation, `<index>-g-<time>-<hex>`; the alias `<index>` names the one being
served and `<index>-building` the one being rebuilt. A rebuild's switch is one `_aliases` call
(atomic). Every write is a bulk request with `version_type=external_gte` and the document's
stamp as its version: Elasticsearch itself keeps the later read, in any arrival order.

Facets in one request: the filters that facets must ignore (brand, rating, attributes) are a
`post_filter`, and each facet is a `filter` aggregation with the other ones.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Sequence
from typing import Any

from elasticsearch import ApiError, Elasticsearch, NotFoundError, TransportError, helpers
from elasticsearch.dsl import (
    Boolean,
    Document,
    Index,
    Integer,
    Keyword,
    Long,
    MetaField,
    Object,
    Text,
    analyzer,
)

from search.backends.base import BOOSTS, FACET_SIZES, TIER_BOOST, SearchUnavailable, facet_split
from search.text import fuzziness, prefix_allowed, tokens
from search.types import EngineHit, EngineQuery, EngineResult, FacetCounts, SearchDoc, Sort

bazaar_text = analyzer("bazaar_text", tokenizer="standard", filter=["lowercase", "asciifolding"])


class ProductDocument(Document):
    """The mapping. `card` is what a result shows: kept in _source, not indexed."""

    item_id = Long()
    live = Boolean()
    text = Text(analyzer=bazaar_text)
    title = Text(analyzer=bazaar_text)
    brand_text = Text(analyzer=bazaar_text)
    category_text = Text(analyzer=bazaar_text)
    brand = Keyword()
    facets = Keyword()
    category_ids = Long()
    warehouse_ids = Long()
    price_paise = Long()
    rating_x10 = Integer()
    created_ts = Long()
    card = Object(enabled=False)

    class Meta:
        dynamic = MetaField("strict")


SORTS: dict[Sort, list[Any]] = {
    Sort.PRICE_ASC: [{"price_paise": "asc"}, {"item_id": "asc"}],
    Sort.PRICE_DESC: [{"price_paise": "desc"}, {"item_id": "asc"}],
    Sort.NEWEST: [{"created_ts": "desc"}, {"item_id": "asc"}],
    Sort.RATING: [{"rating_x10": "desc"}, {"item_id": "asc"}],
    Sort.RELEVANCE: ["_score", {"item_id": "asc"}],
    Sort.FASTEST: ["_score", {"item_id": "asc"}],
}
DISJUNCTIVE = ("brand", "rating")  # plus every "attr:<code>"


def _source(doc: SearchDoc) -> dict[str, Any]:
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
            "warehouse_ids": list(doc.warehouse_ids),
        },
    }


class ElasticsearchBackend:
    def __init__(self, url: str, *, index: str = "bazaar-products", refresh: bool = False,
                 timeout: float = 10.0, shards: int | None = None, replicas: int | None = None):
        self.client = Elasticsearch(url, request_timeout=timeout)
        self.alias = index
        self.building_alias = f"{index}-building"
        self.refresh = refresh
        self.shards, self.replicas = shards, replicas

    # --- indexes and aliases -------------------------------------------------------------------

    def _create(self, name: str) -> None:
        index = Index(name, using=self.client)
        settings: dict[str, Any] = {}
        if self.shards is not None:
            settings["number_of_shards"] = self.shards
        if self.replicas is not None:
            settings["number_of_replicas"] = self.replicas
        if settings:
            index.settings(**settings)
        index.document(ProductDocument)
        try:
            index.create()
        except ApiError as exc:
            if "resource_already_exists" not in str(exc):
                raise

    def _generations(self) -> dict[str, set[str]]:
        """{index name: its aliases} for every generation index."""
        answer = self.client.options(ignore_status=404).indices.get_alias(
            index=f"{self.alias}-g-*", allow_no_indices=True, expand_wildcards="open")
        return {name: set(body.get("aliases", {})) for name, body in dict(answer).items()
                if isinstance(body, dict) and name.startswith(f"{self.alias}-g-")}

    def _ensure_served(self) -> dict[str, set[str]]:
        generations = self._generations()
        if not any(self.alias in aliases for aliases in generations.values()):
            first = f"{self.alias}-g-initial"
            self._create(first)
            self.client.indices.update_aliases(actions=[{"add": {"index": first, "alias": self.alias}}])
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
                count = self._bulk(target, docs)
                if self.alias in generations[target]:
                    written = count
            return written
        except (ApiError, TransportError) as exc:
            raise SearchUnavailable(str(exc)) from exc

    def _bulk(self, index: str, docs: Sequence[SearchDoc], *, refresh: bool | None = None) -> int:
        actions = ({"_op_type": "index", "_index": index, "_id": str(d.item_id), "_source": _source(d),
                    "version": d.stamp, "version_type": "external_gte"} for d in docs)
        ok, errors = helpers.bulk(self.client, actions, raise_on_error=False, stats_only=False,
                                  refresh="true" if (self.refresh if refresh is None else refresh) else "false")
        failed = [e for e in errors if next(iter(e.values())).get("status") != 409]  # 409: a later stamp is stored
        if failed:
            raise SearchUnavailable(f"Elasticsearch refused {len(failed)} documents: {failed[:3]}")
        return ok

    def rebuild_start(self) -> str:
        self._ensure_served()
        name = f"{self.alias}-g-{time.strftime('%Y%m%d%H%M%S')}-{uuid.uuid4().hex[:8]}"
        self._create(name)
        actions: list[dict] = [{"remove": {"index": old, "alias": self.building_alias}}
                               for old, aliases in self._generations().items() if self.building_alias in aliases]
        actions.append({"add": {"index": name, "alias": self.building_alias}})
        self.client.indices.update_aliases(actions=actions)
        return name

    def rebuild_write(self, generation: str, docs: Sequence[SearchDoc]) -> int:
        return self._bulk(generation, docs, refresh=False)

    def rebuild_finish(self, generation: str) -> None:
        self.client.indices.refresh(index=generation)
        generations = self._generations()
        previous = [name for name, aliases in generations.items() if self.alias in aliases]
        actions: list[dict] = [{"remove": {"index": name, "alias": self.alias}} for name in previous]
        actions.append({"add": {"index": generation, "alias": self.alias}})
        if self.building_alias in generations.get(generation, set()):
            actions.append({"remove": {"index": generation, "alias": self.building_alias}})
        self.client.indices.update_aliases(actions=actions)
        for name, aliases in generations.items():
            if name != generation and name not in previous and not aliases:
                self.client.options(ignore_status=404).indices.delete(index=name)
        # The generation just replaced goes at the next rebuild: nothing reads it any more,
        # but deleting it a rebuild later keeps a way back.

    def rebuild_abort(self, generation: str) -> None:
        self.client.options(ignore_status=404).indices.delete(index=generation)

    def clear(self) -> None:
        for name in self._generations():
            self.client.options(ignore_status=404).indices.delete(index=name)

    # --- reads ---------------------------------------------------------------------------------

    def query(self, q: EngineQuery) -> EngineResult:
        body = self._body(q)
        try:
            answer = self.client.search(index=self.alias, **body)
        except NotFoundError:
            return EngineResult(total=0, hits=[])
        except (ApiError, TransportError) as exc:
            raise SearchUnavailable(str(exc)) from exc
        hits = [_hit(h["_source"]) for h in answer["hits"]["hits"]] if q.limit > 0 else []
        facets = _facets(answer.get("aggregations", {}), self._filters(q)) if q.facets else FacetCounts()
        return EngineResult(total=answer["hits"]["total"]["value"], hits=hits, facets=facets)

    def _text(self, q: EngineQuery) -> tuple[list[dict], list[dict]]:
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

    def _filters(self, q: EngineQuery) -> dict[str, dict]:
        filters: dict[str, dict] = {"live": {"term": {"live": True}}}
        if q.category_id is not None:
            filters["category"] = {"term": {"category_ids": q.category_id}}
        if q.brands:
            filters["brand"] = {"terms": {"brand": list(q.brands)}}
        if q.price_min_paise is not None or q.price_max_paise is not None:
            bounds = {}
            if q.price_min_paise is not None:
                bounds["gte"] = q.price_min_paise
            if q.price_max_paise is not None:
                bounds["lte"] = q.price_max_paise
            filters["price"] = {"range": {"price_paise": bounds}}
        if q.rating_min_x10 is not None:
            filters["rating"] = {"range": {"rating_x10": {"gte": q.rating_min_x10}}}
        for code, values in sorted(q.attributes.items()):
            if values:
                filters[f"attr:{code}"] = {"terms": {"facets": [f"{code}={v}" for v in values]}}
        if q.warehouse_ids is not None:
            filters["deliverable"] = {"terms": {"warehouse_ids": sorted(q.warehouse_ids)}}
        return filters

    def _body(self, q: EngineQuery) -> dict[str, Any]:
        must, should = self._text(q)
        filters = self._filters(q)
        main = [f for name, f in filters.items() if not _disjunctive(name)]
        post = {name: f for name, f in filters.items() if _disjunctive(name)}
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
            "query": query, "from_": q.offset, "size": max(0, q.limit), "track_total_hits": True,
            "sort": SORTS[q.sort], "source_includes": ["item_id", "card"],
        }
        if post:
            body["post_filter"] = {"bool": {"filter": list(post.values())}}
        if q.facets:
            body["aggs"] = _aggregations(post)
        return body


def _disjunctive(name: str) -> bool:
    return name in DISJUNCTIVE or name.startswith("attr:")


def _filtered(filters: dict[str, dict], aggs: dict, *, without: str | None = None) -> dict:
    rest = [f for name, f in filters.items() if name != without]
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


def _buckets(aggs: dict, name: str) -> list[dict]:
    return aggs.get(name, {}).get("t", {}).get("buckets", [])


def _facets(aggs: dict, filters: dict[str, dict]) -> FacetCounts:
    attributes: dict[str, dict[str, int]] = {}
    for bucket in _buckets(aggs, "attributes"):
        code, value = facet_split(bucket["key"])
        if f"attr:{code}" not in filters:
            attributes.setdefault(code, {})[value] = bucket["doc_count"]
    for name in filters:
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


def _hit(source: dict) -> EngineHit:
    card = source["card"]
    return EngineHit(
        item_id=int(source["item_id"]), title=card["title"], brand=card["brand"], sku=card["sku"],
        price_paise=card["price_paise"], rating=card["rating"], rating_count=card["rating_count"],
        image=card["image"], category_id=card["category_id"], category_path=card["category_path"],
        category_name=card["category_name"], created_ts=card["created_ts"],
        warehouse_ids=tuple(card["warehouse_ids"]),
    )
