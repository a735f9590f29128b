"""Reads of search: a result page with delivery dates and facets, "did you mean" (for a query
that finds nothing, and for results found only by typo tolerance: `respelling_get`), suggestions.

The hot path (`search_run`) asks the engine once (twice with facets that exclude their own
filter on tantivy) and reads the PIN code's route map from logistics' cache; it does not touch
the inventory or catalog tables. Delivery dates come from the warehouses the index holds for
each result and the cached estimates for the PIN, the same data the deliverability filter used,
so every result shown carries a date.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import threading
import time
import uuid
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, replace

from django.conf import settings
from django.core.cache import cache

from catalog.interface import CategoryInfo, category_tree
from logistics.interface import DeliveryEstimate, delivery_estimates, earliest_delivery, warehouse_ids_active
from search.backends.base import SearchBackend
from search.text import edit_distance, fuzziness, prefix_allowed, tokens, word_matches
from search.types import (
    MAX_PAGE,
    CategoryCrumb,
    Delivery,
    EngineHit,
    EngineQuery,
    EngineResult,
    FacetCounts,
    FacetGroup,
    FacetValue,
    ResultCard,
    SearchPage,
    SearchParams,
    Sort,
    Suggestion,
)
from shop.backends import get_backend

CATEGORIES_CACHE_KEY = "search:categories:v1"
WAREHOUSES_MEMO_SECONDS = 30.0
RATING_STEPS = (4, 3, 2, 1)


def search_backend() -> SearchBackend:
    return get_backend("search")


# --- cached reference data --------------------------------------------------------------------

def _categories_cache_seconds() -> int:
    backend = settings.CACHES["default"]["BACKEND"]
    return 60 if backend.endswith(("LocMemCache", "DummyCache")) else 3600


CATEGORIES_MEMO_SECONDS = 10.0
CATEGORIES_VERSION_KEY = "search:categories:version"
_categories_memo: tuple[float, dict[int, CategoryInfo]] | None = None


def categories_by_id() -> dict[int, CategoryInfo]:
    """Every category (with its effective schema, without children), in tree order, for pages.

    Kept in the process for 10 s in front of the shared cache (a page would otherwise unpickle
    the whole tree on every search). The shared copy is keyed by a version that the consumer of
    catalog.category_changed.v1 bumps, so a rename reaches every page within 10 s, and a reader
    that raced the change can't put the old tree back under the new version. Writing documents
    uses `categories_fresh()` instead: an index must never be built from a stale tree.
    """
    global _categories_memo
    memo = _categories_memo
    if memo is not None and time.monotonic() - memo[0] < CATEGORIES_MEMO_SECONDS:
        return memo[1]
    version = cache.get_or_set(CATEGORIES_VERSION_KEY, lambda: uuid.uuid4().hex, None)
    key = f"{CATEGORIES_CACHE_KEY}:{version}"
    found = cache.get(key)
    if found is None:
        found = categories_fresh()
        cache.set(key, found, _categories_cache_seconds())
    _categories_memo = (time.monotonic(), found)
    return found


def categories_fresh() -> dict[int, CategoryInfo]:
    """The category tree as the catalog has it now (two queries), flattened by id."""
    found: dict[int, CategoryInfo] = {}

    def walk(node: CategoryInfo) -> None:
        found[node.id] = replace(node, children=())
        for child in node.children:
            walk(child)

    for root in category_tree():
        walk(root)
    return found


def categories_forget() -> None:
    global _categories_memo
    _categories_memo = None
    cache.set(CATEGORIES_VERSION_KEY, uuid.uuid4().hex, None)


_warehouses_memo: tuple[float, tuple[int, ...]] | None = None
_warehouses_lock = threading.Lock()


def _warehouse_ids() -> tuple[int, ...]:
    """Active warehouse ids, remembered in the process for 30 s. Only a superset matters:
    logistics' route map leaves out inactive warehouses and those that don't reach the PIN."""
    global _warehouses_memo
    memo = _warehouses_memo
    if memo is not None and time.monotonic() - memo[0] < WAREHOUSES_MEMO_SECONDS:
        return memo[1]
    with _warehouses_lock:
        _warehouses_memo = (time.monotonic(), tuple(warehouse_ids_active()))
        return _warehouses_memo[1]


def memos_forget() -> None:
    """Forget what this process remembers (tests, after warehouses change)."""
    global _warehouses_memo, _categories_memo
    _warehouses_memo = None
    _categories_memo = None
    _estimates_memo.clear()


ESTIMATES_MEMO_SECONDS = 5.0
ESTIMATES_MEMO_SIZE = 4096
_estimates_memo: dict[str, tuple[float, dict[int, DeliveryEstimate]]] = {}


def reachable_estimates(pin: str, *, now: dt.datetime | None = None) -> dict[int, DeliveryEstimate]:
    """{warehouse id: estimate} for every active warehouse a courier connects to `pin`.
    Raises MalformedPinCode / UnknownPinCode.

    Logistics answers from its cache (one round trip; one query on a miss). For the current
    time, the answer is also kept in the process for 5 s: a page of search results then costs
    no cache round trip at all, and a route change or a passing cut-off shows within 5 s.
    """
    if now is not None:
        return delivery_estimates(warehouse_ids=_warehouse_ids(), pin_code=pin, now=now)
    memo = _estimates_memo.get(pin)
    if memo is not None and time.monotonic() - memo[0] < ESTIMATES_MEMO_SECONDS:
        return memo[1]
    estimates = delivery_estimates(warehouse_ids=_warehouse_ids(), pin_code=pin)
    if len(_estimates_memo) >= ESTIMATES_MEMO_SIZE:
        _estimates_memo.clear()
    _estimates_memo[pin] = (time.monotonic(), estimates)
    return estimates


def delivery_tiers(estimates: Mapping[int, DeliveryEstimate]) -> tuple[frozenset[int], ...]:
    """The reachable warehouses grouped by delivery date, soonest first (for Sort.FASTEST)."""
    by_date: dict[dt.date, set[int]] = {}
    for warehouse_id, estimate in estimates.items():
        by_date.setdefault(estimate.delivery_date, set()).add(warehouse_id)
    return tuple(frozenset(by_date[day]) for day in sorted(by_date))


# --- the result page --------------------------------------------------------------------------

def engine_query(params: SearchParams, *, estimates: Mapping[int, DeliveryEstimate] | None) -> EngineQuery:
    sort = params.sort if params.sort != Sort.FASTEST or estimates is not None else Sort.RELEVANCE
    return EngineQuery(
        text=params.q,
        category_id=params.category_id,
        brands=tuple(params.brands),
        price_min_paise=params.price_min_paise,
        price_max_paise=params.price_max_paise,
        rating_min_x10=math.ceil(params.rating_min * 10 - 1e-9) if params.rating_min else None,
        attributes={code: tuple(values) for code, values in params.attributes.items() if values},
        warehouse_ids=frozenset(estimates) if estimates is not None else None,
        delivery_tiers=delivery_tiers(estimates) if sort == Sort.FASTEST and estimates else (),
        sort=sort,
        offset=(min(params.page, MAX_PAGE) - 1) * params.per_page,
        limit=params.per_page,
    )


def search_run(params: SearchParams, *, pin: str | None = None, now: dt.datetime | None = None,
               backend: SearchBackend | None = None) -> SearchPage:
    """One page of results for `params`; with a PIN code, only what can reach it, each with its
    delivery date. Raises MalformedPinCode / UnknownPinCode for a bad PIN and SearchUnavailable
    when the engine can't answer."""
    backend = backend or search_backend()
    estimates = reachable_estimates(pin, now=now) if pin else None
    query = engine_query(params, estimates=estimates)
    result = backend.query(query)
    did_you_mean, undeliverable = None, 0
    if result.total == 0:
        if params.q.strip():
            did_you_mean = did_you_mean_get(params.q, backend=backend)
        if estimates is not None:
            undeliverable = backend.query(replace(query, warehouse_ids=None, limit=0, facets=False,
                                                  sort=Sort.RELEVANCE, delivery_tiers=())).total
    categories = categories_by_id()
    deliveries = _Deliveries(estimates)
    return SearchPage(
        params=replace(params, sort=query.sort),
        pin=pin or None,
        total=result.total,
        results=[_card(hit, deliveries) for hit in result.hits],
        facets=facet_groups(result.facets, params, categories),
        did_you_mean=did_you_mean,
        undeliverable_count=undeliverable,
        category_trail=_trail(params.category_id, categories),
    )


