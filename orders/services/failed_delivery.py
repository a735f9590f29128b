"""A parcel the courier could not deliver (refused at the door, nobody there, no such address) and
brought back to its warehouse: it is `returned` without ever being delivered, its units go back on
the shelf they left, and the order's status follows.

Cash on delivery: nothing was paid, so nothing is refunded; its cash is simply no longer due, and
once no parcel's cash is still to come the order's COD payment is settled. Prepaid: the parcel's
price is refunded, and once nothing of the order was delivered or is still on its way, the rest of
the payment (the shipping fee) too. Idempotent: a parcel already back is left alone, each refund
has its own key.
"""

from __future__ import annotations

from django.db import transaction

from events.interface import emit
from inventory.interface import allocations_restock
from orders import contracts as c
from orders.models import Order, Shipment
from orders.services.cash_on_delivery import cod_settle_if_done
from orders.services.common import nothing_arrives, shipment_value, transition
from orders.services.fulfilment import (
    MOVING,
    NotSellersOrder,
    TransitionNotAllowed,
    order_locked,
    order_status_follow,
    shipment_event_payload,
)
from shop.queue import enqueue

Step = Shipment.Status
# Why a parcel came back, as the seller reports it (from the courier's return-to-origin reason).
DELIVERY_FAILURES = {
    "refused": "refused at the door",
    "unreachable": "the customer could not be reached",
    "address": "the address could not be found",
    "other": "could not be delivered",
}


def shipment_delivery_fail(*, shipment_id: int, reason: str, note: str = "", seller_id: int | None = None) -> Shipment:
    """An in-transit parcel came back undelivered (call it once it is back at its warehouse). With
    `seller_id`, only that seller's parcel exists (else NotSellersOrder). Raises TransitionNotAllowed
    for a parcel not with the courier."""
    if reason not in DELIVERY_FAILURES:
        raise ValueError(f"No delivery failure {reason!r}: use one of {', '.join(DELIVERY_FAILURES)}.")
    head = Shipment.objects.filter(pk=shipment_id).values("order_id", "seller_id", "order__placed_at").first()
    if head is None or (seller_id is not None and (head["seller_id"] != seller_id or head["order__placed_at"] is None)):
        raise NotSellersOrder(f"No shipment {shipment_id}.")
    text = f"not delivered: {DELIVERY_FAILURES[reason]}{' (' + note.strip() + ')' if note.strip() else ''}"[:200]
    with transaction.atomic():
        order = order_locked(head["order_id"])
        shipment = order.shipments.get(pk=shipment_id)
        if shipment.status == Step.RETURNED and shipment.delivered_at is None:
            return shipment  # came back undelivered already: a retry
        name = f"Shipment {shipment.pk} of order {order.reference}"
        if order.status not in MOVING or shipment.status != Step.IN_TRANSIT:
            raise TransitionNotAllowed(f"{name} can't be marked undelivered: it is {shipment.get_status_display()}; "
                                       "only a parcel with the courier can come back.", shipment.status, Step.RETURNED)
        item_ids = [part.line.item_id for part in shipment.lines.select_related("line")]
        if shipment.warehouse_id is not None:  # None only for a pre-shipments order without allocations
            allocations_restock(order_id=str(order.pk), warehouse_id=shipment.warehouse_id, item_ids=item_ids,
                                reason=f"shipment {shipment.pk} of order {order.reference} {text}")
        transition(order, Step.RETURNED, reason=text, shipment=shipment)
        shipment.save(update_fields=["status", "updated_at"])
        prepaid = order.payment_method != Order.PaymentMethod.COD
        refund = shipment_value(shipment) if prepaid else 0
        emit(c.SHIPMENT_DELIVERY_FAILED, key=order.pk,
             payload={**shipment_event_payload(order, shipment), "reason": reason, "note": note[:200],
                      "payment_method": order.payment_method, "refund_paise": refund})
        if prepaid:
            enqueue("orders.refund_payment", str(order.pk), f"shipment {shipment.pk} {text}", refund,
                    f"delivery-failed-{shipment.pk}")
        order_status_follow(order, reason=f"shipment {shipment.pk} {text}")
        if prepaid and nothing_arrives(order):  # the shipping fee bought nothing: it goes back too
            enqueue("orders.refund_payment", str(order.pk), "nothing of the order could be delivered", None,
                    f"delivery-failed-order-{order.pk}")
        cod_settle_if_done(order)
    return shipment
