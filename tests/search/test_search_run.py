"""search_run: deliverability for a PIN code, delivery dates, fastest delivery, facets with
labels, "did you mean" and suggestions, over a real shop."""

from __future__ import annotations

import datetime as dt

import pytest

from search.selectors import did_you_mean_get, search_run, suggestions_get
from search.types import SearchParams, Sort
from tests.search.conftest import ALL_ENGINES, deliver
from tests.shop_world import BENGALURU_PIN, DELHI_PIN, ISLANDS_PIN

pytestmark = pytest.mark.django_db
NOON = dt.datetime(2026, 11, 24, 12, 0, tzinfo=dt.UTC)  # a Tuesday


@pytest.fixture
def phones(shop):
    shop.add("Galaxy M14 phone", brand="Samsung", price_paise=1_299_900, stock={"DEL1": 4},
             attributes={"colour": "Black", "ram_gb": 8}, rating="4.3")
    shop.add("Galaxy A05 phone", brand="Samsung", price_paise=899_900, stock={"BLR1": 2},
             attributes={"colour": "Blue", "ram_gb": 4}, rating="3.8")
    shop.add("Redmi 13C phone", brand="Redmi", price_paise=799_900, stock={"DEL1": 1, "BLR1": 1},
             attributes={"colour": "Green", "ram_gb": 8}, rating="4.1")
    shop.add("Bass earbuds", brand="Boat", category=shop.audio, price_paise=149_900, stock={"BLR1": 9},
             description="Pairs with any phone")
    shop.add("Sold out phone", brand="Nokia", stock={})
    deliver()
    return shop


def titles(page) -> list[str]:
    return [c.title for c in page.results]


def test_every_result_carries_the_delivery_promise_for_the_pin(phones):
    from inventory.interface import delivery_promises

    page = search_run(SearchParams(q="phone"), pin=BENGALURU_PIN, now=NOON)

    promises = delivery_promises(item_ids=[c.item_id for c in page.results], pin_code=BENGALURU_PIN, now=NOON)
    assert {c.item_id: c.delivery.date for c in page.results} == {i: p.delivery_date for i, p in promises.items()}
    assert len(page.results) == 4  # three phones and the earbuds (its description says phone); not the sold-out one


def test_without_a_pin_there_are_no_dates_and_no_deliverability_filter(phones):
    page = search_run(SearchParams(q="phone"))
    assert page.pin is None and page.total == 4
    assert all(c.delivery is None for c in page.results)


def test_an_undeliverable_item_is_hidden_for_that_pin_and_shown_for_another(phones):
    from logistics.models import Route
    from logistics.selectors import routes_cache_invalidate

    # No courier takes Delhi's warehouse to this Bengaluru PIN any more (Bengaluru's still serves it).
    Route.objects.filter(warehouse=phones.world.warehouses["DEL1"], pin_code_id=BENGALURU_PIN).delete()
    routes_cache_invalidate()

    bengaluru = search_run(SearchParams(q="phone"), pin=BENGALURU_PIN, now=NOON)
    delhi = search_run(SearchParams(q="phone"), pin=DELHI_PIN, now=NOON)

    assert "Galaxy M14 phone" not in titles(bengaluru)  # stocked only in Delhi
    assert "Redmi 13C phone" in titles(bengaluru)  # stocked in Delhi and Bengaluru
    assert "Galaxy M14 phone" in titles(delhi)
    m14 = search_run(SearchParams(q="galaxy m14"), pin=BENGALURU_PIN, now=NOON)
    assert m14.total == 0 and m14.undeliverable_count == 1


def test_a_closed_warehouse_takes_its_only_stock_out_of_every_pin(phones):
    from logistics.services import warehouse_update

    warehouse_update(code="DEL1", active=False, refresh_serviceability=False)
    assert search_run(SearchParams(q="galaxy m14"), pin=DELHI_PIN, now=NOON).total == 0
    assert titles(search_run(SearchParams(q="galaxy a05"), pin=DELHI_PIN, now=NOON)) == ["Galaxy A05 phone"]


def test_nothing_reaches_a_pin_no_courier_serves(phones):
    page = search_run(SearchParams(q="phone"), pin=ISLANDS_PIN, now=NOON)
    assert page.total == 0 and page.undeliverable_count == 4


def test_fastest_delivery_puts_the_nearest_stock_first(phones):
    page = search_run(SearchParams(q="phone", sort=Sort.FASTEST), pin=BENGALURU_PIN, now=NOON)
    dates = [c.delivery.date for c in page.results]
    assert dates == sorted(dates) and dates[0] < dates[-1]
    assert titles(page)[-1] == "Galaxy M14 phone"  # only in Delhi, the farthest from Bengaluru


