"""The search port: one suite, every engine (tantivy in a temporary directory, Elasticsearch on
a noida-db server and OpenSearch on a real node, both started for the session; each test its own
index, dropped after). What search/backends/base.py promises, checked against a brute-force
answer computed here over the same documents."""

from __future__ import annotations

import random
import uuid
from collections import Counter
from dataclasses import replace

import pytest

from infra.engines.base import free_port
from search.backends.base import SearchBackend, SearchUnavailable
from search.backends.elasticsearch import ElasticsearchBackend
from search.backends.opensearch import OpenSearchBackend
from search.backends.tantivy import TantivyBackend
from search.text import tokens, word_matches
from search.types import EngineQuery, FacetCounts, SearchDoc, Sort
from tests.engines import ENGINE_MARKS

# The servers are asked for inside the fixtures below (getfixturevalue), which the collection hook
# of tests/conftest.py cannot see: so the marks that group each server's tests on one worker.
BACKENDS = [
    pytest.param("tantivy", id="tantivy"),
    pytest.param("elasticsearch", id="elasticsearch",
                 marks=[pytest.mark.broker, pytest.mark.xdist_group("elasticsearch")]),
    pytest.param("opensearch", id="opensearch",
                 marks=ENGINE_MARKS),
]

# Categories: Electronics (1) > Mobiles (2), Laptops (3), Audio (4); Fashion (10) > Shirts (11).
PATHS = {2: (1, 2), 3: (1, 3), 4: (1, 4), 11: (10, 11)}
NAMES = {1: "Electronics", 2: "Mobiles", 3: "Laptops", 4: "Audio", 10: "Fashion", 11: "Shirts"}
NOUNS = {2: ["phone", "smartphone", "mobile"], 3: ["laptop", "notebook", "ultrabook"],
         4: ["headphones", "speaker", "earbuds"], 11: ["shirt", "kurta", "polo"]}
BRANDS = {2: ["Samsung", "Apple", "Redmi"], 3: ["Lenovo", "Dell", "Apple"], 4: ["Boat", "Sony", "Samsung"],
          11: ["Raymond", "Allen Solly", "Manyavar"]}
ADJECTIVES = ["wireless", "premium", "classic", "portable", "slim", "cotton", "smart", "compact"]
COLOURS = ["Black", "Blue", "Red", "White"]
BASE_STAMP = 1_700_000_000_000_000_000


def make_docs(n: int = 60, seed: int = 4) -> list[SearchDoc]:
    rng = random.Random(seed)
    docs = [
        SearchDoc(item_id=1, stamp=BASE_STAMP, title="Samsung Galaxy M14 phone", brand="Samsung",
                  description="A big battery and a bright screen", category_id=2, category_ids=(1, 2),
                  category_path="electronics/mobiles", category_names=("Electronics", "Mobiles"),
                  price_paise=1_299_900, rating="4.3", rating_count=120, created_ts=1_700_000_100,
                  facets=("colour=Black", "ram=8"), warehouse_ids=(1,)),
        SearchDoc(item_id=2, stamp=BASE_STAMP, title="Copper kettle", brand="Prestige",
                  description="Boils water fast; pairs with any samsung fridge", category_id=4, category_ids=(1, 4),
                  category_path="electronics/audio", category_names=("Electronics", "Audio"),
                  price_paise=149_900, rating="3.9", rating_count=5, created_ts=1_700_000_200,
                  facets=("colour=Red",), warehouse_ids=(2,)),
    ]
    for item_id in range(3, n + 1):
        leaf = rng.choice(list(PATHS))
        brand = rng.choice(BRANDS[leaf])
        title = f"{brand} {rng.choice(ADJECTIVES)} {rng.choice(NOUNS[leaf])} {rng.randint(1, 9)}"
        facets = [f"colour={rng.choice(COLOURS)}"]
        if leaf in (2, 3):
            facets.append(f"ram={rng.choice([4, 8, 16])}")
        docs.append(SearchDoc(
            item_id=item_id, stamp=BASE_STAMP, live=rng.random() > 0.08, title=title, brand=brand,
            description=f"{rng.choice(ADJECTIVES)} design with {rng.choice(ADJECTIVES)} finish",
            category_id=leaf, category_ids=PATHS[leaf], category_path="x",
            category_names=tuple(NAMES[c] for c in PATHS[leaf]),
            price_paise=rng.randint(10, 2000) * 5000, rating=f"{rng.randint(0, 5)}.{rng.randint(0, 9)}",
            rating_count=rng.randint(0, 500), created_ts=1_700_000_000 + rng.randint(0, 40) * 86_400,
            facets=tuple(facets), warehouse_ids=tuple(sorted(rng.sample([1, 2, 3], rng.choice([0, 1, 1, 2])))),
        ))
    return docs


