"""The document every engine indexes, and the word rules every engine follows."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from catalog.interface import AttributeInfo, CategoryInfo, ItemSnapshot
from search.documents import doc_build, facet_value
from search.text import auto_fuzziness, edit_distance, tokens, word_matches
from search.types import rating_x10

CATEGORIES = {
    1: CategoryInfo(id=1, slug="electronics", name="Electronics", path="electronics", parent_id=None, ancestor_ids=()),
    2: CategoryInfo(id=2, slug="mobiles", name="Mobiles", path="electronics/mobiles", parent_id=1, ancestor_ids=(1,),
                    attributes=(AttributeInfo("colour", "Colour", "choice", facetable=True),
                                AttributeInfo("ram_gb", "RAM", "number", unit="GB", facetable=True),
                                AttributeInfo("sims", "SIMs", "multi_choice", facetable=True),
                                AttributeInfo("dual_sim", "Dual SIM", "boolean", facetable=True),
                                AttributeInfo("model", "Model", "text"))),
}


def snapshot(**fields) -> ItemSnapshot:
    base = dict(item_id=7, seller_id=1, sku="M14", title="Galaxy M14", brand="Samsung", description="Big battery",
                category_id=2, category_name="Mobiles", category_path="electronics/mobiles", category_ids=(1, 2),
                price_paise=1_299_900, currency="INR", status="active",
                attributes={"colour": "Black", "ram_gb": 8.0, "sims": ["Nano", "eSIM"], "dual_sim": True,
                            "model": "SM-M146B"},
                images=("https://img.example/1.jpg", "https://img.example/2.jpg"), rating=Decimal("4.3"),
                rating_count=12, created_at=dt.datetime(2026, 11, 1, tzinfo=dt.UTC))
    return ItemSnapshot(**{**base, **fields})


def test_a_document_holds_what_search_needs():
    doc = doc_build(snapshot(), item_id=7, stamp=5, warehouse_ids=[3, 1, 3], categories=CATEGORIES)

    assert doc.facets == ("colour=Black", "dual_sim=yes", "ram_gb=8", "sims=Nano", "sims=eSIM")
    assert doc.warehouse_ids == (1, 3) and doc.findable
    assert doc.category_names == ("Electronics", "Mobiles") and doc.image == "https://img.example/1.jpg"
    assert doc.rating_x10 == 43 and doc.created_ts == int(dt.datetime(2026, 11, 1, tzinfo=dt.UTC).timestamp())
    assert "SM-M146B" in doc.search_text and "Electronics Mobiles" in doc.search_text


def test_retired_draft_unknown_and_out_of_stock_items_are_not_findable():
    for snap in (snapshot(status="retired"), snapshot(status="draft"), None):
        doc = doc_build(snap, item_id=7, stamp=5, warehouse_ids=[1], categories=CATEGORIES)
        assert not doc.live and not doc.findable and doc.title == ""
    assert not doc_build(snapshot(), item_id=7, stamp=5, warehouse_ids=[], categories=CATEGORIES).findable


@pytest.mark.parametrize(("value", "text"), [(True, "yes"), (False, "no"), (8, "8"), (8.0, "8"), (6.5, "6.5"),
                                             (Decimal("6.50"), "6.5"), ("  Deep   Blue ", "Deep Blue"), ("", None),
                                             (None, None), ({"x": 1}, None), (float("nan"), None)])
def test_facet_values(value, text):
    assert facet_value(value) == text


def test_words_are_folded_and_cut_on_anything_but_letters_and_digits():
    assert tokens("Café-Bar (M14) 5G, ₹12,999") == ["cafe", "bar", "m14", "5g", "12", "999"]
    assert tokens("a b a") == ["a", "b"]


@pytest.mark.parametrize(("word", "edits"), [("tv", 0), ("ram", 1), ("phone", 1), ("laptop", 2), ("headphones", 2)])
def test_typo_tolerance_grows_with_word_length_like_elasticsearch_auto(word, edits):
    assert auto_fuzziness(word) == edits


def test_edit_distance_counts_a_swap_as_one_edit():
    assert edit_distance("samsnug", "samsung") == 1
    assert edit_distance("sumsang", "samsung") == 2
    assert edit_distance("ketl", "kettle") == 2
    assert edit_distance("abc", "xyzabcdef", cap=2) == 3


def test_word_matching_rules():
    assert word_matches("samsnug", {"samsung"}) and not word_matches("ketl", {"kettle"})
    assert word_matches("sams", {"samsung"}, last=True) and not word_matches("sams", {"samsung"}, last=False)
    assert word_matches("s", {"samsung"}, last=True, as_you_type=True)
    assert not word_matches("sa", {"samsung"}, last=True)


def test_ratings_are_compared_as_tenths():
    assert [rating_x10(r) for r in ("4.3", "4", "0.0", "5.0", Decimal("3.9"), None)] == [43, 40, 0, 50, 39, 0]