def test_fastest_delivery_without_a_pin_falls_back_to_relevance(phones):
    page = search_run(SearchParams(q="phone", sort=Sort.FASTEST))
    assert page.params.sort == Sort.RELEVANCE and page.total == 4


def test_sorts_by_price_and_rating(phones):
    by_price = search_run(SearchParams(category_id=phones.mobiles, sort=Sort.PRICE_ASC))
    assert [c.price_paise for c in by_price.results] == [799_900, 899_900, 1_299_900]
    by_rating = search_run(SearchParams(category_id=phones.electronics, sort=Sort.RATING))
    assert titles(by_rating)[:3] == ["Galaxy M14 phone", "Redmi 13C phone", "Galaxy A05 phone"]


def test_facets_have_labels_units_and_counts_that_ignore_their_own_filter(phones):
    page = search_run(SearchParams(category_id=phones.electronics, brands=("Samsung",)))
    groups = {g.code: g for g in page.facets}

    assert [(v.label, v.count) for v in groups["category"].values] == [("Mobiles", 2)]
    assert [(v.value, v.count, v.selected) for v in groups["brand"].values] == [
        ("Samsung", 2, True), ("Boat", 1, False), ("Redmi", 1, False)]
    assert groups["colour"].label == "Colour"
    assert [(v.label, v.count) for v in groups["colour"].values] == [("Black", 1), ("Blue", 1)]  # schema order
    assert groups["ram_gb"].label == "RAM" and [(v.label, v.count) for v in groups["ram_gb"].values] == [
        ("4 GB", 1), ("8 GB", 1)]
    assert "dual_sim" not in groups  # not facetable
    assert [c.name for c in page.category_trail] == ["Electronics"]


def test_attribute_and_rating_filters(phones):
    page = search_run(SearchParams(attributes={"ram_gb": ("8",)}, rating_min=4))
    assert sorted(titles(page)) == ["Galaxy M14 phone", "Redmi 13C phone"]
    ratings = {v.value: v.count for g in page.facets if g.code == "rating" for v in g.values}
    # "n★ & up", counted without the rating filter: both 8 GB phones are rated 4 and up.
    assert ratings == {"4": 2, "3": 2, "2": 2, "1": 2}


def test_pages(phones):
    first = search_run(SearchParams(q="phone", sort=Sort.PRICE_ASC, per_page=3, page=1))
    second = search_run(SearchParams(q="phone", sort=Sort.PRICE_ASC, per_page=3, page=2))
    assert first.pages == 2 and first.has_next and not second.has_next
    assert len(first.results) == 3 and len(second.results) == 1
    assert not set(titles(first)) & set(titles(second))


@pytest.mark.parametrize("search_index", ALL_ENGINES, indirect=True)
def test_did_you_mean_offers_the_words_of_the_catalog(phones):
    page = search_run(SearchParams(q="samsnug glxy"))  # "glxy": 4 letters allow 1 edit, "galaxy" is 2 away
    assert page.total == 0 and page.did_you_mean == "samsung galaxy"
    assert search_run(SearchParams(q="samsung galaxy")).total == 2
    assert did_you_mean_get("galaxy zzqxv") == "galaxy"  # a word that is nothing like the catalog goes


def test_no_did_you_mean_when_nothing_is_close(phones):
    page = search_run(SearchParams(q="zzqxv"))
    assert page.total == 0 and page.did_you_mean is None


@pytest.mark.parametrize("search_index", ALL_ENGINES, indirect=True)
def test_suggestions_as_the_customer_types(phones):
    suggestions = suggestions_get("sams")
    assert suggestions[0].text == "Samsung" and suggestions[0].kind == "brand"
    assert {s.text for s in suggestions if s.kind == "product"} == {"Galaxy M14 phone", "Galaxy A05 phone"}
    assert [s.text for s in suggestions_get("mob") if s.kind == "category"] == ["Mobiles"]
    assert suggestions_get("") == []


def test_the_search_performed_event_is_emitted_by_the_page_and_the_api(phones, client):
    from events.models import OutboxEvent

    client.get("/search/?q=galaxy&brand=Samsung")
    event = OutboxEvent.objects.filter(type="search.performed.v1").latest("pk")
    assert event.payload["query"] == "galaxy" and event.payload["result_count"] == 2
    assert event.payload["filters"]["brands"] == ["Samsung"] and event.payload["user_id"] is None

