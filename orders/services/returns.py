"""Returns: a customer sends back delivered units within their category's return window.

requested (by the customer, with a reason) → approved or rejected (by the shipment's seller or
staff) → received: each unit is restocked at a warehouse the receiver chooses, or written off as
damaged, and the units' price is refunded. A shipment whose every unit came back is `returned`,
and the order follows. Every step is in the order's timeline and evented.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from catalog.interface import items_tax_get
from events.interface import emit
from inventory.interface import stock_receive
from orders import contracts as c
from orders.models import Order, ReturnLine, ReturnRequest, Shipment
from orders.services.common import OrderError, OrderNotFound, transition
from orders.services.fulfilment import TransitionNotAllowed, order_locked, order_status_follow
from shop.queue import enqueue

Step = Shipment.Status
ReturnStatus = ReturnRequest.Status


class ReturnNotAllowed(OrderError):
    """Not returnable: not delivered, past its window, or more units than were delivered."""


@dataclass(frozen=True)
class ReturnedUnits:
    item_id: int
    quantity: int


def return_window_days(category_path: str) -> int:
    """RETURN_WINDOW_DAYS: days by category path or path prefix (the longest wins), "" the default."""
    windows = settings.RETURN_WINDOW_DAYS
    matches = [key for key in windows if key and (category_path == key or category_path.startswith(key + "/"))]
    return windows[max(matches, key=len)] if matches else windows.get("", 0)


def return_deadline(shipment: Shipment, item_id: int, category_paths: dict[int, str]) -> datetime | None:
    if shipment.delivered_at is None:
        return None
    return shipment.delivered_at + timedelta(days=return_window_days(category_paths.get(item_id, "")))


def _payload(request: ReturnRequest, order: Order) -> c.ReturnPayload:
    return {"version": 1, "return_id": request.pk, "order_id": str(order.pk), "order_reference": order.reference,
            "user_id": order.user_id, "seller_id": request.shipment.seller_id, "shipment_id": request.shipment_id,
            "status": request.status, "reason": request.reason, "refund_paise": request.refund_paise,
            "lines": [{"item_id": x.shipment_line.line.item_id, "sku": x.shipment_line.line.sku,
                       "quantity": x.quantity, "outcome": x.outcome} for x in request.lines.all()]}


def _record(order: Order, request: ReturnRequest, text: str, event: str) -> None:
    shipment = request.shipment
    transition(order, shipment.status, reason=text[:200], shipment=shipment)  # a note: the status stays
    emit(event, key=order.pk, payload=_payload(request, order))


def return_request(*, order_id: uuid.UUID | str, user_id: int, shipment_id: int, units: list[ReturnedUnits],
                   reason: str, now: datetime | None = None) -> ReturnRequest:
    """The customer asks to return `units` of one delivered shipment. Raises OrderNotFound (not
    theirs), ReturnNotAllowed (not delivered, past the window, more than delivered and not
    already asked back)."""
    now = now or timezone.now()
    reason = reason.strip()
    if not reason:
        raise ReturnNotAllowed("Tell us why you are returning the items.")
    if not units or any(u.quantity <= 0 for u in units):
        raise ReturnNotAllowed("Choose at least one item to return.")
    with transaction.atomic():
        order = order_locked(order_id)
        if order.user_id != user_id:
            raise OrderNotFound(f"No order {order_id}.")
        shipment = order.shipments.filter(pk=shipment_id).first()
        if shipment is None:
            raise OrderNotFound(f"No shipment {shipment_id} in order {order_id}.")
        if shipment.status != Step.DELIVERED:
            raise ReturnNotAllowed(f"Shipment {shipment.pk} of order {order.reference} can be returned "
                                   "once it is delivered.")
        parts = {part.line.item_id: part for part in shipment.lines.select_related("line")}
        paths = {info.item_id: info.category_path for info in items_tax_get(list(parts)).values()}
        wanted: dict[int, int] = {}
        for unit in units:
            wanted[unit.item_id] = wanted.get(unit.item_id, 0) + unit.quantity
        for item_id, quantity in wanted.items():
            part = parts.get(item_id)
            if part is None:
                raise ReturnNotAllowed(f"Item {item_id} is not in shipment {shipment.pk}.")
            deadline = return_deadline(shipment, item_id, paths)
            if deadline is None or now > deadline:
                raise ReturnNotAllowed(f"{part.line.title} can't be returned: its return window closed"
                                       f"{' on ' + f'{deadline:%d %b %Y}' if deadline else ''}.")
            asked = (ReturnLine.objects.filter(shipment_line=part).exclude(request__status=ReturnStatus.REJECTED)
                     .aggregate(n=Sum("quantity"))["n"] or 0)
            if quantity > part.quantity - asked:
                raise ReturnNotAllowed(f"{part.line.title}: {part.quantity - asked} of {part.quantity} can still "
                                       "be returned.")
        request = ReturnRequest.objects.create(order=order, shipment=shipment, user_id=user_id, reason=reason[:500])
        ReturnLine.objects.bulk_create([ReturnLine(request=request, shipment_line=parts[i], quantity=q)
                                        for i, q in wanted.items()])
        _record(order, request, f"return {request.pk} requested: {reason}", c.RETURN_REQUESTED)
    return request


def _request_locked(return_id: int, seller_id: int | None) -> tuple[Order, ReturnRequest]:
    head = ReturnRequest.objects.filter(pk=return_id).values("order_id", "shipment__seller_id").first()
    if head is None or (seller_id is not None and head["shipment__seller_id"] != seller_id):
        raise OrderNotFound(f"No return {return_id}.")
    order = order_locked(head["order_id"])
    return order, ReturnRequest.objects.select_related("shipment").get(pk=return_id)


def _decide(return_id: int, seller_id: int | None, to: str, note: str) -> ReturnRequest:
    with transaction.atomic():
        order, request = _request_locked(return_id, seller_id)
        if request.status == to:
            return request
        if request.status != ReturnStatus.REQUESTED:
            raise TransitionNotAllowed(f"Return {request.pk} is {request.get_status_display()}; it was decided "
                                       "already.", request.status, to)
        request.status, request.decision_note = to, note[:500]
        request.save(update_fields=["status", "decision_note", "updated_at"])
        verb = "approved" if to == ReturnStatus.APPROVED else "declined"
        _record(order, request, f"return {request.pk} {verb}{': ' + note if note else ''}",
                c.RETURN_APPROVED if to == ReturnStatus.APPROVED else c.RETURN_REJECTED)
    return request


def return_approve(*, return_id: int, seller_id: int | None = None, note: str = "") -> ReturnRequest:
    return _decide(return_id, seller_id, ReturnStatus.APPROVED, note)


def return_reject(*, return_id: int, seller_id: int | None = None, note: str = "") -> ReturnRequest:
    if not note.strip():
        raise ReturnNotAllowed("Say why the return is declined: the customer reads it.")
    return _decide(return_id, seller_id, ReturnStatus.REJECTED, note)


def return_receive(*, return_id: int, restock_to: dict[int, int | None], seller_id: int | None = None,
                   actor_id: int | None = None) -> ReturnRequest:
    """The units arrived: each item is restocked at `restock_to[item_id]` (a warehouse id), or
    written off as damaged (None); their price is refunded. Idempotent once received."""
    with transaction.atomic():
        order, request = _request_locked(return_id, seller_id)
        if request.status == ReturnStatus.RECEIVED:
            return request
        if request.status != ReturnStatus.APPROVED:
            raise TransitionNotAllowed(f"Return {request.pk} is {request.get_status_display()}; only an approved "
                                       "return is received.", request.status, ReturnStatus.RECEIVED)
        lines = list(request.lines.select_related("shipment_line__line"))
        missing = [x.shipment_line.line.item_id for x in lines if x.shipment_line.line.item_id not in restock_to]
        if missing:
            raise ReturnNotAllowed(f"Say where items {missing} go: a warehouse, or written off.")
        for line in lines:
            item_id, warehouse_id = line.shipment_line.line.item_id, restock_to[line.shipment_line.line.item_id]
            if warehouse_id is None:
                line.outcome = ReturnLine.Outcome.WRITTEN_OFF
            else:
                stock_receive(item_id=item_id, warehouse_id=warehouse_id, quantity=line.quantity, actor_id=actor_id,
                              reason=f"return {request.pk} of order {order.reference}")
                line.outcome, line.warehouse_id = ReturnLine.Outcome.RESTOCKED, warehouse_id
            line.save(update_fields=["outcome", "warehouse_id"])
        request.status = ReturnStatus.RECEIVED
        request.refund_paise = sum(x.total_paise for x in lines)
        request.save(update_fields=["status", "refund_paise", "updated_at"])
        _record(order, request, f"return {request.pk} received; refunding {request.refund_paise / 100:.2f} INR",
                c.RETURN_RECEIVED)
        enqueue("orders.refund_payment", str(order.pk), f"return {request.pk}", request.refund_paise,
                f"return-{request.pk}")
        _returned_whole(order, request.shipment)
    return request


def _returned_whole(order: Order, shipment: Shipment) -> None:
    """Every unit of the shipment came back: it is returned, and the order follows."""
    received = (ReturnLine.objects.filter(request__shipment=shipment, request__status=ReturnStatus.RECEIVED)
                .aggregate(n=Sum("quantity"))["n"] or 0)
    if received < sum(part.quantity for part in shipment.lines.all()):
        return
    transition(order, Step.RETURNED, reason="every item came back", shipment=shipment)
    shipment.save(update_fields=["status", "updated_at"])
    order_status_follow(order, reason=f"shipment {shipment.pk} returned")
