"""Stock, reservations and the delivery promise."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from events.models import OutboxEvent
from inventory.models import Reservation, Stock, StockAdjustment
from inventory.selectors import availability_get, delivery_promises
from inventory.services import (
    InsufficientStock,
    LineRequest,
    NotDeliverable,
    StockBelowReserved,
    reservation_commit,
    reservation_release,
    stock_reserve,
    stock_set,
)
from tests.shop_world import BENGALURU_PIN, DELHI_PIN, ISLANDS_PIN


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

    delhi = stock_reserve(order_id="o-delhi", lines=[LineRequest(item, 1)], pin_code=DELHI_PIN)
    bengaluru = stock_reserve(order_id="o-blr", lines=[LineRequest(item, 1)], pin_code=BENGALURU_PIN)

    assert delhi[0].warehouse_id == world.warehouses["DEL1"].pk
    assert bengaluru[0].warehouse_id == world.warehouses["BLR1"].pk
    assert availability_get(item_ids=[item]) == {item: 8}


def test_reserving_again_for_the_same_order_changes_nothing(world):
    item = world.add_item("A1", stock={"DEL1": 5})
    first = stock_reserve(order_id="o1", lines=[LineRequest(item, 2)], pin_code=DELHI_PIN)
    again = stock_reserve(order_id="o1", lines=[LineRequest(item, 2)], pin_code=DELHI_PIN)
    assert [(r.item_id, r.quantity) for r in first] == [(r.item_id, r.quantity) for r in again]
    assert Stock.objects.get(item_id=item).reserved == 2


def test_short_stock_raises_and_writes_nothing(world):
    plenty = world.add_item("A1", stock={"DEL1": 5})
    scarce = world.add_item("B1", stock={"DEL1": 1})
    with pytest.raises(InsufficientStock) as info, transaction.atomic():
        stock_reserve(order_id="o1", lines=[LineRequest(plenty, 1), LineRequest(scarce, 2)], pin_code=DELHI_PIN)
    assert info.value.short == {scarce: 1}
    assert not Reservation.objects.exists()
    assert availability_get(item_ids=[plenty, scarce]) == {plenty: 5, scarce: 1}


def test_stock_that_cannot_reach_the_pin_is_not_deliverable(world):
    item = world.add_item("A1", stock={"DEL1": 5})
    with pytest.raises(NotDeliverable):
        stock_reserve(order_id="o1", lines=[LineRequest(item, 1)], pin_code=ISLANDS_PIN)


def test_release_and_commit_are_idempotent(world):
    item = world.add_item("A1", stock={"DEL1": 5})
    stock_reserve(order_id="paid", lines=[LineRequest(item, 2)], pin_code=DELHI_PIN)
    stock_reserve(order_id="failed", lines=[LineRequest(item, 1)], pin_code=DELHI_PIN)

    assert reservation_commit(order_id="paid") == 2
    assert reservation_commit(order_id="paid") == 0
    assert reservation_release(order_id="failed") == 1
    assert reservation_release(order_id="failed") == 0

    stock = Stock.objects.get(item_id=item)
    assert (stock.on_hand, stock.reserved, stock.available) == (3, 0, 3)


def test_on_hand_cannot_go_below_reserved(world):
    item = world.add_item("A1", stock={"DEL1": 5})
    stock_reserve(order_id="o1", lines=[LineRequest(item, 4)], pin_code=DELHI_PIN)
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


def test_a_cart_can_take_only_what_one_warehouse_can_ship(world, client):
    from rest_framework.test import APIClient

    from inventory.selectors import orderable_get

    item = world.add_item("SPLIT", stock={"DEL1": 2, "BLR1": 2})
    assert availability_get(item_ids=[item]) == {item: 4}  # what exists
    assert orderable_get(item_ids=[item]) == {item: 2}  # what one order line can have
    api = APIClient()
    api.force_authenticate(world.customer)
    assert api.post("/api/v1/cart/items", {"product_id": item, "quantity": 3}, format="json").status_code == 409
    assert api.post("/api/v1/cart/items", {"product_id": item, "quantity": 2}, format="json").status_code == 201
