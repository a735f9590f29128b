"""Taking an order: lines priced from the catalog, stock allocated, shipments planned, payment opened."""

from __future__ import annotations

import hashlib
import json
import logging
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, OperationalError, transaction
from django.urls import reverse
from django.utils import timezone

from catalog.interface import items_get
from events.interface import emit
from inventory.interface import AllocatedPart, LineRequest, allocation_plan, reservation_commit, stock_reserve
from orders import contracts as c
from orders.models import Order, OrderLine, OrderStatusChange, Shipment, ShipmentLine
from orders.numbers import order_number_next
from orders.selectors import orders_version_forget
from orders.services.cash_on_delivery import CodNotAllowed, cod_eligibility
from orders.services.common import OrderError, Status, mark_placed, snapshot
from payments.interface import GatewayError, payment_cod_open, payment_start
from shop.queue import enqueue

logger = logging.getLogger(__name__)
PaymentMethod = Order.PaymentMethod


@dataclass(frozen=True)
class OrderLineRequest:
    item_id: int
    quantity: int


@dataclass(frozen=True)
class ShippingAddress:
    name: str
    line1: str
    city: str
    pin_code: str
    line2: str = ""
    state: str = ""
    phone: str = ""


class IdempotencyConflict(OrderError):
    """The key was used before for a different request."""


class ItemsUnavailable(OrderError):
    def __init__(self, item_ids: list[int]):
        self.item_ids = item_ids
        super().__init__(f"Items {sorted(item_ids)} are not for sale.")


class EmptyOrder(OrderError):
    pass


def shipping_fee(*, subtotal_paise: int) -> int:
    """Free from FREE_SHIPPING_FROM_PAISE; a flat SHIPPING_FEE_PAISE below it."""
    return 0 if subtotal_paise >= settings.FREE_SHIPPING_FROM_PAISE else settings.SHIPPING_FEE_PAISE


def _fingerprint(lines: list[OrderLineRequest], address: ShippingAddress, payment_method: str) -> str:
    request = {"lines": sorted((line.item_id, line.quantity) for line in lines), "address": asdict(address)}
    if payment_method != PaymentMethod.ONLINE:  # online orders' fingerprints stay as they were
        request["payment_method"] = payment_method
    canonical = json.dumps(request, sort_keys=True)
    return hashlib.sha256(canonical.encode()).hexdigest()


def order_place(*, user_id: int, idempotency_key: str, lines: list[OrderLineRequest],
                address: ShippingAddress, payment_method: str = PaymentMethod.ONLINE,
                now: datetime | None = None) -> Order:
    """Create the order as pending_payment, allocate its stock into shipments, then open its payment.

    Cash on delivery (`payment_method` "cod"): the order is placed in the same transaction, its
    stock committed and its COD payment recorded; no payment page, no expiry. CodNotAllowed when
    the order is over the limit or the PIN code takes no cash (cash_on_delivery.cod_eligibility).

    The same idempotency key returns the same order (a double click, a retried request); the
    same key with a different request raises IdempotencyConflict. InsufficientStock and
    NotDeliverable propagate, and then nothing was written.
    """
    if not lines:
        raise EmptyOrder("The order has no lines.")
    if payment_method not in PaymentMethod.values:
        raise OrderError(f"No payment method {payment_method!r}.")
    fingerprint = _fingerprint(lines, address, payment_method)
    existing = Order.objects.filter(user_id=user_id, idempotency_key=idempotency_key).first()
    if existing is None:
        try:
            existing = _with_deadlock_retry(lambda: _order_create(
                user_id=user_id, idempotency_key=idempotency_key, lines=lines, address=address,
                payment_method=payment_method, fingerprint=fingerprint, now=now or timezone.now()))
        except IntegrityError:
            # The same key raced us from another request, and won: that order is the answer.
            existing = Order.objects.filter(user_id=user_id, idempotency_key=idempotency_key).first()
            if existing is None:
                raise
    if existing.request_fingerprint != fingerprint:
        raise IdempotencyConflict("This Idempotency-Key was used for a different order.")
    return order_payment_open(order=existing)


