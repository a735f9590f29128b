"""A customer calls off the whole order, or one of its shipments, before it leaves the warehouse.

Unpaid: the order is cancelled whole, its held units released and its payment voided. Paid: each
shipment still pending or packed is cancelled, its units go back on their shelves, and the money
for them is refunded (the shipping fee too once nothing is left to ship). Cash on delivery: the
same, but nothing was paid, so nothing is refunded; the COD payment is settled (voided when the
whole order is called off). Idempotent: what is cancelled already is left alone, and each refund
has its own key.
"""

from __future__ import annotations

import uuid

from django.db import transaction

from events.interface import emit
from inventory.interface import allocations_restock
from orders import contracts as c
from orders.models import Order, Shipment
from orders.services.cash_on_delivery import cod_settle_if_done
from orders.services.common import OrderNotFound, Status, nothing_arrives, shipment_value, transition
from orders.services.fulfilment import (
    MOVING,
    TransitionNotAllowed,
    order_locked,
    order_status_follow,
    shipment_event_payload,
)
from orders.services.payment import cancel_unpaid
from shop.queue import enqueue

Step = Shipment.Status
CANCELLED_BY_CUSTOMER = "cancelled_by_customer"
CANCELLABLE = (Step.PENDING, Step.PACKED)  # not yet with the courier


def order_cancel(*, order_id: uuid.UUID | str, user_id: int | None, shipment_id: int | None = None,
                 reason: str = "") -> Order:
    """Cancel the order (or, with `shipment_id`, one shipment of it) for its customer `user_id`
    (staff: None). Raises OrderNotFound for someone else's order or shipment, TransitionNotAllowed
    when what is asked has left the warehouse or is finished."""
    detail = f"cancelled by the customer{': ' + reason if reason else ''}"[:200]
    with transaction.atomic():
        order = order_locked(order_id)
        if user_id is not None and order.user_id != user_id:
            raise OrderNotFound(f"No order {order_id}.")
        shipments = list(order.shipments.order_by("pk"))
        targets = [s for s in shipments if shipment_id is None or s.pk == shipment_id]
        if not targets:
            raise OrderNotFound(f"No shipment {shipment_id} in order {order_id}.")
        name = f"Order {order.reference}" if shipment_id is None else \
            f"Shipment {shipment_id} of order {order.reference}"
        if order.status == Status.PENDING_PAYMENT:
            if shipment_id is not None and len(shipments) > 1:
                raise TransitionNotAllowed(f"{name} can't be cancelled alone: the order is waiting for payment, "
                                           "so cancel the whole order.", order.status, Status.CANCELLED)
            cancel_unpaid(order, reason=CANCELLED_BY_CUSTOMER, detail=detail)
            enqueue("orders.void_payment", str(order.pk))
            return order
        if all(s.status == Step.CANCELLED for s in targets):
            return order  # a retry, a double click: done already
        if order.status not in MOVING:
            raise TransitionNotAllowed(f"{name} can't be cancelled: it is {order.get_status_display()}.",
                                       order.status, Status.CANCELLED)
        gone = [s for s in targets if s.status not in (*CANCELLABLE, Step.CANCELLED)]
        if gone:
            raise TransitionNotAllowed(f"{name} can't be cancelled: it has left the warehouse. Once it is "
                                       "delivered you can return it.", gone[0].status, Status.CANCELLED)
        for shipment in targets:
            if shipment.status in CANCELLABLE:
                _cancel_shipment(order, shipment, detail=detail)
        order_status_follow(order, reason=detail, cancel_reason=CANCELLED_BY_CUSTOMER)
        if order.payment_method == Order.PaymentMethod.COD:
            cod_settle_if_done(order)
        elif nothing_arrives(order):  # the shipping fee bought nothing: it goes back too
            enqueue("orders.refund_payment", str(order.pk), "order cancelled by the customer", None,
                    f"cancel-order-{order.pk}")
    return order


def _cancel_shipment(order: Order, shipment: Shipment, *, detail: str) -> None:
    item_ids = [part.line.item_id for part in shipment.lines.select_related("line")]
    if shipment.warehouse_id is not None:  # None only for a pre-shipments order without allocations
        allocations_restock(order_id=str(order.pk), warehouse_id=shipment.warehouse_id, item_ids=item_ids,
                            reason=f"shipment {shipment.pk} of order {order.reference} cancelled")
    transition(order, Step.CANCELLED, reason=detail, shipment=shipment)
    shipment.save(update_fields=["status", "updated_at"])
    prepaid = order.payment_method != Order.PaymentMethod.COD
    value = shipment_value(shipment) if prepaid else 0  # cash on delivery: nothing was paid
    payload = shipment_event_payload(order, shipment)
    payload["reason"], payload["refund_paise"], payload["payment_method"] = detail, value, order.payment_method
    emit(c.SHIPMENT_CANCELLED, key=order.pk, payload=payload)
    if prepaid:
        enqueue("orders.refund_payment", str(order.pk), f"shipment {shipment.pk} cancelled", value,
                f"cancel-shipment-{shipment.pk}")