class _Deliveries:
    """The promise for a set of stocked warehouses (logistics' earliest_delivery), worked out
    once per distinct set on a page: results mostly share a handful of warehouse sets."""

    def __init__(self, estimates: Mapping[int, DeliveryEstimate] | None):
        self.estimates = estimates or {}
        self.known: dict[tuple[int, ...], Delivery | None] = {}

    def for_warehouses(self, warehouse_ids: tuple[int, ...]) -> Delivery | None:
        if not self.estimates:
            return None
        if warehouse_ids not in self.known:
            best = earliest_delivery([self.estimates[w] for w in warehouse_ids if w in self.estimates])
            self.known[warehouse_ids] = None if best is None else Delivery(
                date=best.delivery_date, courier=best.courier_name, warehouse_id=best.warehouse_id)
        return self.known[warehouse_ids]


def _card(hit: EngineHit, deliveries: _Deliveries) -> ResultCard:
    return ResultCard(hit.item_id, hit.sku, hit.title, hit.brand, hit.price_paise, hit.rating, hit.rating_count,
                      hit.image, hit.category_id, hit.category_name, deliveries.for_warehouses(hit.warehouse_ids),
                      hit.options)


def _trail(category_id: int | None, categories: Mapping[int, CategoryInfo]) -> tuple[CategoryCrumb, ...]:
    category = categories.get(category_id) if category_id else None
    if category is None:
        return ()
    return tuple(CategoryCrumb(c, categories[c].name) for c in category.ids_from_root if c in categories)


