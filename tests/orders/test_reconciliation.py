"""Reconciliation finds what disagrees, repairs what is safe, and reports the rest."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from inventory.interface import availability_get
from inventory.models import Reservation, Stock
from orders.models import Order, ReconciliationRun
from orders.reconciliation import reconcile
from payments.models import Payment
from tests.orders.helpers import customer_presses, place, refreshed

pytestmark = pytest.mark.django_db(transaction=True)


def checks(run: ReconciliationRun) -> dict[str, bool]:
    return {f["check"]: f["repaired"] for f in run.findings}


def test_a_reservation_left_without_its_order_is_found_and_released(world_tx):
    item = world_tx.add_item("ORPHAN", stock={"DEL1": 5})
    stock = Stock.objects.get(item_id=item)
    # A reservation whose order never existed (a crash, a bad manual fix): units held for nobody.
    Reservation.objects.create(order_id="no-such-order", item_id=item, warehouse_id=stock.warehouse_id,
                               stock=stock, quantity=2)
    Stock.objects.filter(pk=stock.pk).update(reserved=2)
    Reservation.objects.update(created_at=timezone.now() - timedelta(hours=1))
    assert availability_get(item_ids=[item]) == {item: 3}

    run = reconcile()

    assert checks(run) == {"reservation_without_order": True}
    assert run.unresolved == 0
    assert availability_get(item_ids=[item]) == {item: 5}
    assert reconcile().findings == []  # a second pass finds nothing


def test_a_missed_expiry_and_drifted_stock_are_repaired(world_tx):
    item = world_tx.add_item("DRIFT", stock={"DEL1": 5})
    order = place(world_tx.customer.pk, item, 1)
    Order.objects.filter(pk=order.pk).update(expires_at=timezone.now() - timedelta(hours=1))
    Stock.objects.filter(item_id=item).update(reserved=3)  # two units held by nothing at all

    run = reconcile()

    assert checks(run) == {"pending_order_past_expiry": True, "stock_reserved_drift": True}
    assert refreshed(order).status == Order.Status.CANCELLED
    assert Stock.objects.get(item_id=item).reserved == 0


def test_a_lost_payment_event_is_applied(world_tx):
    item = world_tx.add_item("LOST", stock={"DEL1": 5})
    order = place(world_tx.customer.pk, item, 1)
    Payment.objects.filter(order_id=str(order.pk)).update(status="succeeded")  # its event never came
    Order.objects.filter(pk=order.pk).update(expires_at=timezone.now() - timedelta(hours=1))

    run = reconcile()

    assert checks(run) == {"paid_order_still_pending": True}
    assert refreshed(order).status == Order.Status.PLACED


def test_what_cannot_be_repaired_is_reported_and_the_command_fails(world_tx):
    item = world_tx.add_item("ODD", stock={"DEL1": 5})
    order = place(world_tx.customer.pk, item, 1)
    customer_presses(order, "pay")
    Payment.objects.filter(order_id=str(order.pk)).update(status="failed")  # the books disagree

    with pytest.raises(CommandError, match="need a person"):
        call_command("reconcile")
    run = ReconciliationRun.objects.first()
    assert checks(run) == {"placed_order_without_payment": False}


def test_a_healthy_shop_reconciles_clean(world_tx):
    item = world_tx.add_item("OK", stock={"DEL1": 5})
    customer_presses(place(world_tx.customer.pk, item, 1), "pay")
    customer_presses(place(world_tx.customer.pk, item, 1), "fail")
    call_command("reconcile")  # exits 0
    assert ReconciliationRun.objects.first().findings == []


def test_money_taken_at_the_gateway_without_any_notification_is_found(world_tx, settings):
    """The customer paid; the callback was lost and the void came too late to stop it."""
    from payments.models import SimulatedCharge

    settings.LATE_PAYMENT_POLICY = "refund"
    item = world_tx.add_item("SILENT", stock={"DEL1": 5})
    order = place(world_tx.customer.pk, item, 1)
    Order.objects.filter(pk=order.pk).update(status="cancelled", cancel_reason="expired",
                                             updated_at=timezone.now() - timedelta(hours=1))
    Payment.objects.filter(order_id=str(order.pk)).update(status="voided")  # what we believe
    SimulatedCharge.objects.filter(order_id=str(order.pk)).update(status="succeeded")  # what happened

    run = reconcile()

    assert checks(run) == {"cancelled_order_with_money_taken": True}
    assert Payment.objects.get(order_id=str(order.pk)).status == "refunded"
