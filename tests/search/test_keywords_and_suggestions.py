"""Customers' own words for a category, and a "did you mean" that always offers a way forward."""

from __future__ import annotations

import pytest

from catalog.services import category_update
from search.selectors import did_you_mean_get, search_run
from search.types import SearchParams
from tests.search.conftest import ALL_ENGINES, deliver


def titles(page) -> list[str]:
    return [card.title for card in page.results]


def test_a_categorys_search_keywords_find_its_items(shop):
    shop.add("Samsung Galaxy M35 5G", brand="Samsung")
    deliver()
    assert titles(search_run(SearchParams(q="samsung phone"))) == []

    category_update(category_id=shop.mobiles, search_keywords="phone smartphone")
    deliver()  # the category event re-indexes its items

    assert titles(search_run(SearchParams(q="samsung phone"))) == ["Samsung Galaxy M35 5G"]
    assert titles(search_run(SearchParams(q="samsng smartphone"))) == ["Samsung Galaxy M35 5G"]


@pytest.mark.parametrize("search_index", ALL_ENGINES, indirect=True)
def test_did_you_mean_drops_a_word_no_item_has(shop):
    shop.add("Samsung Galaxy M35 5G", brand="Samsung")
    shop.add("Apple iPhone 15", brand="Apple")
    deliver()

    assert titles(search_run(SearchParams(q="samsng iphnoe"))) == []
    suggestion = did_you_mean_get("samsng iphnoe")
    assert suggestion in {"samsung", "iphone"}
    assert titles(search_run(SearchParams(q=suggestion)))


@pytest.mark.parametrize("search_index", ALL_ENGINES, indirect=True)
def test_did_you_mean_keeps_the_words_typed_right(shop):
    shop.add("Samsung Galaxy M35 5G", brand="Samsung")
    shop.add("Acme Core Charger", brand="Acme")
    deliver()

    assert did_you_mean_get("samsung fone") == "samsung"
