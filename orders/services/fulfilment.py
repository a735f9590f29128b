"""Shipping: each shipment moves pending → packed → in_transit → delivered on its own; the order's
status follows from its shipments.

A seller moves only their own shipments (of an order with other sellers' items too); staff move
any. Every step locks the order row, so the shipments of one order move one at a time and the
order's derived status is always read from committed shipments. Repeating a step is a no-op.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone

from events.interface import emit
from orders import contracts as c
from orders.models import Order, Shipment
from orders.services.common import OrderError, OrderNotFound, Status, shipment_value, snapshot, transition

Step = Shipment.Status

# to: the step it follows, and the shipment's event
_STEPS: dict[str, tuple[str, str]] = {
    Step.PACKED: (Step.PENDING, c.SHIPMENT_PACKED),
    Step.IN_TRANSIT: (Step.PACKED, c.SHIPMENT_SHIPPED),
    Step.DELIVERED: (Step.IN_TRANSIT, c.SHIPMENT_DELIVERED),
}
_PATH: list[str] = [Step.PENDING, Step.PACKED, Step.IN_TRANSIT, Step.DELIVERED]
_ORDER_STATUS: dict[str, str] = {Step.PENDING: Status.PLACED, Step.PACKED: Status.PACKED,
                                  Step.IN_TRANSIT: Status.IN_TRANSIT, Step.DELIVERED: Status.DELIVERED}
_ORDER_EVENTS: dict[str, str] = {Status.PACKED: c.ORDER_PACKED, Status.IN_TRANSIT: c.ORDER_SHIPPED,
                                  Status.DELIVERED: c.ORDER_DELIVERED, Status.CANCELLED: c.ORDER_CANCELLED,
                                  Status.RETURNED: c.ORDER_RETURNED}
MOVING = (Status.PLACED, Status.PACKED, Status.IN_TRANSIT)  # paid and not finished


class TransitionNotAllowed(OrderError):
    """The order or shipment is not in the state this step follows (a skipped step, a step back,
    cancelled, not paid yet)."""

    def __init__(self, text: str, current: str, wanted: str):
        self.current, self.wanted = current, wanted  # the status codes, for the API's problem
        super().__init__(text)


class NotSellersOrder(OrderNotFound):
    """A seller sees only orders and shipments with their items; to them, others' don't exist."""


def order_status_from_shipments(statuses: Iterable[str]) -> str:
    """A paid order's status: its least advanced shipment still going (cancelled and returned
    ones aside); with none going, cancelled, or returned if any was."""
    statuses = list(statuses)
    going = [s for s in statuses if s in _ORDER_STATUS]
    if not going:
        return Status.RETURNED if Step.RETURNED in statuses else Status.CANCELLED
    return _ORDER_STATUS[min(going, key=_PATH.index)]


def _words(status: str, statuses: type[models.TextChoices] = Status) -> str:
    return str(statuses(status).label) if status in statuses.values else status.replace("_", " ")


_ORDER_PATH: list[str] = [Status.PLACED, Status.PACKED, Status.IN_TRANSIT, Status.DELIVERED]


def _refusal(name: str, current: str, wanted: str, statuses: type[models.TextChoices]) -> str:
    """In words staff and sellers use: "Order #3F2A9C01 can't be marked in transit: it is placed,
    and has to be packed first." (of a shipment: "it is waiting to be packed, …")."""
    path = _PATH if statuses is Step else _ORDER_PATH
    text = f"{name} can't be marked {_words(wanted, Step)}: it is {_words(current, statuses)}"
    source = _PATH[_PATH.index(wanted) - 1]
    if current in path and path.index(current) < _PATH.index(source):
        return f"{text}, and has to be {_words(source, Step)} first."
    return f"{text}."


