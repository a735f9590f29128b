"""The search consumer, through real events: catalog and inventory services emit, the relay
delivers, the flush writes; the index follows within one flush."""

from __future__ import annotations

import pytest

from search.models import StaleItem
from search.selectors import search_run
from search.types import SearchParams
from tests.search.conftest import SERVER_ENGINES, deliver

pytestmark = pytest.mark.django_db


def found(text: str, **params) -> list[str]:
    return sorted(card.title for card in search_run(SearchParams(q=text, **params)).results)


def test_a_new_item_is_searchable_after_its_event_is_handled(shop):
    shop.add("Galaxy M14 phone", brand="Samsung")
    assert found("galaxy") == []  # not yet delivered: nothing waits on the engine

    deliver()

    assert found("galaxy") == ["Galaxy M14 phone"]
    assert not StaleItem.objects.exists()


def test_an_item_that_sells_out_leaves_the_results_and_comes_back_when_restocked(shop):
    from inventory.services import stock_set

    phone = shop.add("Galaxy M14 phone", stock={"DEL1": 1})
    deliver()
    delhi = shop.world.warehouses["DEL1"].pk

    stock_set(item_id=phone, warehouse_id=delhi, on_hand=0, actor_id=None, source="system")
    deliver()
    assert found("galaxy") == []

    stock_set(item_id=phone, warehouse_id=delhi, on_hand=3, actor_id=None, source="system")
    deliver()
    assert found("galaxy") == ["Galaxy M14 phone"]


def test_reserving_the_last_unit_for_an_order_takes_the_item_out(shop):
    from inventory.services import LineRequest, allocation_plan, stock_reserve

    phone = shop.add("Galaxy M14 phone", stock={"DEL1": 1})
    deliver()

    stock_reserve(order_id="order-1", plan=allocation_plan(lines=[LineRequest(phone, 1)], pin_code="560001"))
    deliver()

    assert found("galaxy") == []


def test_a_retired_item_leaves_and_a_price_change_shows(shop):
    from catalog.services import item_retire, item_update

    phone = shop.add("Galaxy M14 phone", price_paise=1_299_900)
    other = shop.add("Galaxy A05 phone", price_paise=899_900)
    deliver()

    item_retire(item_id=phone)
    item_update(item_id=other, price_paise=799_900)
    deliver()

    (card,) = search_run(SearchParams(q="galaxy")).results
    assert (card.item_id, card.price_paise) == (other, 799_900)


def test_a_draft_item_is_not_found_until_it_is_activated(shop):
    from catalog.services import item_update

    draft = shop.add("Galaxy S25 phone", status="draft")
    deliver()
    assert found("galaxy") == []

    item_update(item_id=draft, status="active")
    deliver()
    assert found("galaxy") == ["Galaxy S25 phone"]


def test_a_duplicate_delivery_changes_nothing(shop):
    from events.models import OutboxEvent
    from events.registry import dispatch
    from events.services import relay_pending

    shop.add("Galaxy M14 phone")
    relay_pending()
    assert StaleItem.objects.count() == 1
    deliver()
    event = OutboxEvent.objects.filter(type="catalog.item_created.v1").latest("pk")

    from events.backends.base import Event

    again = Event(event_id=event.event_id, type=event.type, key=event.key, payload=event.payload,
                  occurred_at=event.occurred_at)
    assert dispatch(again) == 0  # every consumer has it already
    assert not StaleItem.objects.exists()


def test_a_schema_change_reindexes_the_category_with_its_new_facet(shop):
    from catalog.services import attribute_define, item_update

    shop.add("Bass earbuds", category=shop.audio, attributes={})
    deliver()
    attribute_define(category_id=shop.audio, code="wireless", label="Wireless", type="boolean", facetable=True)
    deliver()
    item_update(item_id=shop.items["Bass earbuds"], attributes={"wireless": True})
    deliver()

    page = search_run(SearchParams(q="earbuds", attributes={"wireless": ("yes",)}))
    assert [c.title for c in page.results] == ["Bass earbuds"]
    (group,) = [g for g in page.facets if g.code == "wireless"]
    assert [(v.label, v.count, v.selected) for v in group.values] == [("Yes", 1, True)]


def test_a_category_rename_is_searchable(shop):
    from catalog.services import category_update

    shop.add("Bass earbuds", category=shop.audio)
    deliver()
    category_update(category_id=shop.audio, name="Headphones")
    deliver()

    assert found("headphones") == ["Bass earbuds"]


def test_one_flush_writes_many_items_in_one_go(shop):
    from search.services import stale_items_flush

    for n in range(30):
        shop.add(f"Steel tumbler {n}")
    from events.services import relay_pending

    relay_pending()
    assert StaleItem.objects.count() == 30

    report = stale_items_flush(batch=500)

    assert (report.items, report.written) == (30, 30)
    assert search_run(SearchParams(q="tumbler")).total == 30


def test_an_item_marked_again_during_a_flush_stays_marked(shop, monkeypatch):
    from search import services

    phone = shop.add("Galaxy M14 phone")
    from events.services import relay_pending

    relay_pending()
    real = services.items_reindex
    calls = []

    def reindex_and_meanwhile_change(**kwargs):
        written = real(**kwargs)
        if not calls:
            services.items_mark_stale(item_ids=[phone])  # an event arrives while we write
        calls.append(kwargs["item_ids"])
        return written

    monkeypatch.setattr(services, "items_reindex", reindex_and_meanwhile_change)
    report = services.stale_items_flush()

    assert calls == [[phone], [phone]]  # seen again in the same flush: it was marked after our read
    assert report.items == 2 and not StaleItem.objects.exists()


@pytest.mark.parametrize("search_index", SERVER_ENGINES, indirect=True)
def test_the_same_flow_on_a_server_engine(shop):
    from inventory.services import stock_set

    phone = shop.add("Galaxy M14 phone", brand="Samsung", stock={"DEL1": 1},
                     attributes={"colour": "Black", "ram_gb": 8})
    deliver()
    page = search_run(SearchParams(q="galxy"), pin="560001")
    assert [c.title for c in page.results] == ["Galaxy M14 phone"] and page.results[0].delivery is not None
    assert {g.code for g in page.facets} >= {"brand", "colour", "ram_gb"}

    stock_set(item_id=phone, warehouse_id=shop.world.warehouses["DEL1"].pk, on_hand=0, actor_id=None,
              source="system")
    deliver()
    assert found("galaxy") == []
