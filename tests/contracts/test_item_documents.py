"""The item-documents port: one suite, every backend (the relational table and MongoDB).

MongoDB runs as a real server (SecantusDB, tests/brokers_mongo.py); each test gets its own
database. The semantics checked here are the ones catalog/backends/base.py promises.
"""

from __future__ import annotations

import uuid

import pytest

from catalog.backends.base import Document, ItemDocuments
from catalog.backends.mongodb import MongoItemDocuments
from catalog.backends.relational import RelationalItemDocuments
from tests.brokers_mongo import mongo_database, mongo_fixture

mongo = mongo_fixture()

BACKENDS = [
    pytest.param("relational", id="relational", marks=pytest.mark.django_db),
    pytest.param("mongodb", id="mongodb", marks=[pytest.mark.broker, pytest.mark.xdist_group("mongo")]),
]

TV, MOBILE, SHIRT = 10, 20, 30


@pytest.fixture(params=BACKENDS)
def documents(request) -> ItemDocuments:
    if request.param == "relational":
        yield RelationalItemDocuments()
        return
    server = request.getfixturevalue("mongo")
    with mongo_database(server, f"contract_{uuid.uuid4().hex[:12]}") as name:
        backend = MongoItemDocuments(server.url, database=name)
        yield backend
        backend.close()


@pytest.fixture
def shelf(documents: ItemDocuments) -> ItemDocuments:
    """A few documents to find: televisions, mobiles and shirts."""
    documents.put_many(
        [
            Document(1, TV, {"screen_size": 43, "resolution": "Full HD", "smart_tv": True}),
            Document(2, TV, {"screen_size": 55, "resolution": "4K Ultra HD", "smart_tv": True}),
            Document(3, TV, {"screen_size": 65.5, "resolution": "4K Ultra HD", "smart_tv": False}),
            Document(4, MOBILE, {"ram": "8 GB", "screen_size": 6.7, "dual_sim": True}),
            Document(5, MOBILE, {"ram": "12 GB", "screen_size": 6.5, "dual_sim": 1}),  # 1 is not true
            Document(6, SHIRT, {"colour": "Blue", "occasion": ["Casual", "Office"]}),
            Document(7, SHIRT, {"colour": "Red", "occasion": ["Festive"]}),
            Document(8, SHIRT, {"colour": "Blue"}),
        ]
    )
    return documents


def test_satisfies_the_protocol(documents):
    assert isinstance(documents, ItemDocuments)
    assert isinstance(documents.transactional, bool)


def test_put_then_get_round_trips_every_json_type(documents):
    attributes = {
        "title_hi": "स्मार्ट टीवी ₹",
        "size": 55,
        "weight": 1.25,
        "smart": True,
        "wifi": False,
        "occasion": ["Casual", "Office"],
    }
    assert documents.put(1, TV, attributes, version=1) is True

    doc = documents.get(1)

    assert doc == Document(1, TV, attributes, 1)
    assert type(doc.attributes["size"]) is int and type(doc.attributes["smart"]) is bool
    assert documents.get(2) is None


def test_get_many_returns_only_the_stored_ids_in_one_call(documents):
    documents.put_many([Document(i, TV, {"n": i}) for i in range(1, 1201)])

    found = documents.get_many([*range(1, 1201), 99_999, 1])

    assert len(found) == 1200
    assert found[1199] == Document(1199, TV, {"n": 1199}, 1)
    assert documents.get_many([]) == {}


def test_a_newer_version_replaces_an_older_one_never_the_reverse(documents):
    documents.put(1, TV, {"screen_size": 43}, version=2)

    assert documents.put(1, MOBILE, {"ram": "8 GB"}, version=3) is True
    assert documents.put(1, TV, {"screen_size": 32}, version=1) is False  # a late retry
    assert documents.put(1, MOBILE, {"ram": "8 GB"}, version=3) is True  # the same write again

    assert documents.get(1) == Document(1, MOBILE, {"ram": "8 GB"}, 3)


