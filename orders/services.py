"""Order taking and the order lifecycle.

Every transition locks the order row and checks its current state first, so a retried call, a
duplicate notification or two workers at once change nothing the second time. Gateway calls
(start, void, refund) happen only after the transaction that decided them has committed.
"""

from __future__ import annotations

import hashlib
import json
import logging
import uuid
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, OperationalError, transaction
from django.urls import reverse
from django.utils import timezone

from catalog.interface import items_get
from events.interface import emit
from inventory.interface import (
    InsufficientStock,
    InventoryError,
    LineRequest,
    reservation_commit,
    reservation_release,
    reservation_statuses,
    stock_reserve,
)
from orders.models import Order, OrderLine, OrderStatusChange
from orders.numbers import order_number_next
from orders.selectors import orders_version_forget
from payments.interface import GatewayError, payment_start, payment_statuses, payment_sync_from_gateway
from shop.backends import get_backend
from shop.references import order_reference

logger = logging.getLogger(__name__)
Status = Order.Status


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


class OrderError(Exception):
    pass


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


def _fingerprint(lines: list[OrderLineRequest], address: ShippingAddress) -> str:
    canonical = json.dumps({"lines": sorted((line.item_id, line.quantity) for line in lines),
                            "address": asdict(address)}, sort_keys=True)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _transition(order: Order, to: str, *, reason: str = "") -> None:
    OrderStatusChange.objects.create(order=order, from_status=order.status, to_status=to, reason=reason)
    order.status = to
    orders_version_forget(order.user_id)


def _snapshot(order: Order, lines: list[OrderLine] | None = None) -> dict:
    return {"order_id": str(order.pk), "number": order.number, "user_id": order.user_id, "status": order.status,
            "pin_code": order.pin_code, "total_paise": order.total_paise, "currency": order.currency,
            "lines": [{"item_id": line.item_id, "seller_id": line.seller_id, "sku": line.sku,
                       "quantity": line.quantity, "unit_price_paise": line.unit_price_paise}
                      for line in (order.lines.all() if lines is None else lines)]}


def order_place(*, user_id: int, idempotency_key: str, lines: list[OrderLineRequest],
                address: ShippingAddress, now: datetime | None = None) -> Order:
    """Create the order as pending_payment, reserve its stock, then open its payment.

    The same idempotency key returns the same order (a double click, a retried request); the
    same key with a different request raises IdempotencyConflict. InsufficientStock and
    NotDeliverable propagate, and then nothing was written.
    """
    if not lines:
        raise EmptyOrder("The order has no lines.")
    fingerprint = _fingerprint(lines, address)
    existing = Order.objects.filter(user_id=user_id, idempotency_key=idempotency_key).first()
    if existing is None:
        try:
            existing = _with_deadlock_retry(lambda: _order_create(
                user_id=user_id, idempotency_key=idempotency_key, lines=lines, address=address,
                fingerprint=fingerprint, now=now or timezone.now()))
        except IntegrityError:
            # The same key raced us from another request, and won: that order is the answer.
            existing = Order.objects.filter(user_id=user_id, idempotency_key=idempotency_key).first()
            if existing is None:
                raise
    if existing.request_fingerprint != fingerprint:
        raise IdempotencyConflict("This Idempotency-Key was used for a different order.")
    return order_payment_open(order=existing)


LATE_PAYMENT_REFUND = "late_payment_refund"

# MariaDB/MySQL: deadlock found (1213), lock wait timeout (1205). The transaction was rolled back
# whole, so running it again is safe.
RETRYABLE_LOCK_ERRORS = {1213, 1205}


