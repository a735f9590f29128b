"""The cart consumes orders.order_placed.v1: what was ordered leaves the cart, once."""

from __future__ import annotations

import uuid

import pytest
from django.db import transaction
from django.utils import timezone

from cart.interface import CartLine, CartOwner, cart_add, cart_lines
from events.interface import Event, emit
from events.models import OutboxEvent
from events.registry import dispatch
from events.services import relay_pending
from tests.cart.fixtures import outbox

pytestmark = pytest.mark.django_db(databases="__all__")


def order_placed(user_id: int, *item_ids: int) -> Event:
    return Event(event_id=uuid.uuid4(), type="orders.order_placed.v1", key="order-1",
                 occurred_at=timezone.now(),
                 payload={"order_id": "order-1", "user_id": user_id, "status": "placed",
                          "lines": [{"item_id": i, "quantity": 1, "sku": "x", "unit_price_paise": 100}
                                    for i in item_ids]})


def test_order_placed_removes_the_ordered_items_once(customer, make_item):
    kettle, mug, spoon = make_item(), make_item(), make_item()
    owner = CartOwner.customer(customer.pk)
    for item in (kettle, mug, spoon):
        cart_add(owner=owner, item_id=item, quantity=2)
    event = order_placed(customer.pk, kettle, spoon)

    assert dispatch(event) >= 1
    assert cart_lines(user_id=customer.pk) == [CartLine(mug, 2)]
    removed = outbox("cart.item_removed")
    assert {e.payload["item_id"] for e in removed} == {kettle, spoon}
    assert {e.payload["reason"] for e in removed} == {"ordered"}

    dispatch(event)  # the same event again: nothing happens
    assert len(outbox("cart.item_removed")) == 2
    dispatch(order_placed(customer.pk, kettle, spoon))  # another delivery path, same lines: no-op too
    assert cart_lines(user_id=customer.pk) == [CartLine(mug, 2)]
    assert len(outbox("cart.item_removed")) == 2


def test_order_placed_for_a_customer_without_a_cart_does_nothing(customer):
    dispatch(order_placed(customer.pk, 1, 2))
    assert outbox("cart.") == []


def test_through_the_outbox_and_the_relay(customer, make_item):
    kettle, mug = make_item(), make_item()
    owner = CartOwner.customer(customer.pk)
    cart_add(owner=owner, item_id=kettle)
    cart_add(owner=owner, item_id=mug)
    OutboxEvent.objects.update(published_at=timezone.now())  # only the order's event goes out below

    with transaction.atomic():
        emit("orders.order_placed.v1", key="order-9", payload=order_placed(customer.pk, kettle).payload)
    report = relay_pending()

    assert report.failed == 0
    assert cart_lines(user_id=customer.pk) == [CartLine(mug, 1)]
    # The cart's own event went out in the same pass or waits for the next one.
    relay_pending()
    (removed,) = outbox("cart.item_removed")
    assert removed.published_at is not None and removed.payload["item_id"] == kettle