# MariaDB/MySQL: deadlock found (1213), lock wait timeout (1205). The transaction was rolled back
# whole, so running it again is safe.
RETRYABLE_LOCK_ERRORS = {1213, 1205}


def _with_deadlock_retry[T](create: Callable[[], T], attempts: int = 3) -> T:
    for attempt in range(1, attempts + 1):
        try:
            return create()
        except OperationalError as exc:
            code = exc.args[0] if exc.args else None
            if code not in RETRYABLE_LOCK_ERRORS or attempt == attempts:
                raise
            logger.info("Order creation hit lock error %s; retrying (%s/%s)", code, attempt, attempts)
    raise AssertionError("unreachable")


def _order_create(*, user_id: int, idempotency_key: str, lines: list[OrderLineRequest],
                  address: ShippingAddress, payment_method: str, fingerprint: str, now: datetime) -> Order:
    quantities: dict[int, int] = {}
    for line in lines:
        if line.quantity <= 0:
            raise OrderError("Quantities must be positive.")
        quantities[line.item_id] = quantities.get(line.item_id, 0) + line.quantity
    items = items_get(list(quantities))
    unavailable = [i for i in quantities if i not in items or items[i].status != "active"]
    if unavailable:
        raise ItemsUnavailable(unavailable)
    # Planned from the stock as read, before the transaction: raises (and writes nothing) when it
    # can't be had; the shipments are written from the plan, the stock is taken last.
    plan = allocation_plan(lines=[LineRequest(i, q) for i, q in quantities.items()], pin_code=address.pin_code,
                           now=now)
    subtotal = sum(items[i].price_paise * q for i, q in quantities.items())
    shipping = shipping_fee(subtotal_paise=subtotal)
    cod = payment_method == PaymentMethod.COD
    if cod:
        eligibility = cod_eligibility(total_paise=subtotal + shipping, pin_code=address.pin_code)
        if not eligibility.allowed:
            raise CodNotAllowed(eligibility)
    # In its own autocommitted statement, before the order's transaction: the counter row is never
    # locked while the order waits on the hot stock rows. A number spent on an order that then
    # fails (sold out, a retry) is a gap, which order numbers may have (orders.numbers).
    number = order_number_next(now=now)
    with transaction.atomic():
        order = Order.objects.create(
            number=number, user_id=user_id, idempotency_key=idempotency_key, request_fingerprint=fingerprint,
            pin_code=address.pin_code, ship_name=address.name, ship_phone=address.phone,
            ship_line1=address.line1, ship_line2=address.line2, ship_city=address.city,
            ship_state=address.state, subtotal_paise=subtotal, shipping_paise=shipping,
            total_paise=subtotal + shipping, currency="INR", payment_method=payment_method,
            expires_at=now + timedelta(seconds=settings.ORDER_EXPIRY_SECONDS),
        )
        order_lines = OrderLine.objects.bulk_create([
            OrderLine(order=order, item_id=i, seller_id=items[i].seller_id, sku=items[i].sku,
                      title=items[i].title[:300], image_url=(items[i].images or [""])[0][:500],
                      unit_price_paise=items[i].price_paise, quantity=q, delivery_date=_arrival(plan.parts, i))
            for i, q in quantities.items()
        ])
        shipments_write(order, order_lines, plan.parts)
        OrderStatusChange.objects.create(order=order, to_status=Status.PENDING_PAYMENT, reason="order created")
        orders_version_forget(user_id)  # "my orders" shows it (also forgotten by orders.signals)
        emit(c.ORDER_CREATED, key=order.pk, payload=snapshot(order, order_lines))
        if cod:  # nothing to wait for: placed now, its cash collected at the door
            payment_cod_open(order_id=str(order.pk), amount_paise=order.total_paise, currency=order.currency)
            mark_placed(order, reason="cash on delivery accepted")
        # Last: the guarded UPDATEs on the hot stock rows, right before COMMIT.
        taken = stock_reserve(order_id=str(order.pk), plan=plan)
        if sorted(taken, key=_part_key) != sorted(plan.parts, key=_part_key):
            shipments_replace(order, taken)  # another order took the planned units first
        if cod:
            # The units leave stock as a paid order's do. The hot rows are ours already (the
            # UPDATEs above), so this adds round trips under their locks, for COD orders only.
            reservation_commit(order_id=str(order.pk))
    if not cod:
        schedule_expiry(order)
    return order