def shipment_event_payload(order: Order, shipment: Shipment) -> c.ShipmentPayload:
    """What a shipment's events carry (version 1): enough for an invoice without reading orders.
    `at` is when the step happened (`shipped_at` too, on the step to in transit)."""
    lines = [(sl.line, sl.quantity) for sl in shipment.lines.select_related("line").order_by("line_id")]
    at = timezone.now().isoformat()
    payload: c.ShipmentPayload = {
        "version": 1, "shipment_id": shipment.pk, "order_id": str(order.pk), "order_reference": order.reference,
        "user_id": order.user_id, "seller_id": shipment.seller_id, "warehouse_id": shipment.warehouse_id,
        "status": shipment.status, "courier": shipment.courier, "tracking_number": shipment.tracking_number,
        "at": at,
        "buyer": {"name": order.ship_name, "line1": order.ship_line1, "line2": order.ship_line2,
                  "city": order.ship_city, "state": order.ship_state, "pin_code": order.pin_code},
        "lines": [{"item_id": line.item_id, "sku": line.sku, "title": line.title, "quantity": quantity,
                   "unit_price_paise": line.unit_price_paise} for line, quantity in lines]}
    if shipment.status == Step.IN_TRANSIT:
        payload["shipped_at"] = at
    return payload


def _advance(order: Order, shipment: Shipment, to: str, *, reason: str, courier: str = "",
             tracking_number: str = "") -> bool:
    """One shipment one step, under the order's lock. False when it was there already."""
    if shipment.status == to:
        return False
    name = f"Shipment {shipment.pk} of order {order.reference}"
    if order.status not in MOVING:
        raise TransitionNotAllowed(_refusal(f"Order {order.reference}", order.status, to, Status),
                                   order.status, to)
    if shipment.status != _STEPS[to][0]:
        raise TransitionNotAllowed(_refusal(name, shipment.status, to, Step), shipment.status, to)
    fields = ["status", "updated_at"]
    if to == Step.IN_TRANSIT:
        shipment.courier, shipment.tracking_number = courier[:100], tracking_number[:100]
        fields += ["courier", "tracking_number"]
        if order.payment_method == Order.PaymentMethod.COD:
            shipment.cash_due_paise = _cash_due(order, shipment)
            fields.append("cash_due_paise")
    if to == Step.DELIVERED:
        shipment.delivered_at = timezone.now()
        fields.append("delivered_at")
    transition(order, to, reason=reason, shipment=shipment)
    shipment.save(update_fields=fields)
    emit(_STEPS[to][1], key=order.pk, payload=shipment_event_payload(order, shipment))
    return True


def _cash_due(order: Order, shipment: Shipment) -> int:
    """What the courier collects for a COD parcel, fixed as it leaves (it goes on the label): its
    items' price, and the order's shipping fee on the first of the order's parcels to leave."""
    # Parcels whose cash is or may be collected; one that came back undelivered paid nothing.
    left_before = order.shipments.exclude(pk=shipment.pk).filter(
        Q(status__in=(Step.IN_TRANSIT, Step.DELIVERED)) | Q(status=Step.RETURNED, delivered_at__isnull=False)).exists()
    return shipment_value(shipment) + (0 if left_before else order.shipping_paise)


def order_status_follow(order: Order, *, reason: str, cancel_reason: str = "") -> None:
    """Move the order's own status to what its shipments say now (inside the caller's lock);
    `cancel_reason` is kept (and told) when that makes it cancelled."""
    derived = order_status_from_shipments(order.shipments.values_list("status", flat=True))
    if derived == order.status:
        return
    transition(order, derived, reason=reason)
    fields = ["status", "updated_at"]
    if derived == Status.CANCELLED:
        order.cancel_reason = cancel_reason
        fields.append("cancel_reason")
    order.save(update_fields=fields)
    if derived in _ORDER_EVENTS:
        extra = {"reason": cancel_reason} if derived == Status.CANCELLED else {}
        emit(_ORDER_EVENTS[derived], key=order.pk, payload={**snapshot(order), **extra})


def order_locked(order_id: uuid.UUID | str) -> Order:
    try:
        order_id = uuid.UUID(str(order_id))
    except ValueError as exc:
        raise OrderNotFound(f"No order {order_id}.") from exc
    order = Order.objects.select_for_update().filter(pk=order_id).first()
    if order is None:
        raise OrderNotFound(f"No order {order_id}.")
    return order


