"""Even a superuser cannot delete, or make up by hand, the records that say what happened to an
order and to the stock: the order, its lines and timeline, payments, stock adjustments, and what
the customer was told about it (notifications)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db.models import Model
from django.urls import reverse
from django.utils import timezone

from events.models import HandledEvent, OutboxEvent
from events.services import relay_pending
from inventory.models import Allocation, Stock, StockAdjustment
from notifications.models import Notification
from orders.models import (
    ArchivedOrderRecord,
    Order,
    OrderLine,
    OrderStatusChange,
    ReconciliationRun,
    ReturnRequest,
    Shipment,
)
from orders.services import order_mark_delivered, order_mark_packed, order_mark_shipped, orders_archive
from payments.models import Payment, PaymentNotification, SimulatedCharge
from tests.orders.helpers import customer_presses, place, refreshed

pytestmark = pytest.mark.django_db(transaction=True)

PROTECTED = [Order, Shipment, ReturnRequest, Payment, SimulatedCharge, StockAdjustment, Allocation, Stock,
             ReconciliationRun, ArchivedOrderRecord, OutboxEvent, HandledEvent, Notification]


@pytest.fixture
def delivered(world_tx) -> Order:
    item = world_tx.add_item("PHONE", price_paise=1_999_900, stock={"DEL1": 3})
    order = place(world_tx.customer.pk, item)
    customer_presses(order, "pay")
    for mark in (order_mark_packed, order_mark_shipped, order_mark_delivered):
        mark(order_id=order.pk)
    relay_pending()
    order = refreshed(order)
    assert order.status == Order.Status.DELIVERED
    return order


@pytest.fixture
def staff(client, user_factory):
    client.force_login(user_factory(email="root@example.com", is_staff=True, is_superuser=True))
    client.raise_request_exception = False
    return client


def _url(model: type[Model], view: str, *args: object) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def _counts() -> dict[str, int]:
    return {model.__name__: model.objects.count()
            for model in (Order, OrderLine, Shipment, OrderStatusChange, Payment, PaymentNotification, SimulatedCharge,
                          StockAdjustment, Allocation, Stock, ReconciliationRun, ArchivedOrderRecord,
                          OutboxEvent, HandledEvent, Notification)}


def _one_of(model: type[Model], order: Order) -> Model:
    if model is Order:
        return order
    if model in (Payment, SimulatedCharge, Allocation):
        return model.objects.filter(order_id=str(order.pk)).first() or model.objects.get(order_id=order.pk)
    if model is ReturnRequest:
        from orders.services import ReturnedUnits, return_request

        line = order.lines.get()
        return return_request(order_id=order.pk, user_id=order.user_id, shipment_id=order.shipments.get().pk,
                              units=[ReturnedUnits(line.item_id, 1)], reason="Not as described")
    if model is ReconciliationRun:
        from orders.reconciliation import reconcile

        reconcile()
    if model is ArchivedOrderRecord:
        assert orders_archive(older_than=timedelta(days=30), now=timezone.now() + timedelta(days=31)) == 1
    return model.objects.first()


@pytest.mark.parametrize("model", PROTECTED, ids=lambda m: m.__name__)
def test_a_superuser_cannot_delete_through_admin(staff, delivered, model):
    row = _one_of(model, delivered)
    before = _counts()

    assert staff.get(_url(model, "delete", row.pk)).status_code == 403
    assert staff.post(_url(model, "delete", row.pk), {"post": "yes"}).status_code == 403
    # The bulk action is not offered, and asking for it anyway deletes nothing.
    changelist = staff.get(_url(model, "changelist"))
    assert changelist.status_code == 200
    if changelist.context.get("action_form") is not None:
        assert "delete_selected" not in dict(changelist.context["action_form"].fields["action"].choices)
    staff.post(_url(model, "changelist"), {"action": "delete_selected", "_selected_action": [row.pk],
                                           "post": "yes"})
    assert _counts() == before


@pytest.mark.parametrize("model", PROTECTED, ids=lambda m: m.__name__)
def test_permissions_say_no_delete_and_no_add(staff, model, rf, user_factory):
    from django.contrib import admin

    request = rf.get("/admin/")
    request.user = user_factory(email="super@example.com", is_staff=True, is_superuser=True)
    model_admin = admin.site._registry[model]
    assert model_admin.has_delete_permission(request) is False
    if model is not Stock:  # staff add a stock row for a new item/warehouse; stock_set audits it
        assert model_admin.has_add_permission(request) is False
        assert staff.get(_url(model, "add")).status_code == 403


def test_the_order_page_offers_no_adding_or_removing_of_lines_payments_or_timeline(staff, delivered):
    page = staff.get(_url(Order, "change", delivered.pk))
    assert page.status_code == 200
    inlines = page.context["inline_admin_formsets"]
    assert {i.opts.model for i in inlines} == {OrderLine, Shipment, OrderStatusChange}
    for inline in inlines:
        assert not inline.has_add_permission and not inline.has_delete_permission
        assert not inline.has_change_permission
        # No form to fill in: admin's "Add another" button needs MAX_NUM_FORMS above the rows shown.
        assert inline.formset.max_num <= inline.formset.initial_form_count()

    payment = Payment.objects.get(order_id=str(delivered.pk))
    page = staff.get(_url(Payment, "change", payment.pk))
    assert page.status_code == 200
    for inline in page.context["inline_admin_formsets"]:
        assert not inline.has_add_permission and not inline.has_delete_permission
        assert inline.formset.max_num <= inline.formset.initial_form_count()


def test_a_forged_inline_line_is_not_saved(staff, delivered):
    """Posting the order form with an extra line, as a hand-made request would."""
    before = _counts()
    prefix_lines, prefix_shipments, prefix_timeline = "lines", "shipments", "timeline"
    data = {
        f"{prefix_lines}-TOTAL_FORMS": "2", f"{prefix_lines}-INITIAL_FORMS": "1",
        f"{prefix_lines}-MIN_NUM_FORMS": "0", f"{prefix_lines}-MAX_NUM_FORMS": "1000",
        f"{prefix_lines}-0-id": str(delivered.lines.get().pk), f"{prefix_lines}-0-order": str(delivered.pk),
        f"{prefix_lines}-1-order": str(delivered.pk), f"{prefix_lines}-1-sku": "FREE",
        f"{prefix_lines}-1-quantity": "9",
        f"{prefix_shipments}-TOTAL_FORMS": "1", f"{prefix_shipments}-INITIAL_FORMS": "0",
        f"{prefix_shipments}-MIN_NUM_FORMS": "0", f"{prefix_shipments}-MAX_NUM_FORMS": "1000",
        f"{prefix_shipments}-0-order": str(delivered.pk), f"{prefix_shipments}-0-seller_id": "1",
        f"{prefix_shipments}-0-status": "pending",
        f"{prefix_timeline}-TOTAL_FORMS": "0", f"{prefix_timeline}-INITIAL_FORMS": "0",
        f"{prefix_timeline}-MIN_NUM_FORMS": "0", f"{prefix_timeline}-MAX_NUM_FORMS": "1000",
    }
    response = staff.post(_url(Order, "change", delivered.pk), data)
    assert response.status_code in {200, 302, 403}
    assert _counts() == before


def test_staff_still_move_orders_along_and_set_stock(staff, world_tx, delivered):
    changelist = staff.get(_url(Order, "changelist"))
    actions = dict(changelist.context["action_form"].fields["action"].choices)
    assert {"mark_packed", "mark_shipped", "mark_delivered"} <= actions.keys()
    assert staff.get(_url(Order, "change", delivered.pk)).status_code == 200
    shipments = staff.get(_url(Shipment, "changelist"))
    assert {"mark_packed", "mark_delivered"} <= dict(shipments.context["action_form"].fields["action"].choices).keys()
    assert staff.get(_url(Shipment, "change", delivered.shipments.get().pk)).status_code == 200
    stock = Stock.objects.first()
    assert staff.get(_url(Stock, "change", stock.pk)).status_code == 200
    assert staff.get(_url(StockAdjustment, "changelist")).status_code == 200