def _with_deadlock_retry(create, attempts: int = 3):
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
                  address: ShippingAddress, fingerprint: str, now: datetime) -> Order:
    quantities: dict[int, int] = {}
    for line in lines:
        if line.quantity <= 0:
            raise OrderError("Quantities must be positive.")
        quantities[line.item_id] = quantities.get(line.item_id, 0) + line.quantity
    items = items_get(list(quantities))
    unavailable = [i for i in quantities if i not in items or items[i].status != "active"]
    if unavailable:
        raise ItemsUnavailable(unavailable)
    subtotal = sum(items[i].price_paise * q for i, q in quantities.items())
    shipping = shipping_fee(subtotal_paise=subtotal)
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
            total_paise=subtotal + shipping, currency="INR",
            expires_at=now + timedelta(seconds=settings.ORDER_EXPIRY_SECONDS),
        )
        order_lines = OrderLine.objects.bulk_create([
            OrderLine(order=order, item_id=i, seller_id=items[i].seller_id, sku=items[i].sku,
                      title=items[i].title[:300], image_url=(items[i].images or [""])[0][:500],
                      unit_price_paise=items[i].price_paise, quantity=q)
            for i, q in quantities.items()
        ])
        OrderStatusChange.objects.create(order=order, to_status=Status.PENDING_PAYMENT, reason="order created")
        orders_version_forget(user_id)  # "my orders" shows it (also forgotten by orders.signals)
        emit("orders.order_created.v1", key=order.pk, payload=_snapshot(order, order_lines))
        # Last: the guarded UPDATEs on the hot stock rows, right before COMMIT.
        reserved = stock_reserve(order_id=str(order.pk),
                                 lines=[LineRequest(i, q) for i, q in quantities.items()],
                                 pin_code=address.pin_code, now=now)
    _lines_ship_from(order, reserved)  # outside the hot transaction
    _schedule_expiry(order)
    return order


def _lines_ship_from(order: Order, reserved) -> None:
    """Record where each line ships from and when it arrives, as the reservation decided."""
    for line in reserved:
        OrderLine.objects.filter(order=order, item_id=line.item_id).update(
            warehouse_id=line.warehouse_id, delivery_date=line.delivery_date)
    orders_version_forget(order.user_id)  # the order page shows the dates: an UPDATE sends no signal


def _schedule_expiry(order: Order) -> None:
    from orders.tasks import expire_order

    try:
        expire_order.apply_async(args=[str(order.pk)], eta=order.expires_at)
    except Exception:  # the periodic sweep expires it anyway
        logger.warning("Could not schedule expiry of %s; the sweep will catch it", order.pk, exc_info=True)


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


def order_mark_paid(*, order_id: str) -> Order | None:
    """The payment succeeded. Pending: placed. Cancelled already (expired or failed): the
    late-payment policy decides, honour (re-reserve, if stock allows) or refund."""
    with transaction.atomic():
        order = Order.objects.select_for_update().filter(pk=order_id).first()
        if order is None:
            return _paid_after_archival(order_id)
        if order.status == Status.PENDING_PAYMENT:
            reservation_commit(order_id=order_id)
            _place(order, reason="payment succeeded")
        elif order.status == Status.CANCELLED and order.cancel_reason == LATE_PAYMENT_REFUND:
            # Decided already: only make sure the (idempotent) refund is on its way.
            _after_commit_call("orders.refund_payment", order_id, "late payment")
        elif order.status == Status.CANCELLED and order.placed_at is None:
            refund_reason = _late_payment(order)
            if refund_reason:
                order.cancel_reason = LATE_PAYMENT_REFUND  # the decision outlives a slow refund
                order.save(update_fields=["cancel_reason", "updated_at"])
                orders_version_forget(order.user_id)  # the order page shows why it was cancelled
                _after_commit_call("orders.refund_payment", order_id, refund_reason)
        else:
            logger.info("Payment success for %s in status %s changes nothing", order_id, order.status)
    return order


def _paid_after_archival(order_id: str) -> None:
    """A payment success for an order no longer live. Archived cancelled: the money goes back
    (the order is finished and its stock long released). Anything else: nothing to do."""
    archived = get_backend("order_archive").get(order_id)
    if archived is None:
        logger.warning("Payment success for unknown order %s changes nothing", order_id)
    elif archived.status == Status.CANCELLED:
        logger.warning("Payment success for archived cancelled order %s: refunding", order_id)
        emit("orders.late_payment_refunded.v1", key=order_id,
             payload={"order_id": order_id, "number": archived.number, "user_id": archived.user_id,
                      "policy": "archived",
                      "total_paise": archived.total_paise, "reason": "late payment; order archived"})
        _after_commit_call("orders.refund_payment", order_id, "late payment; order archived")
    return None


def _after_commit_call(task_name: str, *args) -> None:
    """Gateway calls go through a retrying task, queued only once the decision has committed."""
    from orders import tasks

    task = {"orders.refund_payment": tasks.refund_payment, "orders.void_payment": tasks.void_payment}[task_name]
    transaction.on_commit(lambda: task.delay(*args))