def test_put_many_keeps_the_newest_per_item_and_skips_stale_writes(documents):
    documents.put(1, TV, {"v": "stored"}, version=5)

    stored = documents.put_many(
        [
            Document(1, TV, {"v": "old"}, 4),
            Document(2, TV, {"v": "a"}, 1),
            Document(2, TV, {"v": "b"}, 2),
            Document(3, TV, {"v": "c"}, 1),
        ]
    )

    assert stored == 2
    assert {i: (d.attributes["v"], d.version) for i, d in documents.get_many([1, 2, 3]).items()} == {
        1: ("stored", 5),
        2: ("b", 2),
        3: ("c", 1),
    }
    assert documents.put_many([]) == 0


def test_delete_removes_and_is_safe_to_repeat(shelf):
    shelf.delete(1)
    shelf.delete(1)
    shelf.delete(12345)

    assert shelf.get(1) is None
    assert shelf.find([TV]) == [2, 3]


def test_find_by_category(shelf):
    assert shelf.find([TV]) == [1, 2, 3]
    assert shelf.find([TV, SHIRT]) == [1, 2, 3, 6, 7, 8]
    assert shelf.find([999]) == []
    assert shelf.find([]) == []
    assert shelf.find(None) == [1, 2, 3, 4, 5, 6, 7, 8]


def test_find_by_equal_value_and_any_of_a_list(shelf):
    assert shelf.find([TV], {"resolution": "4K Ultra HD"}) == [2, 3]
    assert shelf.find(None, {"colour": ["Red", "Green"]}) == [7]
    assert shelf.find(None, {"ram": ["8 GB", "12 GB"]}) == [4, 5]


def test_find_in_a_multi_choice_list(shelf):
    assert shelf.find([SHIRT], {"occasion": "Office"}) == [6]
    assert shelf.find([SHIRT], {"occasion": ["Office", "Festive"]}) == [6, 7]


def test_find_by_numeric_range_across_ints_and_floats(shelf):
    assert shelf.find([TV], {"screen_size": {"gte": 50}}) == [2, 3]
    assert shelf.find([TV], {"screen_size": {"gt": 43, "lt": 65.5}}) == [2]
    assert shelf.find(None, {"screen_size": {"lte": 6.7}}) == [4, 5]
    assert shelf.find(None, {"colour": {"gte": 0}}) == []  # text is never in a numeric range


def test_booleans_are_not_numbers(shelf):
    assert shelf.find(None, {"dual_sim": True}) == [4]
    assert shelf.find(None, {"dual_sim": 1}) == [5]
    assert shelf.find([TV], {"smart_tv": False}) == [3]


def test_filters_combine_with_and_and_a_missing_attribute_never_matches(shelf):
    assert shelf.find([TV], {"resolution": "4K Ultra HD", "smart_tv": True}) == [2]
    assert shelf.find([SHIRT], {"colour": "Blue", "occasion": "Casual"}) == [6]
    assert shelf.find(None, {"no_such_attribute": "x"}) == []


@pytest.mark.parametrize(
    "bad",
    [{"x": None}, {"x": {"between": [1, 2]}}, {"x": {"gte": "a"}}, {"x": []}, {"x": {"a": 1}}, {"x": [None]}],
)
def test_a_malformed_filter_is_refused(shelf, bad):
    with pytest.raises(ValueError):
        shelf.find(None, bad)


def test_ensure_indexes_is_idempotent_and_clear_empties(shelf):
    shelf.ensure_indexes({"screen_size", "colour"})
    shelf.ensure_indexes({"screen_size", "colour", "ram"})

    assert shelf.find([TV], {"screen_size": {"gte": 50}}) == [2, 3]
    shelf.clear()
    assert shelf.find(None) == []


@pytest.mark.broker
@pytest.mark.xdist_group("mongo")
def test_mongodb_indexes_category_and_each_facetable_attribute(mongo):
    with mongo_database(mongo, f"contract_{uuid.uuid4().hex[:12]}") as name:
        backend = MongoItemDocuments(mongo.url, database=name)
        backend.ensure_indexes(["screen_size", "colour"])
        assert {"_id_", "category", "facet_colour", "facet_screen_size"} <= backend.index_names()
        backend.close()


@pytest.mark.broker
@pytest.mark.xdist_group("mongo")
def test_mongodb_unreachable_is_reported_as_unavailable():
    from catalog.backends.base import DocumentsUnavailable
    from infra.engines.base import free_port

    backend = MongoItemDocuments(f"mongodb://127.0.0.1:{free_port()}/x?directConnection=true", timeout_ms=300)
    with pytest.raises(DocumentsUnavailable):
        backend.get_many([1])