# --- facets with labels -----------------------------------------------------------------------

def facet_groups(counts: FacetCounts, params: SearchParams,
                 categories: Mapping[int, CategoryInfo]) -> list[FacetGroup]:
    groups: list[FacetGroup] = []
    parent = params.category_id if params.category_id in categories else None
    children = [c for c in categories.values() if c.parent_id == parent and counts.categories.get(c.id)]
    if children:
        label = f"In {categories[parent].name}" if parent else "Category"
        groups.append(FacetGroup("category", label, "category", tuple(
            FacetValue(str(c.id), c.name, counts.categories[c.id], False) for c in children)))

    brands = dict(counts.brands)
    for brand in params.brands:
        brands.setdefault(brand, 0)
    if brands:
        ordered = sorted(brands.items(), key=lambda kv: (-kv[1], kv[0].casefold()))
        groups.append(FacetGroup("brand", "Brand", "brand", tuple(
            FacetValue(b, b, n, b in params.brands) for b, n in ordered)))

    if counts.ratings or params.rating_min:
        values = []
        for stars in RATING_STEPS:
            n = sum(c for s, c in counts.ratings.items() if s >= stars)
            selected = params.rating_min == stars
            if n or selected:
                values.append(FacetValue(str(stars), f"{stars}★ & up", n, selected))
        if values:
            groups.append(FacetGroup("rating", "Customer rating", "rating", tuple(values)))

    groups += _attribute_groups(counts, params, categories)
    return groups


def _attribute_groups(counts: FacetCounts, params: SearchParams,
                      categories: Mapping[int, CategoryInfo]) -> list[FacetGroup]:
    chosen = categories.get(params.category_id) if params.category_id else None
    schema = dict(_facetable_attributes(categories))
    if chosen:
        schema.update({a.code: a for a in chosen.attributes if a.facetable})
    codes = [a.code for a in chosen.attributes if a.facetable] if chosen else []
    codes += sorted((c for c in counts.attributes if c not in codes),
                    key=lambda c: (schema[c].label if c in schema else c).casefold())
    codes += [c for c in params.attributes if c not in codes]
    groups = []
    for code in codes:
        found = dict(counts.attributes.get(code, {}))
        for value in params.attributes.get(code, ()):
            found.setdefault(value, 0)
        if not found:
            continue
        info = schema.get(code)
        values = sorted(found.items(), key=lambda kv: _value_order(kv, info))
        groups.append(FacetGroup(
            code, info.label if info else code.replace("_", " ").capitalize(), "attribute",
            tuple(FacetValue(v, _value_label(v, info), n, v in params.attributes.get(code, ())) for v, n in values),
            unit=info.unit if info else "",
        ))
    return groups


_facetable_memo: tuple[int, dict] = (0, {})


def _facetable_attributes(categories: Mapping[int, CategoryInfo]) -> dict:
    """{code: AttributeInfo} of every facetable attribute, worked out once per categories map."""
    global _facetable_memo
    if _facetable_memo[0] != id(categories):
        schema: dict = {}
        for category in categories.values():
            for attribute in category.attributes:
                if attribute.facetable:
                    schema.setdefault(attribute.code, attribute)
        _facetable_memo = (id(categories), schema)
    return _facetable_memo[1]


def _value_order(item: tuple[str, int], info) -> tuple:
    value, count = item
    if info is not None and info.choices and value in info.choices:
        return (0, info.choices.index(value), 0, "")
    try:
        return (1, 0, float(value), "")
    except ValueError:
        return (2, -count, 0, value.casefold())


