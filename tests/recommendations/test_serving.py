"""Serving (issue 9 item 5): `recommendations_for` and "also bought" answer from the latest run,
through the cache, and only ever offer what can be sold to this visitor now."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog.services import category_create
from inventory.services import stock_set
from recommendations.interface import also_bought_for, latest_run_ids, recommendations_for
from tests.orders.helpers import place
from tests.recommendations.results import (
    add_item,
    also_bought_results,
    personal_results,
    popular_results,
)
from tests.shop_world import BENGALURU_PIN, ISLANDS_PIN

pytestmark = pytest.mark.django_db


@pytest.fixture
def items(world):
    return [add_item(world, f"SKU-{n}", brand=f"Brand{n}") for n in range(8)]


def ids(found) -> list[int]:
    return [item.item_id for item in found.items]


def test_a_customer_with_enough_personal_rows_gets_them_in_their_order(world, items):
    personal_results({world.customer.pk: items[:6]})
    popular_results(items[::-1])
    found = recommendations_for(world.customer.pk, pin=BENGALURU_PIN)
    assert found.source == "personal"
    assert ids(found) == items[:6]
    assert all(item.delivery_date is not None for item in found.items)  # dates for the PIN, like search


def test_too_few_personal_rows_fall_back_to_popular_in_the_pins_state_then_overall(world, items):
    personal_results({world.customer.pk: items[:2]})  # fewer than RECOMMENDATIONS_MIN_PERSONAL
    popular_results(items[::-1], states={"KARNATAKA": [items[5], items[4]]})
    found = recommendations_for(world.customer.pk, pin=BENGALURU_PIN, limit=4)
    assert found.source == "popular_state" and found.state == "KARNATAKA"
    assert ids(found) == [items[5], items[4], items[7], items[6]]


def test_a_visitor_without_an_account_gets_popular_items(world, items):
    popular_results(items[:3])
    found = recommendations_for(None, visitor_id="abc")
    assert found.source == "popular" and ids(found) == items[:3]
    assert found.items[0].delivery_date is None  # no PIN, no date


def test_nothing_sold_out_retired_or_undeliverable_to_the_pin_is_offered(world, items):
    far = add_item(world, "FAR", stock={"DEL1": 3})  # the islands' PIN is reached by no courier
    popular_results([items[0], items[1], far])
    stock_set(item_id=items[0], warehouse_id=world.warehouses["BLR1"].pk, on_hand=0, actor_id=None, source="system")
    assert ids(recommendations_for(None, pin=BENGALURU_PIN)) == [items[1], far]
    assert ids(recommendations_for(None, pin=ISLANDS_PIN)) == []
    assert recommendations_for(None, pin=ISLANDS_PIN).source == "none"


def test_what_the_customer_just_ordered_is_never_offered(world, items):
    personal_results({world.customer.pk: items[:6]})
    place(world.customer.pk, items[0])
    assert items[0] not in ids(recommendations_for(world.customer.pk))
    also_bought_results({items[3]: [items[0], items[1]]})
    assert ids(also_bought_for(items[3], user_id=world.customer.pk)) == [items[1]]


def test_one_brand_or_category_does_not_fill_a_row(world):
    other = category_create(name="Kitchen", slug="kitchen").pk
    acme = [add_item(world, f"ACME-{n}", brand="Acme") for n in range(4)]
    rest = [add_item(world, "ZEN-1", brand="Zen"), add_item(world, "POT-1", brand="Pots", category_id=other)]
    popular_results([*acme, *rest])
    row = ids(recommendations_for(None, limit=4))
    assert row == [acme[0], acme[1], rest[0], rest[1]]  # two of Acme, then others, before more Acme
    assert ids(recommendations_for(None, limit=6)) == [acme[0], acme[1], rest[0], rest[1], acme[2], acme[3]]


def test_a_category_narrows_the_answer(world, items):
    kitchen = category_create(name="Kitchen", slug="kitchen").pk
    pot = add_item(world, "POT", brand="Pots", category_id=kitchen)
    popular_results([*items[:2], pot], categories={kitchen: [pot]})
    assert ids(recommendations_for(None, category_id=kitchen)) == [pot]


def test_the_jobs_rows_are_read_through_the_cache_by_run_and_a_new_run_shows_at_once(world, items):
    first = popular_results(items[:3])
    recommendations_for(None)
    with CaptureQueriesContext(connection) as again:
        assert ids(recommendations_for(None)) == items[:3]
    assert not [q for q in again.captured_queries if "recommendations_" in q["sql"]]
    second = popular_results(items[3:5])
    assert latest_run_ids()["popular"] == second.pk != first.pk
    assert ids(recommendations_for(None)) == items[3:5]


def test_also_bought_leaves_out_the_item_itself_and_what_cannot_be_sold(world, items):
    also_bought_results({items[0]: [items[0], items[1], items[2]]})
    stock_set(item_id=items[2], warehouse_id=world.warehouses["BLR1"].pk, on_hand=0, actor_id=None, source="system")
    found = also_bought_for(items[0], pin=BENGALURU_PIN)
    assert found.source == "also_bought" and ids(found) == [items[1]]


def test_with_no_job_results_yet_there_is_nothing_to_serve(world, items):
    assert recommendations_for(world.customer.pk).source == "none"
    assert also_bought_for(items[0]).items == ()