DOCS = make_docs()


def _backend(kind: str, request, tmp_path_factory) -> SearchBackend:
    index = f"contract-{uuid.uuid4().hex[:10]}"
    if kind == "tantivy":
        return TantivyBackend(path=str(tmp_path_factory.mktemp("search-index")))
    if kind == "opensearch":
        return OpenSearchBackend(request.getfixturevalue("opensearch_engine").url, index=index, refresh=True)
    return ElasticsearchBackend(request.getfixturevalue("elasticsearch").url, index=index, refresh=True)


@pytest.fixture(params=BACKENDS)
def backend(request, tmp_path_factory):
    engine = _backend(request.param, request, tmp_path_factory)
    yield engine
    engine.clear()


@pytest.fixture(scope="module", params=BACKENDS)
def shelf(request, tmp_path_factory):
    """One engine loaded with DOCS, shared by the read-only tests of this module."""
    engine = _backend(request.param, request, tmp_path_factory)
    engine.upsert(DOCS)
    yield engine
    engine.clear()


# --- the brute-force answer -------------------------------------------------------------------

def text_matches(doc: SearchDoc, q: EngineQuery) -> bool:
    words = tokens(q.text)
    doc_words = set(tokens(doc.search_text, limit=10_000))
    return all(word_matches(w, doc_words, last=i == len(words) - 1, as_you_type=q.as_you_type,
                            extra=q.fuzziness_extra) for i, w in enumerate(words))


def passes(doc: SearchDoc, q: EngineQuery, without: str | None = None) -> bool:
    if not doc.findable or not text_matches(doc, q):
        return False
    if q.category_id is not None and q.category_id not in doc.category_ids:
        return False
    if q.brands and without != "brand" and doc.brand not in q.brands:
        return False
    if q.price_min_paise is not None and doc.price_paise < q.price_min_paise:
        return False
    if q.price_max_paise is not None and doc.price_paise > q.price_max_paise:
        return False
    if q.rating_min_x10 is not None and without != "rating" and doc.rating_x10 < q.rating_min_x10:
        return False
    for code, values in q.attributes.items():
        if without != f"attr:{code}" and not any(f"{code}={v}" in doc.facets for v in values):
            return False
    return q.warehouse_ids is None or bool(set(doc.warehouse_ids) & q.warehouse_ids)


SORT_KEYS = {
    Sort.PRICE_ASC: lambda d: (d.price_paise, d.item_id),
    Sort.PRICE_DESC: lambda d: (-d.price_paise, d.item_id),
    Sort.NEWEST: lambda d: (-d.created_ts, d.item_id),
    Sort.RATING: lambda d: (-d.rating_x10, d.item_id),
}


def expected_ids(docs: list[SearchDoc], q: EngineQuery) -> list[int]:
    found = [d for d in docs if passes(d, q)]
    if q.sort in SORT_KEYS:
        return [d.item_id for d in sorted(found, key=SORT_KEYS[q.sort])]
    return sorted(d.item_id for d in found)