def _place(order: Order, *, reason: str) -> None:
    _transition(order, Status.PLACED, reason=reason)
    order.placed_at = timezone.now()
    order.cancel_reason = ""
    order.save(update_fields=["status", "placed_at", "cancel_reason", "updated_at"])
    emit("orders.order_placed.v1", key=order.pk, payload=_snapshot(order))


def _late_payment(order: Order) -> str:
    """Returns the refund reason, or "" when the order was honoured."""
    policy = settings.LATE_PAYMENT_POLICY
    if policy == "honour":
        lines = [LineRequest(line.item_id, line.quantity) for line in order.lines.all()]
        try:
            with transaction.atomic():
                reserved = stock_reserve(order_id=str(order.pk), lines=lines, pin_code=order.pin_code)
                reservation_commit(order_id=str(order.pk))
        except InventoryError as exc:
            reason = "late payment; stock gone" if isinstance(exc, InsufficientStock) else f"late payment; {exc}"
            emit("orders.late_payment_refunded.v1", key=order.pk,
                 payload={"order_id": str(order.pk), "number": order.number, "user_id": order.user_id,
                          "policy": policy,
                          "total_paise": order.total_paise, "reason": reason})
            return reason
        _lines_ship_from(order, reserved)
        _place(order, reason=f"late payment honoured (was {order.cancel_reason})")
        emit("orders.late_payment_honoured.v1", key=order.pk,
             payload={"order_id": str(order.pk), "user_id": order.user_id})
        return ""
    emit("orders.late_payment_refunded.v1", key=order.pk,
         payload={"order_id": str(order.pk), "number": order.number, "user_id": order.user_id,
                  "policy": policy,
                  "total_paise": order.total_paise, "reason": "late payment"})
    return "late payment"


def order_fail_payment(*, order_id: str, reason: str = "") -> Order | None:
    with transaction.atomic():
        order = Order.objects.select_for_update().filter(pk=order_id).first()
        if order is None:  # archived: a finished order has nothing left to fail
            return None
        if order.status == Status.PENDING_PAYMENT:
            _cancel(order, reason="payment_failed", detail=reason or "payment failed")
    return order


def _cancel(order: Order, *, reason: str, detail: str) -> None:
    reservation_release(order_id=str(order.pk))
    _transition(order, Status.CANCELLED, reason=detail)
    order.cancel_reason = reason
    order.save(update_fields=["status", "cancel_reason", "updated_at"])
    emit("orders.order_cancelled.v1", key=order.pk, payload={**_snapshot(order), "reason": reason})


def expiry_hard_deadline() -> timedelta:
    """How long past its expiry a pending order may wait for an unreachable gateway to answer.

    Its stock stays held meanwhile; after this it is cancelled without the answer, its void is
    retried, and a success found later is a late payment (LATE_PAYMENT_POLICY), as before.
    """
    return timedelta(seconds=getattr(settings, "ORDER_EXPIRY_GATEWAY_WAIT_SECONDS", 600))


def order_expire(*, order_id: str, now: datetime | None = None, ask_gateway: bool = True) -> bool:
    """Expire a pending order whose time is up, after asking the gateway whether it was paid.

    A payment that succeeded before expiry wins, however late its notification is (a queue behind
    other work, a worker restart): the gateway is asked first, outside any transaction, and
    - succeeded: the order is placed exactly as the notification would place it (the
      notification, when it comes, changes nothing); returns False;
    - created, failed, voided, or no payment at the gateway: the order is cancelled, its stock
      released and its payment voided after commit (the void reads the gateway once more, so
      money taken in between is a late payment); returns True;
    - unreachable (or `ask_gateway` False: the sweep saw it down): GatewayError propagates and the
      order stays pending for the next try, until expiry_hard_deadline() past its expiry; then it
      is cancelled without the answer (returns True).
    """
    now = now or timezone.now()
    order = (Order.objects.filter(pk=order_id, status=Status.PENDING_PAYMENT, expires_at__lte=now)
             .only("pk", "expires_at").first())
    if order is None:
        return False
    detail = "no answer from payment before expiry"
    try:
        if not ask_gateway:
            raise GatewayError("the gateway did not answer earlier in this sweep")
        paid = payment_sync_from_gateway(order_id=str(order.pk)) == "succeeded"
    except GatewayError:
        if now < order.expires_at + expiry_hard_deadline():
            raise
        logger.warning("Gateway still unreachable for expired order %s; cancelling at the hard deadline",
                       order.pk, exc_info=True)
        paid, detail = False, "no answer from the payment gateway before the hard deadline"
    if paid:
        logger.info("Order %s was paid before it expired; placing it", order.pk)
        order_mark_paid(order_id=str(order.pk))
        return False
    with transaction.atomic():
        order = Order.objects.select_for_update(skip_locked=True).filter(pk=order.pk).first()
        if order is None or order.status != Status.PENDING_PAYMENT or order.expires_at > now:
            return False
        _cancel(order, reason="expired", detail=detail)
        _after_commit_call("orders.void_payment", str(order.pk))
    return True