def _part_key(part: AllocatedPart) -> tuple[int, int, int]:
    return part.item_id, part.stock_id, part.quantity


def _arrival(parts: Sequence[AllocatedPart], item_id: int) -> date | None:
    """When a line has all arrived: the latest delivery date of its parts."""
    dates = [p.delivery_date for p in parts if p.item_id == item_id and p.delivery_date is not None]
    return max(dates, default=None)


def shipments_write(order: Order, lines: list[OrderLine], parts: Sequence[AllocatedPart]) -> list[Shipment]:
    """Group the allocated parts into one shipment per seller and warehouse, each promised by its
    latest part's delivery date."""
    if any(line.pk is None for line in lines):  # a backend that returns no ids from a bulk insert
        lines = list(order.lines.all())
    by_item = {line.item_id: line for line in lines}
    groups: dict[tuple[int, int], list[AllocatedPart]] = defaultdict(list)
    for part in parts:
        groups[(by_item[part.item_id].seller_id, part.warehouse_id)].append(part)
    shipments = Shipment.objects.bulk_create([
        Shipment(order=order, seller_id=seller_id, warehouse_id=warehouse_id,
                 promised_date=max((p.delivery_date for p in members if p.delivery_date), default=None))
        for (seller_id, warehouse_id), members in groups.items()
    ])
    if any(s.pk is None for s in shipments):
        shipments = list(order.shipments.all())
    by_key = {(s.seller_id, s.warehouse_id): s for s in shipments}
    ShipmentLine.objects.bulk_create([
        ShipmentLine(shipment=by_key[key], line=by_item[p.item_id], quantity=p.quantity)
        for key, members in groups.items() for p in members
    ])
    return shipments


def shipments_replace(order: Order, parts: Sequence[AllocatedPart]) -> list[Shipment]:
    """The allocation moved (a race at checkout, a late payment allocated afresh): its shipments
    and the lines' dates follow."""
    order.shipments.all().delete()
    lines = list(order.lines.all())
    for line in lines:
        arrival = _arrival(parts, line.item_id)
        if arrival is not None and arrival != line.delivery_date:
            line.delivery_date = arrival
            line.save(update_fields=["delivery_date"])
    orders_version_forget(order.user_id)  # the order page shows the dates
    return shipments_write(order, lines, parts)


def schedule_expiry(order: Order) -> None:
    """The order's own expiry at its deadline (the periodic sweep expires it anyway)."""
    enqueue("orders.expire_order", str(order.pk), eta=order.expires_at)


def order_payment_open(*, order: Order) -> Order:
    """Make sure a pending order has its payment opened at the gateway (idempotent)."""
    if order.status != Status.PENDING_PAYMENT or order.payment_url:
        return order
    try:
        info = payment_start(order_id=str(order.pk), amount_paise=order.total_paise, currency=order.currency,
                             return_url=reverse("orders:detail", args=[order.pk]))
    except GatewayError:
        logger.warning("Gateway did not open a payment for %s; a retry will", order.pk, exc_info=True)
        return order
    if Order.objects.filter(pk=order.pk, payment_url="").update(payment_url=info.redirect_url):
        orders_version_forget(order.user_id)  # the order page's "Pay" button: an UPDATE sends no signal
    order.payment_url = info.redirect_url
    return order
