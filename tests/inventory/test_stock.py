"""Stock, reservations and the delivery promise."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from events.models import OutboxEvent
from inventory.models import Allocation, Stock, StockAdjustment
from inventory.selectors import availability_get, delivery_promises
from inventory.services import (
    InsufficientStock,
    LineRequest,
    NotDeliverable,
    StockBelowReserved,
    allocation_plan,
    reservation_commit,
    reservation_release,
    stock_reserve,
    stock_set,
)
from tests.shop_world import BENGALURU_PIN, DELHI_PIN, ISLANDS_PIN


def reserve(*, order_id: str, lines: list[LineRequest], pin_code: str):
    """Plan, then take: what order placing does."""
    return stock_reserve(order_id=order_id, plan=allocation_plan(lines=lines, pin_code=pin_code))


def test_stock_set_is_audited_and_announced(world):
    item = world.add_item("A1")
    warehouse = world.warehouses["DEL1"].pk
    stock_set(item_id=item, warehouse_id=warehouse, on_hand=7, actor_id=world.seller.pk, source="seller_api")
    stock_set(item_id=item, warehouse_id=warehouse, on_hand=3, actor_id=world.seller.pk, source="seller_api")

    adjustments = list(StockAdjustment.objects.order_by("id").values_list("on_hand_before", "on_hand_after"))
    assert adjustments == [(0, 7), (7, 3)]
    assert OutboxEvent.objects.filter(type="inventory.stock_changed.v1", key=str(item)).count() == 2
    assert availability_get(item_ids=[item]) == {item: 3}


def test_database_refuses_reserved_above_on_hand(world):
    item = world.add_item("A1", stock={"DEL1": 2})
    with pytest.raises(IntegrityError), transaction.atomic():
        Stock.objects.filter(item_id=item).update(reserved=3)


def test_reservation_takes_the_warehouse_that_delivers_soonest(world):
    item = world.add_item("A1", stock={"DEL1": 5, "BLR1": 5})

    delhi = reserve(order_id="o-delhi", lines=[LineRequest(item, 1)], pin_code=DELHI_PIN)
    bengaluru = reserve(order_id="o-blr", lines=[LineRequest(item, 1)], pin_code=BENGALURU_PIN)

    assert delhi[0].warehouse_id == world.warehouses["DEL1"].pk
    assert bengaluru[0].warehouse_id == world.warehouses["BLR1"].pk
    assert availability_get(item_ids=[item]) == {item: 8}


def test_reserving_again_for_the_same_order_changes_nothing(world):
    item = world.add_item("A1", stock={"DEL1": 5})
    first = reserve(order_id="o1", lines=[LineRequest(item, 2)], pin_code=DELHI_PIN)
    again = reserve(order_id="o1", lines=[LineRequest(item, 2)], pin_code=DELHI_PIN)
    assert [(r.item_id, r.quantity) for r in first] == [(r.item_id, r.quantity) for r in again]
    assert Stock.objects.get(item_id=item).reserved == 2


def test_short_stock_raises_and_writes_nothing(world):
    plenty = world.add_item("A1", stock={"DEL1": 5})
    scarce = world.add_item("B1", stock={"DEL1": 1})
    with pytest.raises(InsufficientStock) as info, transaction.atomic():
        reserve(order_id="o1", lines=[LineRequest(plenty, 1), LineRequest(scarce, 2)], pin_code=DELHI_PIN)
    assert info.value.short == {scarce: 1}
    assert not Allocation.objects.exists()
    assert availability_get(item_ids=[plenty, scarce]) == {plenty: 5, scarce: 1}


def test_stock_that_cannot_reach_the_pin_is_not_deliverable(world):
    item = world.add_item("A1", stock={"DEL1": 5})
    with pytest.raises(NotDeliverable):
        reserve(order_id="o1", lines=[LineRequest(item, 1)], pin_code=ISLANDS_PIN)


def test_release_and_commit_are_idempotent(world):
    item = world.add_item("A1", stock={"DEL1": 5})
    reserve(order_id="paid", lines=[LineRequest(item, 2)], pin_code=DELHI_PIN)
    reserve(order_id="failed", lines=[LineRequest(item, 1)], pin_code=DELHI_PIN)

    assert reservation_commit(order_id="paid") == 2
    assert reservation_commit(order_id="paid") == 0
    assert reservation_release(order_id="failed") == 1
    assert reservation_release(order_id="failed") == 0

    stock = Stock.objects.get(item_id=item)
    assert (stock.on_hand, stock.reserved, stock.available) == (3, 0, 3)


def test_on_hand_cannot_go_below_reserved(world):
    item = world.add_item("A1", stock={"DEL1": 5})
    reserve(order_id="o1", lines=[LineRequest(item, 4)], pin_code=DELHI_PIN)
    with pytest.raises(StockBelowReserved):
        stock_set(item_id=item, warehouse_id=world.warehouses["DEL1"].pk, on_hand=3, actor_id=None,
                  source="admin")


def test_delivery_promises_cost_the_same_few_queries_for_one_item_or_twenty(world, django_assert_num_queries):
    items = [world.add_item(f"I{n}", stock={"DEL1": 1, "BLR1": 1}) for n in range(20)]
    gone = world.add_item("GONE", stock={"DEL1": 0})
    delivery_promises(item_ids=items[:1], pin_code=BENGALURU_PIN)  # warms the PIN's cached routes
    with django_assert_num_queries(1):  # the stock rows; routes come from the cache
        delivery_promises(item_ids=items[:1], pin_code=BENGALURU_PIN)
    with django_assert_num_queries(1):
        promises = delivery_promises(item_ids=[*items, gone], pin_code=BENGALURU_PIN)
    assert set(promises) == set(items)
    assert {p.warehouse_id for p in promises.values()} == {world.warehouses["BLR1"].pk}
    assert delivery_promises(item_ids=items, pin_code=ISLANDS_PIN) == {}


def test_a_cart_can_take_what_all_warehouses_hold(world):
    from rest_framework.test import APIClient

    item = world.add_item("SPLIT", stock={"DEL1": 2, "BLR1": 2})
    assert availability_get(item_ids=[item]) == {item: 4}
    api = APIClient()
    api.force_authenticate(world.customer)
    assert api.post("/api/v1/cart/items", {"product_id": item, "quantity": 5}, format="json").status_code == 409
    assert api.post("/api/v1/cart/items", {"product_id": item, "quantity": 4}, format="json").status_code == 201


def _parts(parts) -> list[tuple[int, int]]:
    return sorted((p.warehouse_id, p.quantity) for p in parts)


def test_a_line_no_warehouse_holds_alone_is_split_soonest_first(world):
    item = world.add_item("A1", stock={"DEL1": 2, "BLR1": 2})
    delhi, bengaluru = world.warehouses["DEL1"].pk, world.warehouses["BLR1"].pk

    parts = reserve(order_id="o1", lines=[LineRequest(item, 3)], pin_code=DELHI_PIN)

    assert _parts(parts) == sorted([(delhi, 2), (bengaluru, 1)])
    assert sorted(Allocation.objects.filter(order_id="o1").values_list("warehouse_id", "quantity")) == _parts(parts)
    assert {s.warehouse_id: s.reserved for s in Stock.objects.filter(item_id=item)} == {delhi: 2, bengaluru: 1}


def test_one_warehouse_that_holds_the_whole_line_beats_a_split(world):
    item = world.add_item("A1", stock={"DEL1": 1, "BLR1": 3})
    parts = reserve(order_id="o1", lines=[LineRequest(item, 3)], pin_code=DELHI_PIN)
    assert _parts(parts) == [(world.warehouses["BLR1"].pk, 3)]


def test_short_over_all_warehouses_says_how_many_there_are(world):
    item = world.add_item("A1", stock={"DEL1": 2, "BLR1": 2})
    with pytest.raises(InsufficientStock) as info:
        allocation_plan(lines=[LineRequest(item, 5)], pin_code=DELHI_PIN)
    assert info.value.short == {item: 4}


def test_units_taken_after_the_plan_are_found_elsewhere_under_lock(world):
    """Another order takes the planned units between the plan and the take: the line is split
    again over what the rows hold now, and nothing is oversold."""
    item = world.add_item("A1", stock={"DEL1": 2, "BLR1": 1})
    delhi, bengaluru = world.warehouses["DEL1"].pk, world.warehouses["BLR1"].pk
    plan = allocation_plan(lines=[LineRequest(item, 2)], pin_code=DELHI_PIN)
    assert _parts(plan.parts) == [(delhi, 2)]
    reserve(order_id="first", lines=[LineRequest(item, 1)], pin_code=DELHI_PIN)  # takes 1 at DEL1

    with transaction.atomic():
        parts = stock_reserve(order_id="second", plan=plan)

    assert _parts(parts) == sorted([(delhi, 1), (bengaluru, 1)])
    assert sorted(Allocation.objects.filter(order_id="second").values_list("warehouse_id", "quantity")) == \
        _parts(parts)
    assert {s.warehouse_id: (s.on_hand, s.reserved) for s in Stock.objects.filter(item_id=item)} == {
        delhi: (2, 2), bengaluru: (1, 1)}


def test_units_gone_everywhere_after_the_plan_raise_and_take_nothing(world):
    item = world.add_item("A1", stock={"DEL1": 2})
    plan = allocation_plan(lines=[LineRequest(item, 2)], pin_code=DELHI_PIN)
    reserve(order_id="first", lines=[LineRequest(item, 1)], pin_code=DELHI_PIN)
    with pytest.raises(InsufficientStock) as info, transaction.atomic():
        stock_reserve(order_id="second", plan=plan)
    assert info.value.short == {item: 1}
    assert Stock.objects.get(item_id=item).reserved == 1
    assert not Allocation.objects.filter(order_id="second").exists()


def test_an_order_released_then_allocated_again_reuses_its_rows(world):
    item = world.add_item("A1", stock={"DEL1": 2, "BLR1": 2})
    reserve(order_id="late", lines=[LineRequest(item, 3)], pin_code=DELHI_PIN)
    assert reservation_release(order_id="late") == 3

    parts = reserve(order_id="late", lines=[LineRequest(item, 3)], pin_code=DELHI_PIN)

    assert sum(p.quantity for p in parts) == 3
    assert sorted(Allocation.objects.filter(order_id="late").values_list("status", "quantity")) == [
        ("held", 1), ("held", 2)]
    assert sum(s.reserved for s in Stock.objects.filter(item_id=item)) == 3
