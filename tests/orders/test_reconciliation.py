"""Reconciliation finds what disagrees, repairs what is safe, and reports the rest."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from inventory.interface import availability_get
from inventory.models import Allocation, Stock
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
    Allocation.objects.create(order_id="no-such-order", item_id=item, warehouse_id=stock.warehouse_id,
                               stock=stock, quantity=2)
    Stock.objects.filter(pk=stock.pk).update(reserved=2)
    Allocation.objects.update(created_at=timezone.now() - timedelta(hours=1))
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


# --- Placed orders against the gateway's own record (issue 10, finding 7) ---------------------

def paid_an_hour_ago(world_tx, sku: str) -> Order:
    item = world_tx.add_item(sku, stock={"DEL1": 5})
    order = place(world_tx.customer.pk, item, 1)
    customer_presses(order, "pay")
    Order.objects.filter(pk=order.pk).update(placed_at=timezone.now() - timedelta(hours=1),
                                             updated_at=timezone.now() - timedelta(hours=1))
    return refreshed(order)


def gateway_record(order: Order, status: str) -> None:
    from payments.models import SimulatedCharge

    SimulatedCharge.objects.filter(order_id=str(order.pk)).update(status=status)


def test_a_placed_order_whose_money_the_gateway_never_took_is_reported(world_tx):
    order = paid_an_hour_ago(world_tx, "UNPAID")
    gateway_record(order, "failed")  # ours says succeeded (a misapplied notification); the gateway does not

    run = reconcile()

    assert checks(run) == {"placed_order_not_paid_at_gateway": False}
    assert run.findings[0]["subject"] == str(order.pk)
    assert refreshed(order).status == Order.Status.PLACED  # a person decides, not the machine


def test_a_placed_order_refunded_in_the_gateways_dashboard_is_reported(world_tx):
    order = paid_an_hour_ago(world_tx, "DASH")
    gateway_record(order, "refunded")

    assert checks(reconcile()) == {"placed_order_refunded_at_gateway": False}


def test_paid_orders_that_the_gateway_agrees_with_reconcile_clean(world_tx):
    paid_an_hour_ago(world_tx, "AGREED")
    assert reconcile().findings == []


def test_a_refund_we_recorded_but_the_gateway_never_made_is_reported(world_tx):
    item = world_tx.add_item("NOREFUND", stock={"DEL1": 5})
    order = place(world_tx.customer.pk, item, 1)
    Order.objects.filter(pk=order.pk).update(status="cancelled", cancel_reason="late_payment_refund",
                                             updated_at=timezone.now() - timedelta(hours=1))
    Allocation.objects.filter(order_id=str(order.pk)).update(status="released")
    Stock.objects.filter(item_id=item).update(reserved=0)
    Payment.objects.filter(order_id=str(order.pk)).update(status="refunded")  # what we believe
    gateway_record(order, "succeeded")  # the money is still with the gateway

    assert checks(reconcile()) == {"refund_not_taken_at_gateway": False}


def test_a_stale_order_paid_only_at_the_gateway_is_placed(world_tx):
    item = world_tx.add_item("SILENTPAY", stock={"DEL1": 5})
    order = place(world_tx.customer.pk, item, 1)
    gateway_record(order, "succeeded")  # its callback was lost; ours still says created
    Order.objects.filter(pk=order.pk).update(expires_at=timezone.now() - timedelta(hours=1))

    run = reconcile()

    assert checks(run) == {"paid_order_still_pending": True}
    assert refreshed(order).status == Order.Status.PLACED
    assert Payment.objects.get(order_id=str(order.pk)).status == "succeeded"


def test_an_unreachable_gateway_is_reported_and_nothing_is_cancelled_on_a_guess(world_tx, monkeypatch):
    from payments.backends.base import GatewayError
    from payments.backends.simulated import SimulatedGateway

    item = world_tx.add_item("DOWN", stock={"DEL1": 5})
    orders = [place(world_tx.customer.pk, item, 1) for _ in range(2)]
    Order.objects.filter(pk__in=[o.pk for o in orders]).update(expires_at=timezone.now() - timedelta(hours=1))
    asked = []

    def status(self, *, gateway_ref: str) -> str:
        asked.append(gateway_ref)
        raise GatewayError("timeout")

    monkeypatch.setattr(SimulatedGateway, "status", status)

    run = reconcile()

    assert checks(run) == {"gateway_unreachable": False}
    assert len(asked) == 1  # one timeout per run, not one per order
    assert {refreshed(o).status for o in orders} == {Order.Status.PENDING_PAYMENT}