def _value_label(value: str, info) -> str:
    if value in ("yes", "no") and (info is None or info.type == "boolean"):
        return value.capitalize()
    if info is not None and info.unit and info.type == "number":
        return f"{value} {info.unit}"
    return value


# --- did you mean -----------------------------------------------------------------------------

def did_you_mean_get(text: str, *, backend: SearchBackend | None = None) -> str | None:
    """A corrected query when `text` finds nothing: every word becomes the nearest word of the
    documents a search for it finds (its own edit distance first, then up to 2 edits), a word
    too far from everything is dropped. None when that changes nothing or finds nothing."""
    backend = backend or search_backend()
    words = tokens(text)
    if not words:
        return None
    fixed: list[str] = []
    for position, word in enumerate(words):
        last = position == len(words) - 1
        for extra in (0, 1, 2):
            if extra and fuzziness(word, extra) == fuzziness(word, extra - 1):
                continue
            found = backend.query(EngineQuery(text=word, fuzziness_extra=extra, limit=20, facets=False))
            replacement = _nearest(word, found, extra=extra, last=last)
            if replacement:
                fixed.append(replacement)
                break
    fixed = list(dict.fromkeys(fixed))
    # The whole correction first; if no item has all its words, the correction without one
    # word at a time ("samsung iphone" → "samsung"), so the customer still gets a way forward.
    # Guessed words go before words typed right, later words before earlier ones.
    order = sorted(range(len(fixed)), key=lambda i: (fixed[i] in words, -i))
    candidates = [fixed] + [fixed[:i] + fixed[i + 1:] for i in order] if len(fixed) > 1 else [fixed]
    for candidate in candidates:
        suggestion = " ".join(candidate)
        if not suggestion or suggestion == " ".join(words):
            continue
        if backend.query(EngineQuery(text=suggestion, limit=1, facets=False)).total:
            return suggestion
    return None


def _nearest(word: str, found: EngineResult, *, extra: int, last: bool) -> str | None:
    seen: Counter[str] = Counter()
    for hit in found.hits:
        seen.update(set(tokens(f"{hit.title} {hit.brand} {hit.category_name}", limit=100)))
    allowed = fuzziness(word, extra)
    prefix = prefix_allowed(word, last=last, as_you_type=False)
    scored = []
    for candidate, frequency in seen.items():
        distance = edit_distance(word, candidate, cap=allowed)
        if distance <= allowed or (prefix and candidate.startswith(word)):
            scored.append((min(distance, allowed + 1), -frequency, candidate))
    return min(scored)[2] if scored else None


# --- results found only by tolerating typos ---------------------------------------------------

RESPELL_SAMPLE = 8  # the best-ranked results whose words are compared with the query's


@dataclass(frozen=True)
class Respelling:
    """The results hold none of the query's words as typed: they were found by typo tolerance
    ("iphone" found "phone", "samsng" found "samsung"). `query` is the query spelled the way the
    best results spell it; searching for it finds at least one of them."""

    query: str


def respelling_get(page: SearchPage, *, backend: SearchBackend | None = None) -> Respelling | None:
    """Whether `page` was found only by fuzzy matching, and how its results spell the query.

    Worked out from the words the results show (title, brand, category names and their search
    keywords), with no engine query when the page is the first by relevance: exact title, brand
    and category matches rank first there, so the top results show an exact match if any
    result has one. Another sort or page asks the engine for the first few by relevance, and
    only when the page itself shows no exact match. A query word found only in a description
    or an attribute can't be seen here: then no result "explains" the match and nothing is
    claimed (None), rather than a wrong "no exact match".
    """
    words = tokens(page.params.q)
    if not words or not page.total:
        return None
    categories = categories_by_id()
    first_by_relevance = page.params.sort == Sort.RELEVANCE and page.params.page == 1
    # On the first page by relevance an exact match, if any, is among the first few (exact
    # title, brand and category words add their boosts); on another page or sort, any card will do.
    shown: list[frozenset[str]] = []
    for card in page.results[:RESPELL_SAMPLE] if first_by_relevance else page.results:
        shown.append(_shown(card, categories))
        if _spelled(words, shown[-1]) == words:  # usually the first result: done
            return None
    if not first_by_relevance:
        backend = backend or search_backend()
        estimates = reachable_estimates(page.pin) if page.pin else None
        first = engine_query(replace(page.params, sort=Sort.RELEVANCE, page=1), estimates=estimates)
        hits = backend.query(replace(first, limit=RESPELL_SAMPLE, facets=False)).hits
        shown = [_shown(hit, categories) for hit in hits]
    votes: Counter[tuple[str, ...]] = Counter()
    first_rank: dict[tuple[str, ...], int] = {}
    for rank, card_words in enumerate(shown[:RESPELL_SAMPLE]):
        spelled = _spelled(words, card_words, nearest=True)
        if spelled is None:
            continue
        if spelled == words:
            return None  # an exact match after all, among the first by relevance
        key = tuple(spelled)
        votes[key] += 1
        first_rank.setdefault(key, rank)
    if not votes:
        return None
    best = min(votes, key=lambda key: (-votes[key], first_rank[key]))
    return Respelling(" ".join(dict.fromkeys(best)))


