"""What every order use case shares: the errors, the timeline, the event snapshot, after-commit calls."""

from __future__ import annotations

from django.utils import timezone

from events.interface import emit
from orders import contracts as c
from orders.contracts import OrderPayload
from orders.models import Order, OrderLine, OrderStatusChange, Shipment
from orders.selectors import orders_version_forget

Status = Order.Status


class OrderError(Exception):
    pass


class OrderNotFound(OrderError):
    """No live order (or shipment) with that id, or none the caller may see."""


def transition(order: Order, to: str, *, reason: str = "", shipment: Shipment | None = None) -> None:
    """Record a step in the order's timeline; without `shipment` the order's own status moves."""
    if shipment is None:
        OrderStatusChange.objects.create(order=order, from_status=order.status, to_status=to, reason=reason)
        order.status = to
    else:
        OrderStatusChange.objects.create(order=order, shipment=shipment, from_status=shipment.status, to_status=to,
                                         reason=reason)
        shipment.status = to
    orders_version_forget(order.user_id)


def snapshot(order: Order, lines: list[OrderLine] | None = None) -> OrderPayload:
    """The order as its events carry it."""
    return {"order_id": str(order.pk), "number": order.number, "user_id": order.user_id, "status": order.status,
            "pin_code": order.pin_code, "total_paise": order.total_paise, "currency": order.currency,
            "payment_method": order.payment_method,
            "lines": [{"item_id": line.item_id, "seller_id": line.seller_id, "sku": line.sku,
                       "quantity": line.quantity, "unit_price_paise": line.unit_price_paise}
                      for line in (order.lines.all() if lines is None else lines)]}




def mark_placed(order: Order, *, reason: str) -> None:
    """Pending → placed (paid, or accepted for cash on delivery), inside the caller's lock."""
    transition(order, Status.PLACED, reason=reason)
    order.placed_at = timezone.now()
    order.cancel_reason = ""
    order.save(update_fields=["status", "placed_at", "cancel_reason", "updated_at"])
    emit(c.ORDER_PLACED, key=order.pk, payload=snapshot(order))


def shipment_value(shipment: Shipment) -> int:
    """What the shipment's units cost the customer (the order's shipping fee aside)."""
    return sum(part.line.unit_price_paise * part.quantity for part in shipment.lines.select_related("line"))


def nothing_arrives(order: Order) -> bool:
    """No parcel of the order is on its way or was delivered (each cancelled, or back undelivered):
    the shipping fee bought nothing, and goes back to a prepaying customer."""
    going = (Shipment.Status.PENDING, Shipment.Status.PACKED, Shipment.Status.IN_TRANSIT, Shipment.Status.DELIVERED)
    return all(s.status not in going and s.delivered_at is None for s in order.shipments.all())
