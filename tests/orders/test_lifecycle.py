"""The three payment outcomes, late payments, duplicates and forgeries, idempotent placing."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from events.backends.base import Event
from events.models import OutboxEvent
from events.registry import dispatch
from events.services import relay_pending
from inventory.interface import availability_get
from inventory.models import Allocation, Stock
from inventory.services import stock_set
from orders.models import Order
from orders.services import IdempotencyConflict, order_expire_stale, order_mark_paid
from payments.models import SimulatedCharge
from tests.orders.helpers import (
    address,
    charge_of,
    customer_presses,
    gateway_notifies,
    payment_of,
    place,
    refreshed,
)
from tests.shop_world import DELHI_PIN

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def expire_as_the_customer_pays(monkeypatch):
    """A payment that really is late: expiry asked the gateway (nothing paid yet) and cancelled; the
    customer's payment went through just before the void reached the gateway. The void then reads
    the gateway's own record and finds the money (decision 0015: one paid before expiry wins)."""
    from payments.backends.simulated import SimulatedGateway

    void = SimulatedGateway.void

    def paid_just_before_the_void(self, *, gateway_ref: str) -> None:
        SimulatedCharge.objects.filter(ref=gateway_ref).update(status=SimulatedCharge.Status.SUCCEEDED)
        void(self, gateway_ref=gateway_ref)

    def expire(order) -> None:
        with monkeypatch.context() as patch:
            patch.setattr(SimulatedGateway, "void", paid_just_before_the_void)
            assert order_expire_stale(now=order.expires_at + timedelta(seconds=1)) == 1

    return expire


def event_types(order) -> list[str]:
    return list(OutboxEvent.objects.filter(key=str(order.pk)).order_by("id").values_list("type", flat=True))


def test_placing_reserves_stock_and_opens_the_payment(item, buyer):
    order = place(buyer.pk, item, 2)

    assert order.status == Order.Status.PENDING_PAYMENT
    assert order.payment_url.startswith("/payments/simulated/")
    assert order.total_paise == 2 * 1_999_900  # free shipping above ₹499
    assert availability_get(item_ids=[item]) == {item: 1}
    assert order.lines.get().delivery_date is not None


def test_success_places_the_order_and_commits_the_stock(item, buyer):
    order = place(buyer.pk, item, 2)
    customer_presses(order, "pay")

    order = refreshed(order)
    assert order.status == Order.Status.PLACED and order.placed_at
    stock = Stock.objects.get(item_id=item)
    assert (stock.on_hand, stock.reserved) == (1, 0)
    assert "orders.order_placed.v1" in event_types(order)
    assert [c.to_status for c in order.timeline.all()] == ["pending_payment", "placed"]


def test_failure_cancels_and_releases_the_stock(item, buyer):
    order = place(buyer.pk, item, 2)
    customer_presses(order, "fail")

    order = refreshed(order)
    assert (order.status, order.cancel_reason) == (Order.Status.CANCELLED, "payment_failed")
    assert availability_get(item_ids=[item]) == {item: 3}
    assert payment_of(order).status == "failed"


def test_no_answer_expires_the_order_voids_the_payment_and_releases_the_stock(item, buyer):
    order = place(buyer.pk, item, 2)
    customer_presses(order, "cancel")  # closes the page: the gateway never calls back
    assert refreshed(order).status == Order.Status.PENDING_PAYMENT

    assert order_expire_stale(now=order.expires_at - timedelta(seconds=1)) == 0
    assert order_expire_stale(now=order.expires_at + timedelta(seconds=1)) == 1

    order = refreshed(order)
    assert (order.status, order.cancel_reason) == (Order.Status.CANCELLED, "expired")
    assert availability_get(item_ids=[item]) == {item: 3}
    assert payment_of(order).status == "voided"
    assert charge_of(order).status == "voided"
    assert order_expire_stale(now=order.expires_at + timedelta(minutes=5)) == 0  # a second sweep: nothing


def test_late_success_is_honoured_when_stock_allows(item, buyer, settings, expire_as_the_customer_pays):
    settings.LATE_PAYMENT_POLICY = "honour"
    order = place(buyer.pk, item, 2)
    expire_as_the_customer_pays(order)
    # Voiding reads the gateway's own record, finds the money, and applies it as a late success.
    assert payment_of(order).status == "succeeded"

    gateway_notifies(order, "succeeded")  # the late callback itself then changes nothing more

    order = refreshed(order)
    assert order.status == Order.Status.PLACED
    assert payment_of(order).status == "succeeded"
    assert Allocation.objects.get(order_id=str(order.pk)).status == "committed"
    assert Stock.objects.get(item_id=item).on_hand == 1
    assert "orders.late_payment_honoured.v1" in event_types(order)


def test_late_success_is_refunded_when_the_stock_is_gone(item, buyer, world_tx, settings, expire_as_the_customer_pays):
    settings.LATE_PAYMENT_POLICY = "honour"
    order = place(buyer.pk, item, 2)
    expire_as_the_customer_pays(order)
    rival = place(world_tx.seller.pk, item, 3)  # someone else buys all three meanwhile
    customer_presses(rival, "pay")

    gateway_notifies(order, "succeeded")

    order = refreshed(order)
    assert order.status == Order.Status.CANCELLED
    assert payment_of(order).status == "refunded"
    assert charge_of(order).status == "refunded"
    assert "orders.late_payment_refunded.v1" in event_types(order)
    assert availability_get(item_ids=[item]) == {item: 0}