def _shown(card: ResultCard | EngineHit, categories: Mapping[int, CategoryInfo]) -> frozenset[str]:
    """The words a result shows: its title, brand and category path (names and keywords)."""
    return _title_words(card.title, card.brand) | _category_words(card.category_id, categories)


@functools.lru_cache(maxsize=8192)
def _title_words(title: str, brand: str) -> frozenset[str]:
    return frozenset(tokens(f"{title} {brand}", limit=100))


def _spelled(words: list[str], shown: frozenset[str], *, nearest: bool = False) -> list[str] | None:
    """The query's words as a result spells them: a word it shows as typed (the last also as a
    prefix) stays, and so does a word too short for typos (it matched as typed, somewhere);
    with `nearest`, another becomes the result's closest word within the word's edit
    distance. None when a word can't be placed (it matched text the result doesn't show)."""
    spelled: list[str] = []
    for position, word in enumerate(words):
        last = position == len(words) - 1
        if word in shown or fuzziness(word) == 0 or (
                prefix_allowed(word, last=last, as_you_type=False) and any(w.startswith(word) for w in shown)):
            spelled.append(word)
            continue
        if not nearest:
            return None
        allowed = fuzziness(word)
        close = [(d, w) for w in shown if abs(len(w) - len(word)) <= allowed and (d := _distance(word, w)) <= allowed]
        if not close:
            return None
        spelled.append(min(close)[1])
    return spelled


@functools.lru_cache(maxsize=65_536)
def _distance(a: str, b: str) -> int:
    return edit_distance(a, b, cap=2)


_category_words_memo: tuple[int, dict[int, frozenset[str]]] = (0, {})


def _category_words(category_id: int, categories: Mapping[int, CategoryInfo]) -> frozenset[str]:
    """The words of a category's path (names and search keywords), as the index holds them
    (search.documents puts the same into every document's text)."""
    global _category_words_memo
    if _category_words_memo[0] != id(categories):
        _category_words_memo = (id(categories), {})
    memo = _category_words_memo[1]
    if category_id not in memo:
        category = categories.get(category_id)
        path = [categories[c] for c in category.ids_from_root if c in categories] if category else []
        memo[category_id] = frozenset(tokens(" ".join(f"{c.name} {c.keywords}" for c in path), limit=200))
    return memo[category_id]


# --- suggestions as the customer types --------------------------------------------------------

def suggestions_get(text: str, *, limit: int = 8, backend: SearchBackend | None = None) -> list[Suggestion]:
    """Brands and categories whose names match what was typed, then product titles."""
    words = tokens(text)
    if not words or limit <= 0:
        return []
    backend = backend or search_backend()
    result = backend.query(EngineQuery(text=text, as_you_type=True, limit=limit, facets=True))
    categories = categories_by_id()

    def named(name: str) -> bool:
        name_words = set(tokens(name, limit=20))
        return all(word_matches(w, name_words, last=i == len(words) - 1, as_you_type=True)
                   for i, w in enumerate(words))

    out: list[Suggestion] = []
    for brand, _ in sorted(result.facets.brands.items(), key=lambda kv: -kv[1]):
        if named(brand) and len(out) < 2:
            out.append(Suggestion(text=brand, kind="brand"))
    matching = [c for c in result.facets.categories if c in categories and named(categories[c].name)]
    for category_id in sorted(matching, key=lambda c: -result.facets.categories[c])[:2]:
        out.append(Suggestion(text=categories[category_id].name, kind="category", category_id=category_id))
    titles = set()
    for hit in result.hits:
        if len(out) >= limit:
            break
        if hit.title.casefold() not in titles:
            titles.add(hit.title.casefold())
            out.append(Suggestion(text=hit.title, kind="product", item_id=hit.item_id))
    return out[:limit]
