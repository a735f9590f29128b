"""Customers cancel before shipping and return after delivery; sellers approve and receive."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone
from rest_framework.test import APIClient

from inventory.models import Allocation, Stock, StockAdjustment
from orders.models import Order, ReturnRequest
from orders.services import (
    ReturnedUnits,
    ReturnNotAllowed,
    TransitionNotAllowed,
    order_cancel,
    order_mark_delivered,
    order_mark_packed,
    order_mark_shipped,
    return_approve,
    return_receive,
    return_request,
)
from payments.models import Payment, Refund
from tests.orders.helpers import customer_presses, refreshed
from tests.shop_world import DELHI_PIN


def _api(user) -> APIClient:
    api = APIClient()
    api.force_authenticate(user)
    return api


def _place(world, lines: dict[int, int]) -> Order:
    answer = _api(world.customer).post("/api/v1/orders", {
        "pin_code": DELHI_PIN, "name": "Asha Buyer", "line1": "1 Janpath", "city": "New Delhi",
        "lines": [{"product_id": i, "quantity": q} for i, q in lines.items()]},
        format="json", headers={"Idempotency-Key": uuid.uuid4().hex})
    assert answer.status_code == 201, answer.content
    return Order.objects.get(pk=answer.json()["id"])


@pytest.fixture
def paid_in_two(world_tx):
    """A paid order in two packages: a lamp from DEL1 and a rug from BLR1 (the real gateway flow)."""
    lamp = world_tx.add_item("LAMP", price_paise=100_000, stock={"DEL1": 5})
    rug = world_tx.add_item("RUG", price_paise=250_000, stock={"BLR1": 5})
    order = _place(world_tx, {lamp: 1, rug: 2})
    customer_presses(order, "pay")
    assert refreshed(order).status == "placed"
    return order, lamp, rug


def _on_hand(item: int) -> int:
    return sum(Stock.objects.filter(item_id=item).values_list("on_hand", flat=True))


def test_cancelling_one_package_restocks_it_and_refunds_its_price(world_tx, paid_in_two):
    order, lamp, rug = paid_in_two
    rug_shipment = order.shipments.get(lines__line__item_id=rug)
    assert (_on_hand(lamp), _on_hand(rug)) == (4, 3)

    answer = _api(world_tx.customer).post(f"/api/v1/orders/{order.pk}/cancel", {"shipment_id": rug_shipment.pk},
                                          format="json")

    assert answer.status_code == 200, answer.content
    assert answer.json()["status"] == "placed"  # the lamp still goes
    assert (_on_hand(lamp), _on_hand(rug)) == (4, 5)
    assert set(Allocation.objects.filter(order_id=str(order.pk), item_id=rug).values_list("status", flat=True)) == {
        "restocked"}
    payment = Payment.objects.get(order_id=str(order.pk))
    assert (payment.status, payment.refunded_paise) == ("succeeded", 500_000)
    # Again: nothing more.
    assert _api(world_tx.customer).post(f"/api/v1/orders/{order.pk}/cancel", {"shipment_id": rug_shipment.pk},
                                        format="json").status_code == 200
    assert Refund.objects.filter(payment=payment).count() == 1 and _on_hand(rug) == 5


def test_cancelling_the_whole_order_refunds_everything_with_shipping(world_tx, paid_in_two):
    order, lamp, rug = paid_in_two
    order_cancel(order_id=order.pk, user_id=world_tx.customer.pk)
    order = refreshed(order)
    assert (order.status, order.cancel_reason) == ("cancelled", "cancelled_by_customer")
    payment = Payment.objects.get(order_id=str(order.pk))
    assert (payment.status, payment.refunded_paise) == ("refunded", order.total_paise)
    assert (_on_hand(lamp), _on_hand(rug)) == (5, 5)
    assert StockAdjustment.objects.filter(reason__contains="cancelled").count() == 2


def test_a_package_with_the_courier_cannot_be_cancelled(world_tx, paid_in_two):
    order, _lamp, rug = paid_in_two
    order_mark_packed(order_id=order.pk)
    order_mark_shipped(order_id=order.pk)
    answer = _api(world_tx.customer).post(f"/api/v1/orders/{order.pk}/cancel", {}, format="json")
    assert answer.status_code == 409
    assert "left the warehouse" in answer.json()["detail"]
    assert refreshed(order).status == "in_transit" and _on_hand(rug) == 3


def test_someone_elses_order_cannot_be_cancelled(world_tx, paid_in_two, user_factory):
    order, *_ = paid_in_two
    stranger = user_factory(email="stranger@example.com")
    assert _api(stranger).post(f"/api/v1/orders/{order.pk}/cancel", {}, format="json").status_code == 404
    assert refreshed(order).status == "placed"


def test_an_unpaid_order_cancelled_releases_its_hold_and_voids_the_payment(world_tx):
    item = world_tx.add_item("X", stock={"DEL1": 3})
    order = _place(world_tx, {item: 2})
    assert Stock.objects.get(item_id=item).reserved == 2
    order_cancel(order_id=order.pk, user_id=world_tx.customer.pk)
    assert refreshed(order).status == "cancelled"
    assert Stock.objects.get(item_id=item).reserved == 0
    assert Payment.objects.get(order_id=str(order.pk)).status == "voided"


def _delivered(order: Order) -> None:
    order_mark_packed(order_id=order.pk)
    order_mark_shipped(order_id=order.pk)
    order_mark_delivered(order_id=order.pk)


def test_a_return_is_requested_approved_received_restocked_and_refunded(world_tx, paid_in_two):
    order, _lamp, rug = paid_in_two
    _delivered(order)
    rug_shipment = order.shipments.get(lines__line__item_id=rug)
    seller = _api(world_tx.seller)

    asked = _api(world_tx.customer).post(f"/api/v1/orders/{order.pk}/returns", {
        "shipment_id": rug_shipment.pk, "items": [{"product_id": rug, "quantity": 1}],
        "reason": "The colour is not as shown"}, format="json")
    assert asked.status_code == 201, asked.content
    return_id = asked.json()["id"]
    listed = seller.get("/api/v1/seller/returns").json()["results"]
    assert [(r["id"], r["status"], r["reason"]) for r in listed] == [(return_id, "requested",
                                                                      "The colour is not as shown")]
    assert seller.post(f"/api/v1/seller/returns/{return_id}/receive", {"items": []},
                       format="json").status_code == 409  # not approved yet
    assert seller.post(f"/api/v1/seller/returns/{return_id}/approve", {}, format="json").json()["status"] == \
        "approved"
    delhi = world_tx.warehouses["DEL1"].pk
    received = seller.post(f"/api/v1/seller/returns/{return_id}/receive",
                           {"items": [{"product_id": rug, "warehouse_id": delhi}]}, format="json")
    assert received.status_code == 200, received.content
    assert (received.json()["status"], received.json()["refund_paise"]) == ("received", 250_000)

    assert Stock.objects.get(item_id=rug, warehouse_id=delhi).on_hand == 1  # back, where the seller chose
    payment = Payment.objects.get(order_id=str(order.pk))
    assert payment.refunded_paise == 250_000
    order = refreshed(order)
    assert order.status == "delivered"  # one of two rugs came back: the shipment stays delivered
    assert order.timeline.filter(reason__contains=f"return {return_id} received").exists()


def test_returning_every_unit_returns_the_shipment_and_written_off_units_are_not_restocked(world_tx, paid_in_two):
    order, lamp, _rug = paid_in_two
    _delivered(order)
    lamp_shipment = order.shipments.get(lines__line__item_id=lamp)
    request = return_request(order_id=order.pk, user_id=world_tx.customer.pk, shipment_id=lamp_shipment.pk,
                             units=[ReturnedUnits(lamp, 1)], reason="Arrived broken")
    return_approve(return_id=request.pk)
    return_receive(return_id=request.pk, restock_to={lamp: None})
    return_receive(return_id=request.pk, restock_to={lamp: None})  # again: nothing more
    assert _on_hand(lamp) == 4  # written off: not back on a shelf
    lamp_shipment.refresh_from_db()
    assert lamp_shipment.status == "returned"
    assert refreshed(order).status == "delivered"  # the rugs are kept
    assert Payment.objects.get(order_id=str(order.pk)).refunded_paise == 100_000


def test_a_return_past_its_window_or_of_more_than_delivered_is_refused(world_tx, paid_in_two):
    order, _lamp, rug = paid_in_two
    rug_shipment = order.shipments.get(lines__line__item_id=rug)
    with pytest.raises(ReturnNotAllowed, match="once it is delivered"):
        return_request(order_id=order.pk, user_id=world_tx.customer.pk, shipment_id=rug_shipment.pk,
                       units=[ReturnedUnits(rug, 1)], reason="x")
    _delivered(order)
    with pytest.raises(ReturnNotAllowed, match="2 of 2"):
        return_request(order_id=order.pk, user_id=world_tx.customer.pk, shipment_id=rug_shipment.pk,
                       units=[ReturnedUnits(rug, 3)], reason="x")
    later = timezone.now() + timedelta(days=11)  # the default window is 10 days
    with pytest.raises(ReturnNotAllowed, match="return window closed"):
        return_request(order_id=order.pk, user_id=world_tx.customer.pk, shipment_id=rug_shipment.pk,
                       units=[ReturnedUnits(rug, 1)], reason="x", now=later)
    assert not ReturnRequest.objects.exists()


def test_only_the_shipments_seller_decides_its_returns(world_tx, paid_in_two, user_factory):
    order, lamp, _rug = paid_in_two
    _delivered(order)
    lamp_shipment = order.shipments.get(lines__line__item_id=lamp)
    request = return_request(order_id=order.pk, user_id=world_tx.customer.pk, shipment_id=lamp_shipment.pk,
                             units=[ReturnedUnits(lamp, 1)], reason="Too dim")
    other = user_factory(email="other@example.com", is_seller=True)
    assert _api(other).post(f"/api/v1/seller/returns/{request.pk}/approve", {}, format="json").status_code == 404
    rejected = _api(world_tx.seller).post(f"/api/v1/seller/returns/{request.pk}/reject", {"note": ""},
                                          format="json")
    assert rejected.status_code == 400  # a refusal says why
    with pytest.raises(TransitionNotAllowed):  # requested, not approved
        return_receive(return_id=request.pk, restock_to={lamp: None})


def test_the_customer_and_the_seller_hear_of_a_cancelled_package_and_a_return(world_tx, paid_in_two):
    from events.services import relay_pending
    from notifications.models import Notification

    order, lamp, rug = paid_in_two
    order_cancel(order_id=order.pk, user_id=world_tx.customer.pk,
                 shipment_id=order.shipments.get(lines__line__item_id=rug).pk)
    _delivered(order)
    return_request(order_id=order.pk, user_id=world_tx.customer.pk,
                   shipment_id=order.shipments.get(lines__line__item_id=lamp).pk,
                   units=[ReturnedUnits(lamp, 1)], reason="Too dim")
    relay_pending()

    customer = list(Notification.objects.filter(user_id=world_tx.customer.pk).values_list("title", flat=True))
    seller = list(Notification.objects.filter(user_id=world_tx.seller.pk).values_list("title", flat=True))
    assert {"A package was cancelled", "Return requested"} <= set(customer)
    assert {"Do not ship: a package was cancelled", "A customer wants to return items"} <= set(seller)
    assert any("Too dim" in body for body in Notification.objects.filter(user_id=world_tx.seller.pk)
               .values_list("body", flat=True))


def test_reconciliation_finds_nothing_after_a_package_is_cancelled_and_a_return_received(world_tx, paid_in_two):
    from orders.reconciliation import reconcile

    order, lamp, rug = paid_in_two
    order_cancel(order_id=order.pk, user_id=world_tx.customer.pk,
                 shipment_id=order.shipments.get(lines__line__item_id=rug).pk)
    later = timezone.now() + timedelta(hours=1)
    assert reconcile(now=later).findings == []
    _delivered(order)
    request = return_request(order_id=order.pk, user_id=world_tx.customer.pk,
                             shipment_id=order.shipments.get(lines__line__item_id=lamp).pk,
                             units=[ReturnedUnits(lamp, 1)], reason="Too dim")
    return_approve(return_id=request.pk)
    return_receive(return_id=request.pk, restock_to={lamp: world_tx.warehouses["DEL1"].pk})
    assert reconcile(now=later).findings == []


def test_a_lost_refund_of_a_cancelled_paid_order_is_found_and_sent_by_reconciliation(world_tx, paid_in_two):
    """The refund task never ran (a broker outage): the payment still says succeeded; the next
    reconciliation sends the refund, once."""
    from orders.reconciliation import reconcile

    order, *_ = paid_in_two
    with transaction.atomic():  # cancelled without its refunds being queued, as after a lost task
        order_cancel(order_id=order.pk, user_id=world_tx.customer.pk)
        transaction.get_connection().run_on_commit = []
    payment = Payment.objects.get(order_id=str(order.pk))
    assert (payment.status, payment.refunded_paise) == ("succeeded", 0)

    run = reconcile(now=timezone.now() + timedelta(hours=1))

    assert [f["check"] for f in run.findings] == ["cancelled_order_with_money_taken"]
    payment.refresh_from_db()
    assert (payment.status, payment.refunded_paise) == ("refunded", order.total_paise)
    assert reconcile(now=timezone.now() + timedelta(hours=1)).findings == []


def test_paying_in_another_tab_after_cancelling_refunds_and_never_revives_the_order(world_tx):
    """Cancelled by the customer while its payment page was still open elsewhere, and paid there
    before the void reached the gateway: the order stays cancelled, the money goes back."""
    item = world_tx.add_item("X", stock={"DEL1": 3})
    order = _place(world_tx, {item: 2})
    with transaction.atomic():  # the void is queued on commit; here it has not run yet
        order_cancel(order_id=order.pk, user_id=world_tx.customer.pk)
        transaction.get_connection().run_on_commit = []

    customer_presses(order, "pay")

    order = refreshed(order)
    assert (order.status, order.cancel_reason, order.placed_at) == ("cancelled", "cancelled_by_customer", None)
    payment = Payment.objects.get(order_id=str(order.pk))
    assert (payment.status, payment.refunded_paise) == ("refunded", order.total_paise)
    assert Stock.objects.get(item_id=item).reserved == 0 and _on_hand(item) == 3


def test_a_parcel_back_undelivered_and_the_other_cancelled_refund_the_shipping_too(world_tx):
    from orders.services import shipment_advance
    from orders.services.failed_delivery import shipment_delivery_fail

    lamp = world_tx.add_item("LAMP2", price_paise=10_000, stock={"DEL1": 5})
    rug = world_tx.add_item("RUG2", price_paise=20_000, stock={"BLR1": 5})
    order = _place(world_tx, {lamp: 1, rug: 1})
    assert order.shipping_paise > 0
    customer_presses(order, "pay")
    lamp_parcel = order.shipments.get(lines__line__item_id=lamp)
    for step in ("packed", "in_transit"):
        shipment_advance(shipment_id=lamp_parcel.pk, to=step, courier="Road Cargo", tracking_number="RC1")
    shipment_delivery_fail(shipment_id=lamp_parcel.pk, reason="refused")

    order_cancel(order_id=order.pk, user_id=world_tx.customer.pk,
                 shipment_id=order.shipments.get(lines__line__item_id=rug).pk)

    payment = Payment.objects.get(order_id=str(order.pk))
    assert (payment.status, payment.refunded_paise) == ("refunded", order.total_paise)  # nothing arrived


def test_cash_due_puts_the_fee_on_the_next_parcel_when_the_first_came_back_undelivered(world_tx):
    from orders.services import OrderLineRequest, order_place, shipment_advance
    from orders.services.failed_delivery import shipment_delivery_fail
    from tests.orders.helpers import address

    lamp = world_tx.add_item("LAMP3", price_paise=10_000, stock={"DEL1": 5})
    rug = world_tx.add_item("RUG3", price_paise=20_000, stock={"BLR1": 5})
    order = order_place(user_id=world_tx.customer.pk, idempotency_key=uuid.uuid4().hex,
                        lines=[OrderLineRequest(lamp, 1), OrderLineRequest(rug, 1)], address=address(),
                        payment_method="cod")
    lamp_parcel = order.shipments.get(lines__line__item_id=lamp)
    rug_parcel = order.shipments.get(lines__line__item_id=rug)
    for step in ("packed", "in_transit"):
        shipment_advance(shipment_id=lamp_parcel.pk, to=step, courier="Road Cargo", tracking_number="RC1")
    shipment_delivery_fail(shipment_id=lamp_parcel.pk, reason="refused")
    for step in ("packed", "in_transit"):
        shipment_advance(shipment_id=rug_parcel.pk, to=step, courier="Road Cargo", tracking_number="RC2")

    rug_parcel.refresh_from_db()
    assert rug_parcel.cash_due_paise == 20_000 + order.shipping_paise


def test_a_lost_refund_of_one_cancelled_package_is_sent_by_reconciliation_once(world_tx, paid_in_two):
    """The package's refund task never ran (a broker outage); the order still ships its other
    package. Reconciliation finds the key missing, refunds that package's price under it, and
    then finds nothing."""
    from orders.reconciliation import reconcile

    order, _lamp, rug = paid_in_two
    with transaction.atomic():  # cancelled without its refund being queued, as after a lost task
        order_cancel(order_id=order.pk, user_id=world_tx.customer.pk,
                     shipment_id=order.shipments.get(lines__line__item_id=rug).pk)
        transaction.get_connection().run_on_commit = []
    assert Payment.objects.get(order_id=str(order.pk)).refunded_paise == 0

    later = timezone.now() + timedelta(hours=1)
    run = reconcile(now=later)

    assert [f["check"] for f in run.findings] == ["refund_owed_not_made"]
    payment = Payment.objects.get(order_id=str(order.pk))
    assert (payment.status, payment.refunded_paise) == ("succeeded", 500_000)  # the two rugs, not the lamp
    assert reconcile(now=later).findings == []