def order_expire_stale(*, now: datetime | None = None, limit: int = 500) -> int:
    """The sweep behind the per-order expiry task: a lost task still expires its order.

    Returns how many orders it cancelled. Once the gateway fails to answer, the rest of the pass
    does not ask it again (one timeout per sweep, not one per order): their orders wait for the
    next sweep, except those past the hard deadline, which are cancelled.
    """
    now = now or timezone.now()
    ids = list(Order.objects.filter(status=Status.PENDING_PAYMENT, expires_at__lte=now)
               .order_by("expires_at").values_list("pk", flat=True)[:limit])
    cancelled, gateway_up, waiting = 0, True, 0
    for pk in ids:
        try:
            cancelled += order_expire(order_id=str(pk), now=now, ask_gateway=gateway_up)
        except GatewayError:
            gateway_up, waiting = False, waiting + 1
    if waiting:
        logger.warning("Expiry sweep: the payment gateway did not answer; %s orders wait for the next sweep",
                       waiting)
    return cancelled


# --- Seller fulfilment: placed -> packed -> in_transit -> delivered ----------------------------

class TransitionNotAllowed(OrderError):
    """The order is not in the state this step follows (a skipped step, a step back, cancelled)."""

    def __init__(self, order_id, current: str, wanted: str, *, number: str = ""):
        self.current, self.wanted = current, wanted  # the status codes, for the API's problem
        super().__init__(_transition_refusal(order_id, current, wanted, number=number))


def _status_words(status: str) -> str:
    return Status(status).label if status in Status.values else status.replace("_", " ")


_FULFILMENT_PATH = [Status.PLACED, Status.PACKED, Status.IN_TRANSIT, Status.DELIVERED]


def _transition_refusal(order_id, current: str, wanted: str, *, number: str = "") -> str:
    """In words staff and sellers use: "Order BZ-26-0001234 can't be marked in transit: it is
    waiting for payment." and, for a skipped step, what has to happen first."""
    text = (f"Order {order_reference(order_id, number)} can't be marked {_status_words(wanted)}: "
            f"it is {_status_words(current)}")
    source = _FULFILMENT[wanted][0] if wanted in _FULFILMENT else None
    if source and current in _FULFILMENT_PATH and _FULFILMENT_PATH.index(current) < _FULFILMENT_PATH.index(source):
        return f"{text}, and has to be {_status_words(source)} first."
    return f"{text}."


class OrderNotFound(OrderError):
    """No live order with that id."""


class NotSellersOrder(OrderNotFound):
    """A seller may move only orders whose every line is theirs; to them, others' orders don't exist."""


_FULFILMENT = {  # to: (from, event)
    Status.PACKED: (Status.PLACED, "orders.order_packed.v1"),
    Status.IN_TRANSIT: (Status.PACKED, "orders.order_shipped.v1"),
    Status.DELIVERED: (Status.IN_TRANSIT, "orders.order_delivered.v1"),
}


def _fulfil(*, order_id, to: str, seller_id: int | None, reason: str) -> Order:
    """One fulfilment step under the order's row lock. Repeating the step is a no-op; skipping one,
    going back, or moving a cancelled order raises TransitionNotAllowed. With `seller_id`, the order
    must exist and every line must be that seller's (else NotSellersOrder); staff pass None."""
    source, event = _FULFILMENT[to]
    try:
        order_id = uuid.UUID(str(order_id))
    except ValueError as exc:
        raise OrderNotFound(f"No order {order_id}.") from exc
    with transaction.atomic():
        order = Order.objects.select_for_update().filter(pk=order_id).first()
        if order is None:
            raise OrderNotFound(f"No order {order_id}.")
        if seller_id is not None:
            sellers = set(order.lines.values_list("seller_id", flat=True))
            if sellers != {seller_id}:
                raise NotSellersOrder(f"Order {order_id} is not only seller {seller_id}'s.")
        if order.status == to:
            return order  # a retry, a double click: already done
        if order.status != source:
            raise TransitionNotAllowed(order.pk, order.status, to, number=order.number)
        _transition(order, to, reason=reason)
        order.save(update_fields=["status", "updated_at"])
        emit(event, key=order.pk, payload=_snapshot(order))
    return order