def expected_facets(docs: list[SearchDoc], q: EngineQuery) -> FacetCounts:
    categories: Counter[int] = Counter()
    brands: Counter[str] = Counter()
    ratings: Counter[int] = Counter()
    attributes: dict[str, Counter[str]] = {}
    for doc in docs:
        if passes(doc, q):
            categories.update(doc.category_ids)
        if passes(doc, q, without="brand") and doc.brand:
            brands[doc.brand] += 1
        if passes(doc, q, without="rating"):
            ratings[doc.rating_x10 // 10] += 1
        for key in doc.facets:
            code, _, value = key.partition("=")
            if passes(doc, q, without=f"attr:{code}"):
                attributes.setdefault(code, Counter())[value] += 1
    return FacetCounts(brands=dict(brands), categories=dict(categories),
                       attributes={c: dict(v) for c, v in attributes.items()}, ratings=dict(ratings))


def all_ids(engine: SearchBackend, q: EngineQuery) -> list[int]:
    result = engine.query(replace(q, offset=0, limit=200, facets=False))
    ids = [h.item_id for h in result.hits]
    assert result.total == len(ids)
    return ids if q.sort in SORT_KEYS else sorted(ids)


# --- the suite --------------------------------------------------------------------------------

def test_satisfies_the_protocol(backend):
    assert isinstance(backend, SearchBackend)


@pytest.mark.parametrize("typed", ["samsung", "samsnug", "sumsang", "Galxy", "galaxi", "SAMSUNG GALAXY"])
def test_misspellings_with_one_and_two_edits_still_find_the_item(shelf, typed):
    result = shelf.query(EngineQuery(text=typed, limit=50))
    assert 1 in [h.item_id for h in result.hits]


def test_too_many_edits_for_the_word_length_find_nothing(shelf):
    assert shelf.query(EngineQuery(text="ketl")).total == 0  # 4 letters: 1 edit allowed, "kettle" is 2
    assert shelf.query(EngineQuery(text="kettl")).total == 1  # 5 letters, one edit
    assert shelf.query(EngineQuery(text="sxmsxxg")).total == 0  # 7 letters, 3 edits


def test_the_last_word_matches_as_a_prefix(shelf):
    assert 1 in [h.item_id for h in shelf.query(EngineQuery(text="galaxy sams", limit=50)).hits]
    assert shelf.query(EngineQuery(text="ga")).total == 0
    typing = shelf.query(EngineQuery(text="ga", as_you_type=True, limit=50))
    assert 1 in [h.item_id for h in typing.hits]


def test_a_title_match_ranks_above_a_description_match(shelf):
    hits = [h.item_id for h in shelf.query(EngineQuery(text="samsung", limit=100, category_id=None)).hits]
    assert hits.index(1) < hits.index(2)  # item 2 only mentions samsung in its description


def test_hits_carry_what_a_result_card_shows(shelf):
    (hit,) = shelf.query(EngineQuery(text="galaxy m14")).hits
    assert (hit.item_id, hit.title, hit.brand, hit.price_paise) == (1, "Samsung Galaxy M14 phone", "Samsung", 1_299_900)
    assert (hit.rating, hit.rating_count, hit.category_id, hit.category_name) == ("4.3", 120, 2, "Mobiles")
    assert hit.warehouse_ids == (1,) and hit.created_ts == 1_700_000_100


CASES = {
    "everything": EngineQuery(),
    "a word": EngineQuery(text="phone"),
    "a typo": EngineQuery(text="headphnes"),
    "two words": EngineQuery(text="slim laptop"),
    "a typo in two words": EngineQuery(text="samsng earbud"),
    "looser typos (did you mean)": EngineQuery(text="lptop slmi", fuzziness_extra=1),
    "root category with its children": EngineQuery(category_id=1),
    "leaf category": EngineQuery(category_id=2, text="samsung"),
    "brands": EngineQuery(brands=("Samsung", "Apple")),
    "price range": EngineQuery(price_min_paise=2_000_000, price_max_paise=6_000_000),
    "rating": EngineQuery(rating_min_x10=35),
    "one attribute": EngineQuery(attributes={"colour": ("Black", "Blue")}),
    "two attributes": EngineQuery(attributes={"colour": ("Black",), "ram": ("8", "16")}),
    "deliverable": EngineQuery(warehouse_ids=frozenset({1})),
    "nothing reaches": EngineQuery(warehouse_ids=frozenset()),
    "all together": EngineQuery(text="slim", category_id=1, brands=("Samsung", "Apple", "Lenovo", "Dell"),
                                rating_min_x10=10, attributes={"colour": ("Black", "Blue", "White")},
                                warehouse_ids=frozenset({2, 3})),
}


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("sort", [Sort.RELEVANCE, Sort.PRICE_ASC, Sort.PRICE_DESC, Sort.NEWEST, Sort.RATING])
def test_filters_and_sorts_agree_with_brute_force(shelf, case, sort):
    q = replace(CASES[case], sort=sort)
    assert all_ids(shelf, q) == expected_ids(DOCS, q)


@pytest.mark.parametrize("case", list(CASES))
def test_facet_counts_agree_with_brute_force(shelf, case):
    q = CASES[case]
    assert shelf.query(replace(q, limit=5)).facets == expected_facets(DOCS, q)


def test_pages_follow_each_other(shelf):
    q = EngineQuery(category_id=1, sort=Sort.PRICE_ASC)
    expected = expected_ids(DOCS, q)
    pages = []
    for offset in range(0, len(expected), 7):
        result = shelf.query(replace(q, offset=offset, limit=7, facets=False))
        assert result.total == len(expected)
        pages += [h.item_id for h in result.hits]
    assert pages == expected


def test_fastest_delivery_orders_by_tier_then_relevance(shelf):
    tiers = (frozenset({2}), frozenset({3}), frozenset({1}))  # warehouse 2 delivers first, then 3, then 1
    q = EngineQuery(sort=Sort.FASTEST, warehouse_ids=frozenset({1, 2, 3}), delivery_tiers=tiers, limit=200)
    hits = shelf.query(q).hits
    assert sorted(h.item_id for h in hits) == expected_ids(DOCS, q)

    def tier(hit) -> int:
        return min(i for i, t in enumerate(tiers) if t & set(hit.warehouse_ids))

    assert [tier(h) for h in hits] == sorted(tier(h) for h in hits)


# --- writes -----------------------------------------------------------------------------------

def doc(item_id: int, stamp: int, **fields) -> SearchDoc:
    base = dict(title="Steel water bottle", brand="Milton", category_id=4, category_ids=(1, 4),
                category_names=("Electronics", "Audio"), price_paise=49_900, rating="4.0", warehouse_ids=(1,))
    return SearchDoc(item_id=item_id, stamp=stamp, **{**base, **fields})


def found(engine: SearchBackend, text: str = "bottle", **filters) -> list[int]:
    return sorted(h.item_id for h in engine.query(EngineQuery(text=text, limit=50, **filters)).hits)


def test_an_out_of_stock_item_disappears_and_comes_back(backend):
    backend.upsert([doc(7, 10), doc(8, 10)])
    assert found(backend) == [7, 8]

    backend.upsert([doc(7, 20, warehouse_ids=())])  # sold out everywhere
    assert found(backend) == [8]

    backend.upsert([doc(7, 30, warehouse_ids=(2,))])  # restocked elsewhere
    assert found(backend) == [7, 8]


def test_an_undeliverable_item_is_hidden_for_that_pin_and_shown_for_another(backend):
    backend.upsert([doc(7, 10, warehouse_ids=(1,)), doc(8, 10, warehouse_ids=(1, 2))])
    reaches_only_2 = frozenset({2})  # the PIN's couriers reach warehouse 2, not warehouse 1
    reaches_1_and_3 = frozenset({1, 3})

    assert found(backend, warehouse_ids=reaches_only_2) == [8]
    assert found(backend, warehouse_ids=reaches_1_and_3) == [7, 8]
    assert found(backend, warehouse_ids=frozenset()) == []


def test_a_retired_item_leaves_and_a_late_older_write_cannot_bring_it_back(backend):
    backend.upsert([doc(7, 10)])
    backend.upsert([SearchDoc(item_id=7, stamp=20, live=False)])
    assert found(backend) == []

    backend.upsert([doc(7, 15, title="Steel water bottle, older read")])  # read before the retirement
    assert found(backend) == []


def test_the_later_read_wins_whatever_the_arrival_order(backend):
    backend.upsert([doc(7, 20, price_paise=100)])
    backend.upsert([doc(7, 10, price_paise=999)])
    (hit,) = backend.query(EngineQuery(text="bottle")).hits
    assert hit.price_paise == 100

    backend.upsert([doc(7, 30, price_paise=300), doc(7, 25, price_paise=250)])  # same batch
    (hit,) = backend.query(EngineQuery(text="bottle")).hits
    assert hit.price_paise == 300


def test_rebuild_switches_at_once_and_keeps_writes_made_meanwhile(backend):
    backend.upsert([doc(7, 10), doc(8, 10, title="Steel lunch box")])
    generation = backend.rebuild_start()
    backend.rebuild_write(generation, [doc(7, 11)])  # item 8 was retired before the rebuild read

    backend.upsert([doc(9, 12, title="Glass water bottle")])  # while it builds: served and building
    assert found(backend) == [7, 9]
    assert found(backend, "lunch") == [8]  # the old index serves until the switch

    backend.rebuild_finish(generation)
    assert found(backend) == [7, 9]
    assert found(backend, "lunch") == []

    backend.upsert([doc(9, 13, warehouse_ids=())])
    assert found(backend) == [7]


def test_an_aborted_rebuild_changes_nothing(backend):
    backend.upsert([doc(7, 10)])
    generation = backend.rebuild_start()
    backend.rebuild_write(generation, [doc(8, 11)])
    backend.rebuild_abort(generation)
    backend.upsert([doc(9, 12)])
    assert found(backend) == [7, 9]


@pytest.mark.parametrize("server_backend", [ElasticsearchBackend, OpenSearchBackend],
                         ids=["elasticsearch", "opensearch"])
def test_a_server_that_does_not_answer_is_search_unavailable(server_backend):
    nobody = server_backend(f"http://127.0.0.1:{free_port()}", index="contract-nobody", timeout=2)
    with pytest.raises(SearchUnavailable):
        nobody.query(EngineQuery(text="bottle"))
    with pytest.raises(SearchUnavailable):
        nobody.upsert([doc(7, 10)])