def shipment_advance(*, shipment_id: int, to: str, seller_id: int | None = None, reason: str = "",
                     courier: str = "", tracking_number: str = "") -> Shipment:
    """Move one shipment to `to` (packed, in_transit with its courier and tracking number, or
    delivered). With `seller_id`, only that seller's shipment exists (else NotSellersOrder)."""
    if to not in _STEPS:
        raise ValueError(f"No step to {to}.")
    head = Shipment.objects.filter(pk=shipment_id).values("order_id", "seller_id", "order__placed_at").first()
    # A seller sees a shipment once its order is paid (the address is none of their business before).
    if head is None or (seller_id is not None and (head["seller_id"] != seller_id or head["order__placed_at"] is None)):
        raise NotSellersOrder(f"No shipment {shipment_id}.")
    with transaction.atomic():
        order = order_locked(head["order_id"])
        shipment = order.shipments.get(pk=shipment_id)
        if _advance(order, shipment, to, reason=reason or _REASONS[to], courier=courier,
                    tracking_number=tracking_number):
            order_status_follow(order, reason=f"shipment {shipment.pk} {_words(to, Step)}")
    return shipment


_REASONS: dict[str, str] = {Step.PACKED: "packed by the seller", Step.IN_TRANSIT: "handed to the courier",
            Step.DELIVERED: "delivered"}


def _order_advance(*, order_id: uuid.UUID | str, to: str, seller_id: int | None, reason: str) -> Order:
    """Every shipment of the order (with `seller_id`, every one of theirs) that is going, one step
    to `to`. Refused whole when any of them is not in the step before it."""
    with transaction.atomic():
        order = order_locked(order_id)
        shipments = [s for s in order.shipments.order_by("pk") if seller_id is None or s.seller_id == seller_id]
        if seller_id is not None and not shipments:
            raise NotSellersOrder(f"Order {order_id} has no shipment of seller {seller_id}.")
        going = [s for s in shipments if s.status not in (Step.CANCELLED, Step.RETURNED)]
        if not going or order.status not in MOVING:
            current = order.status if order.status not in MOVING else Status.CANCELLED
            if order.status == to:
                return order
            raise TransitionNotAllowed(_refusal(f"Order {order.reference}", current, to, Status),
                                       current, to)
        for shipment in going:  # all checked before any moves
            if shipment.status != to and shipment.status != _STEPS[to][0]:
                current = _ORDER_STATUS[shipment.status]
                if len(going) == 1:  # to the person, the order is the shipment
                    text = _refusal(f"Order {order.reference}", current, to, Status)
                else:
                    text = _refusal(f"Shipment {shipment.pk} of order {order.reference}", shipment.status,
                                    to, Step)
                raise TransitionNotAllowed(text, current, to)
        moved = [s for s in going if _advance(order, s, to, reason=reason)]
        if moved:
            order_status_follow(order, reason=reason)
    return order


def order_mark_packed(*, order_id: uuid.UUID | str, seller_id: int | None = None,
                      reason: str = "packed by the seller") -> Order:
    return _order_advance(order_id=order_id, to=Step.PACKED, seller_id=seller_id, reason=reason)


def order_mark_shipped(*, order_id: uuid.UUID | str, seller_id: int | None = None,
                       reason: str = "handed to the courier") -> Order:
    return _order_advance(order_id=order_id, to=Step.IN_TRANSIT, seller_id=seller_id, reason=reason)


def order_mark_delivered(*, order_id: uuid.UUID | str, seller_id: int | None = None,
                         reason: str = "delivered") -> Order:
    return _order_advance(order_id=order_id, to=Step.DELIVERED, seller_id=seller_id, reason=reason)


def shipment_invoice_note(*, shipment_id: int, number: str, path: str) -> None:
    """Invoicing issued the shipment's invoice: the order page links it (idempotent; an archived
    order's shipment is gone, and then there is nothing to note)."""
    shipment = Shipment.objects.filter(pk=shipment_id).select_related("order").first()
    if shipment is None or (shipment.invoice_number, shipment.invoice_path) == (number, path):
        return
    shipment.invoice_number, shipment.invoice_path = number, path
    shipment.save(update_fields=["invoice_number", "invoice_path", "updated_at"])  # the signal forgets the page