def order_mark_packed(*, order_id, seller_id: int | None = None, reason: str = "packed by the seller") -> Order:
    return _fulfil(order_id=order_id, to=Status.PACKED, seller_id=seller_id, reason=reason)


def order_mark_shipped(*, order_id, seller_id: int | None = None, reason: str = "handed to the courier") -> Order:
    return _fulfil(order_id=order_id, to=Status.IN_TRANSIT, seller_id=seller_id, reason=reason)


def order_mark_delivered(*, order_id, seller_id: int | None = None, reason: str = "delivered") -> Order:
    return _fulfil(order_id=order_id, to=Status.DELIVERED, seller_id=seller_id, reason=reason)


# --- Archival: finished orders leave the live tables for the archive store --------------------

# Reconciliation re-checks cancelled orders' payments for GATEWAY_LOOKBACK (2 days) and reads only
# live orders: nothing may be archived before that window has passed.
MIN_ARCHIVE_AGE = timedelta(days=3)


def _settled(orders: list[tuple[str, str]]) -> list[str]:
    """The orders whose books are closed: no stock still held for them, and a delivered order's
    payment taken (or refunded). The others stay live, where reconciliation keeps reporting them."""
    ids = [order_id for order_id, _ in orders]
    reservations = reservation_statuses(order_ids=ids)
    payments = payment_statuses(order_ids=ids)
    settled = []
    for order_id, status in orders:
        if HELD_RESERVATION in reservations.get(order_id, set()):
            continue
        if status == Status.DELIVERED and payments.get(order_id) not in {"succeeded", "refunded"}:
            continue
        settled.append(order_id)
    return settled


HELD_RESERVATION = "held"  # inventory's reservation status for units still set aside


def orders_archive(*, older_than: timedelta | None = None, limit: int = 500, now: datetime | None = None) -> int:
    """Move up to `limit` terminal orders (delivered, cancelled) whose last change is older than
    `older_than` (default ORDER_ARCHIVE_AFTER_DAYS) to the archive. Returns how many moved.

    Per order: snapshot it, write the snapshot to the archive (an idempotent upsert, outside any
    transaction: it may be a network call), then delete the live rows in a transaction that locks
    the order and re-checks it is still terminal and unchanged since the snapshot. A crash between
    the two steps leaves the order in both stores (readers prefer the live copy) and the next run
    finishes it; two runs at once skip each other's locked rows.
    """
    if older_than is None:
        older_than = timedelta(days=getattr(settings, "ORDER_ARCHIVE_AFTER_DAYS", 30))
    if older_than < MIN_ARCHIVE_AGE:
        raise ValueError(f"Orders are reconciled for {MIN_ARCHIVE_AGE} after they finish; "
                         f"archiving after {older_than} would hide them from it.")
    from orders.backends.base import ArchivedOrder
    from orders.selectors import order_get

    cutoff = (now or timezone.now()) - older_than
    archive = get_backend("order_archive")
    candidates = list(Order.objects.filter(status__in=Order.TERMINAL, updated_at__lt=cutoff)
                      .order_by("updated_at", "pk").values_list("pk", "status")[:limit])
    ids = _settled([(str(pk), status) for pk, status in candidates])
    moved = 0
    for order_id in ids:
        order = order_get(order_id=order_id)
        if order is None or order.status not in Order.TERMINAL:
            continue  # another run took it, or it moved on
        archive.put(ArchivedOrder.from_order(order))
        with transaction.atomic():
            locked = (Order.objects.select_for_update(skip_locked=True)
                      .filter(pk=order_id, status__in=Order.TERMINAL, updated_at=order.updated_at).first())
            if locked is None:
                continue  # changed since the snapshot (the next run archives it afresh), or being archived
            locked.delete()  # its lines and timeline go with it
            orders_version_forget(order.user_id)  # the same order, from the archive now
            emit("orders.order_archived.v1", key=order_id,
                 payload={"order_id": str(order_id), "user_id": order.user_id, "status": order.status})
        moved += 1
    return moved