def test_late_success_is_refunded_under_the_refund_policy(item, buyer, settings, expire_as_the_customer_pays):
    settings.LATE_PAYMENT_POLICY = "refund"
    order = place(buyer.pk, item, 1)
    expire_as_the_customer_pays(order)

    gateway_notifies(order, "succeeded")

    assert refreshed(order).status == Order.Status.CANCELLED
    assert payment_of(order).status == "refunded"
    assert availability_get(item_ids=[item]) == {item: 3}
    from events.services import relay_pending
    from notifications.models import Notification

    relay_pending()  # the refund's own event, emitted while the last pass ran
    titles = list(Notification.objects.filter(user_id=buyer.pk).values_list("title", flat=True))
    assert "We're refunding your payment" in titles  # the customer hears about it


def test_a_duplicate_notification_changes_nothing(item, buyer):
    order = place(buyer.pk, item, 1)
    first = gateway_notifies(order, "succeeded", event_id="evt_1")
    relay_pending()  # the first one's consequences settle (the order placed, its behaviour event)
    events_before = OutboxEvent.objects.count()

    second = gateway_notifies(order, "succeeded", event_id="evt_1")

    assert first is not None and second is None
    assert OutboxEvent.objects.count() == events_before
    assert refreshed(order).status == Order.Status.PLACED
    assert Stock.objects.get(item_id=item).on_hand == 2


def test_a_failure_arriving_after_success_changes_nothing(item, buyer):
    order = place(buyer.pk, item, 1)
    gateway_notifies(order, "succeeded")
    record = gateway_notifies(order, "failed")

    assert record.applied is False
    assert refreshed(order).status == Order.Status.PLACED
    assert payment_of(order).status == "succeeded"


def test_a_forged_notification_is_rejected_and_changes_nothing(client, item, buyer):
    order = place(buyer.pk, item, 1)
    body = f'{{"event_id": "evt_x", "ref": "{charge_of(order).ref}", "outcome": "succeeded"}}'

    response = client.post("/payments/webhooks/simulated/", data=body, content_type="application/json",
                           HTTP_X_SIMULATED_SIGNATURE="0" * 64)

    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert payment_of(order).status == "created"
    assert refreshed(order).status == Order.Status.PENDING_PAYMENT


def test_placing_twice_with_one_key_returns_the_same_order(item, buyer):
    first = place(buyer.pk, item, 1, key="double-click")
    second = place(buyer.pk, item, 1, key="double-click")

    assert first.pk == second.pk
    assert Order.objects.count() == 1
    assert availability_get(item_ids=[item]) == {item: 2}


def test_one_key_for_a_different_request_is_refused(item, buyer):
    place(buyer.pk, item, 1, key="k")
    with pytest.raises(IdempotencyConflict):
        place(buyer.pk, item, 2, key="k")
    assert Order.objects.count() == 1


def test_keys_are_per_customer(item, buyer, world_tx):
    mine = place(buyer.pk, item, 1, key="same")
    theirs = place(world_tx.seller.pk, item, 1, key="same")
    assert mine.pk != theirs.pk


def test_address_pin_decides_the_warehouse(world_tx, buyer):
    item = world_tx.add_item("TV", stock={"DEL1": 1, "BLR1": 1})
    order = place(buyer.pk, item, 1, pin_code="560001")
    assert order.shipments.get().warehouse_id == world_tx.warehouses["BLR1"].pk
    assert address(DELHI_PIN).pin_code == DELHI_PIN


def test_a_decline_that_is_not_final_leaves_the_order_waiting(item, buyer):
    """Stripe lets the customer try another card after a decline: the order stays pending."""
    order = place(buyer.pk, item, 1)
    dispatch(Event(event_id=uuid.uuid4(), type="payments.payment_failed.v1", key=str(order.pk),
                   payload={"order_id": str(order.pk), "reason": "card declined", "final": False},
                   occurred_at=timezone.now()))
    assert refreshed(order).status == Order.Status.PENDING_PAYMENT
    assert availability_get(item_ids=[item]) == {item: 2}


def test_a_refund_decision_is_kept_even_if_stock_comes_back(item, buyer, world_tx, settings,
                                                           expire_as_the_customer_pays):
    """Once a late payment is to be refunded, a later retry never honours it instead."""
    settings.LATE_PAYMENT_POLICY = "honour"
    order = place(buyer.pk, item, 3)
    expire_as_the_customer_pays(order)
    rival = place(world_tx.seller.pk, item, 3)
    customer_presses(rival, "pay")
    # the expiry found the money; with no stock left the order is refunded
    assert refreshed(order).cancel_reason == "late_payment_refund"
    stock_set(item_id=item, warehouse_id=world_tx.warehouses["DEL1"].pk, on_hand=10, actor_id=None,
              source="system")

    order_mark_paid(order_id=str(order.pk))  # e.g. reconciliation, or a duplicate event

    assert refreshed(order).status == Order.Status.CANCELLED
    assert payment_of(order).status == "refunded"
