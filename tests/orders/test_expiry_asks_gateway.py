"""Expiry asks the gateway before it cancels: a payment that succeeded in time wins, however late
its notification is (issue 10, finding 1; decision 0015)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import transaction

from events.models import OutboxEvent
from inventory.interface import availability_get
from inventory.models import Allocation, Stock
from orders.models import Order
from orders.services import expiry_hard_deadline, order_expire, order_expire_stale
from payments.backends.base import GatewayError
from payments.backends.simulated import SimulatedGateway
from payments.models import Payment
from tests.orders.helpers import (
    charge_of,
    customer_presses,
    gateway_notifies,
    gateway_takes_money_but_its_callback_is_late,
    payment_of,
    place,
    refreshed,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def item(world_tx):
    return world_tx.add_item("LAMP", price_paise=250_000, stock={"DEL1": 1})


@pytest.fixture(autouse=True)
def refund_late_payments(settings):
    # Under "honour" a wrongly cancelled order could come back placed by luck (the unit still
    # there); "refund" makes a wrong cancellation visible as the refund the customer would get.
    settings.LATE_PAYMENT_POLICY = "refund"


def timeline(order) -> list[str]:
    return list(refreshed(order).timeline.order_by("id").values_list("to_status", flat=True))


def event_types(order) -> list[str]:
    return list(OutboxEvent.objects.filter(key=str(order.pk)).order_by("id").values_list("type", flat=True))


def assert_placed_once_and_never_cancelled(order, item) -> None:
    order = refreshed(order)
    assert order.status == Order.Status.PLACED and order.placed_at
    assert timeline(order) == ["pending_payment", "placed"]
    assert payment_of(order).status == "succeeded" and charge_of(order).status == "succeeded"
    assert Allocation.objects.get(order_id=str(order.pk)).status == "committed"
    assert (Stock.objects.get(item_id=item).on_hand, availability_get(item_ids=[item])) == (0, {item: 0})
    assert not [t for t in event_types(order) if t.startswith("orders.late_payment")]


def test_expiry_places_an_order_paid_in_time_whose_callback_is_still_queued(item, buyer):
    """The customer paid 11 s in; the gateway's callback waits in a busy queue; expiry comes first."""
    order = place(buyer.pk, item, 1)
    gateway_takes_money_but_its_callback_is_late(order)

    assert order_expire(order_id=str(order.pk), now=order.expires_at + timedelta(seconds=1)) is False

    assert_placed_once_and_never_cancelled(order, item)
    gateway_notifies(order, "succeeded")  # the callback arrives at last: it changes nothing
    assert_placed_once_and_never_cancelled(order, item)
    assert event_types(order).count("orders.order_placed.v1") == 1


def test_the_sweep_asks_the_gateway_too_after_a_worker_restart_lost_the_expiry_task(item, buyer):
    order = place(buyer.pk, item, 1)
    gateway_takes_money_but_its_callback_is_late(order)  # and the worker holding both died

    assert order_expire_stale(now=order.expires_at + timedelta(seconds=30)) == 0

    assert_placed_once_and_never_cancelled(order, item)
    gateway_notifies(order, "succeeded")
    assert_placed_once_and_never_cancelled(order, item)


def test_a_success_we_recorded_but_whose_event_waits_behind_the_relay_places_the_order(item, buyer):
    order = place(buyer.pk, item, 1)
    gateway_takes_money_but_its_callback_is_late(order)
    Payment.objects.filter(order_id=str(order.pk)).update(status="succeeded")  # event not relayed yet

    assert order_expire_stale(now=order.expires_at + timedelta(seconds=1)) == 0

    assert_placed_once_and_never_cancelled(order, item)


def test_no_payment_at_the_gateway_still_expires_the_order(item, buyer):
    order = place(buyer.pk, item, 1)
    customer_presses(order, "cancel")

    assert order_expire_stale(now=order.expires_at + timedelta(seconds=1)) == 1

    order = refreshed(order)
    assert (order.status, order.cancel_reason) == (Order.Status.CANCELLED, "expired")
    assert availability_get(item_ids=[item]) == {item: 1}
    assert payment_of(order).status == "voided" and charge_of(order).status == "voided"


@pytest.fixture
def gateway_down(monkeypatch):
    """The gateway times out. Records whether it was asked inside a database transaction."""
    calls = []

    def status(self, *, gateway_ref: str) -> str:
        calls.append(transaction.get_connection().in_atomic_block)
        raise GatewayError("connect timeout")

    monkeypatch.setattr(SimulatedGateway, "status", status)
    return calls


def test_an_unreachable_gateway_keeps_the_order_waiting_until_the_hard_deadline(item, buyer, gateway_down,
                                                                               monkeypatch):
    order = place(buyer.pk, item, 1)
    gateway_takes_money_but_its_callback_is_late(order)

    with pytest.raises(GatewayError):  # the per-order task retries on this
        order_expire(order_id=str(order.pk), now=order.expires_at + timedelta(seconds=1))
    assert order_expire_stale(now=order.expires_at + timedelta(minutes=2)) == 0
    assert refreshed(order).status == Order.Status.PENDING_PAYMENT
    assert availability_get(item_ids=[item]) == {item: 0}  # still held for the customer
    assert gateway_down == [False, False]  # asked, and never inside a transaction

    # Past the hard deadline the stock goes back without the gateway's answer...
    assert order_expire_stale(now=order.expires_at + expiry_hard_deadline() + timedelta(seconds=1)) == 1
    order = refreshed(order)
    assert (order.status, order.cancel_reason) == (Order.Status.CANCELLED, "expired")
    assert availability_get(item_ids=[item]) == {item: 1}

    # ...and the success found once the gateway is back is a late payment, as before.
    monkeypatch.undo()
    gateway_notifies(order, "succeeded")
    assert refreshed(order).cancel_reason == "late_payment_refund"
    assert payment_of(order).status == "refunded"


def test_a_sweep_asks_a_dead_gateway_once_not_once_per_order(world_tx, buyer, gateway_down):
    item = world_tx.add_item("MUG", stock={"DEL1": 5})
    orders = [place(buyer.pk, item, 1) for _ in range(3)]
    late = max(o.expires_at for o in orders) + timedelta(seconds=1)

    assert order_expire_stale(now=late) == 0

    assert len(gateway_down) == 1
    assert {refreshed(o).status for o in orders} == {Order.Status.PENDING_PAYMENT}
