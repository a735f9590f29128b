"""An order's payment: paid (placed, or a late payment honoured or refunded), failed, expired.

An order may have several payment attempts (orders.services.retry); only the current one (the
latest, payments.interface) pays or fails the order. A success of an earlier attempt is a late
payment whatever the order's state, and refunded; a failure of one changes nothing.

Every transition locks the order row and checks its current state first, so a retried call, a
duplicate notification or two workers at once change nothing the second time. Gateway calls
(start, void, refund) happen only after the transaction that decided them has committed.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from events.interface import emit
from inventory.interface import (
    InsufficientStock,
    InventoryError,
    LineRequest,
    allocation_plan,
    reservation_commit,
    reservation_release,
    stock_reserve,
)
from orders import contracts as c
from orders.models import Order, Shipment
from orders.selectors import orders_version_forget
from orders.services.common import Status, mark_placed, snapshot, transition
from orders.services.placing import shipments_replace
from payments.interface import GatewayError, payment_current_attempt, payment_sync_from_gateway
from shop.backends import get_backend
from shop.queue import enqueue

logger = logging.getLogger(__name__)

LATE_PAYMENT_REFUND = "late_payment_refund"
# Why an order may have been cancelled before a payment that then arrived late, and still be
# honoured: the shop called it off, not the customer.
LATE_PAYMENT_HONOURABLE = ("expired", "payment_failed")


def superseded(order_id: str, attempt: int | None) -> bool:
    """Whether `attempt` is an earlier payment attempt than the order's current one. Read under
    the order's lock: a retry opens its attempt under that lock, so the answer holds until commit.
    None (a caller that does not know which attempt): the current one."""
    if attempt is None:
        return False
    current = payment_current_attempt(order_id=order_id)
    return current is not None and attempt < current


def order_mark_paid(*, order_id: str, attempt: int | None = None) -> Order | None:
    """The payment (attempt `attempt`; None: the current one) succeeded. Pending: placed.
    Cancelled already (expired or failed): the late-payment policy decides, honour (re-allocate,
    if stock allows) or refund. An earlier attempt than the current one: refunded, whatever the
    order's state (the customer paid again, or is paying again, through the current one)."""
    with transaction.atomic():
        order = Order.objects.select_for_update().filter(pk=order_id).first()
        if order is None:
            _paid_after_archival(order_id, attempt)
            return None
        if attempt is not None and superseded(order_id, attempt):
            _refund_superseded(order, attempt)
        elif order.status == Status.PENDING_PAYMENT:
            reservation_commit(order_id=order_id)
            mark_placed(order, reason="payment succeeded")
        elif order.status == Status.CANCELLED and order.cancel_reason == LATE_PAYMENT_REFUND:
            # Decided already: only make sure the (idempotent) refund is on its way.
            enqueue("orders.refund_payment", order_id, "late payment", None, "", attempt)
        elif order.status == Status.CANCELLED and order.placed_at is not None:
            # Paid, then cancelled by the customer: the refund of what is left was decided then
            # (idempotent by its key); reconciliation lands here when it has not happened yet.
            enqueue("orders.refund_payment", order_id, "order cancelled by the customer", None,
                    f"cancel-order-{order.pk}")
        elif order.status == Status.CANCELLED and order.cancel_reason not in LATE_PAYMENT_HONOURABLE:
            # Cancelled by the customer before paying (in another tab, say): never revived. The
            # money goes back whole, once (the key the customer's cancellation would use).
            emit(c.LATE_PAYMENT_REFUNDED, key=order.pk,
                 payload={"order_id": str(order.pk), "number": order.number, "user_id": order.user_id,
                          "policy": "cancelled_by_customer", "total_paise": order.total_paise,
                          "reason": "paid after the order was cancelled"})
            enqueue("orders.refund_payment", order_id, "paid after the customer cancelled", None,
                    f"cancel-order-{order.pk}", attempt)
        elif order.status == Status.CANCELLED and order.placed_at is None:
            refund_reason = _late_payment(order)
            if refund_reason:
                order.cancel_reason = LATE_PAYMENT_REFUND  # the decision outlives a slow refund
                order.save(update_fields=["cancel_reason", "updated_at"])
                orders_version_forget(order.user_id)  # the order page shows why it was cancelled
                enqueue("orders.refund_payment", order_id, refund_reason, None, "", attempt)
        else:
            logger.info("Payment success for %s in status %s changes nothing", order_id, order.status)
    return order


def _refund_superseded(order: Order, attempt: int) -> None:
    """Money taken by an attempt the order no longer waits on: given back (its own refund key, so a
    repeat refunds nothing), and told, like any late payment. The order itself does not move."""
    reason = f"late payment; attempt {attempt} was replaced by a newer one"
    logger.warning("Payment attempt %s of order %s succeeded after a newer attempt was opened; refunding it",
                   attempt, order.pk)
    emit(c.LATE_PAYMENT_REFUNDED, key=order.pk,
         payload={"order_id": str(order.pk), "number": order.number, "user_id": order.user_id,
                  "policy": "superseded_attempt", "attempt": attempt, "total_paise": order.total_paise,
                  "reason": reason})
    enqueue("orders.refund_payment", str(order.pk), reason, None, "", attempt)


def _paid_after_archival(order_id: str, attempt: int | None = None) -> None:
    """A payment success for an order no longer live. Archived cancelled: the money goes back
    (the order is finished and its stock long released). Anything else: nothing to do."""
    archived = get_backend("order_archive").get(order_id)
    if archived is None:
        logger.warning("Payment success for unknown order %s changes nothing", order_id)
    elif archived.status == Status.CANCELLED:
        logger.warning("Payment success for archived cancelled order %s: refunding", order_id)
        emit(c.LATE_PAYMENT_REFUNDED, key=order_id,
             payload={"order_id": order_id, "number": archived.number, "user_id": archived.user_id,
                      "policy": "archived",
                      "total_paise": archived.total_paise, "reason": "late payment; order archived"})
        enqueue("orders.refund_payment", order_id, "late payment; order archived", None, "", attempt)
    return None


def _late_payment(order: Order) -> str:
    """Returns the refund reason, or "" when the order was honoured."""
    policy = settings.LATE_PAYMENT_POLICY
    if policy == "honour":
        lines = [LineRequest(line.item_id, line.quantity) for line in order.lines.all()]
        try:
            with transaction.atomic():
                plan = allocation_plan(lines=lines, pin_code=order.pin_code)
                taken = stock_reserve(order_id=str(order.pk), plan=plan)
                reservation_commit(order_id=str(order.pk))
        except InventoryError as exc:
            reason = "late payment; stock gone" if isinstance(exc, InsufficientStock) else f"late payment; {exc}"
            emit(c.LATE_PAYMENT_REFUNDED, key=order.pk,
                 payload={"order_id": str(order.pk), "number": order.number, "user_id": order.user_id, "policy": policy,
                          "total_paise": order.total_paise, "reason": reason})
            return reason
        shipments_replace(order, taken)
        mark_placed(order, reason=f"late payment honoured (was {order.cancel_reason})")
        emit(c.LATE_PAYMENT_HONOURED, key=order.pk,
             payload={"order_id": str(order.pk), "user_id": order.user_id})
        return ""
    emit(c.LATE_PAYMENT_REFUNDED, key=order.pk,
         payload={"order_id": str(order.pk), "number": order.number, "user_id": order.user_id, "policy": policy,
                  "total_paise": order.total_paise, "reason": "late payment"})
    return "late payment"


def order_fail_payment(*, order_id: str, reason: str = "", attempt: int | None = None) -> Order | None:
    """The payment (attempt `attempt`; None: the current one) failed for good: a pending order is
    cancelled and its stock released. An earlier attempt's failure changes nothing: the order
    waits on its current attempt."""
    with transaction.atomic():
        order = Order.objects.select_for_update().filter(pk=order_id).first()
        if order is None:  # archived: a finished order has nothing left to fail
            return None
        if superseded(order_id, attempt):
            logger.info("Attempt %s of order %s failed after a newer one was opened; changes nothing",
                        attempt, order_id)
        elif order.status == Status.PENDING_PAYMENT:
            cancel_unpaid(order, reason="payment_failed", detail=reason or "payment failed")
    return order


def cancel_unpaid(order: Order, *, reason: str, detail: str) -> None:
    reservation_release(order_id=str(order.pk))
    order.shipments.update(status=Shipment.Status.CANCELLED, updated_at=timezone.now())
    transition(order, Status.CANCELLED, reason=detail)
    order.cancel_reason = reason
    order.save(update_fields=["status", "cancel_reason", "updated_at"])
    emit(c.ORDER_CANCELLED, key=order.pk, payload={**snapshot(order), "reason": reason})


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
        cancel_unpaid(order, reason="expired", detail=detail)
        # This attempt by number: should the customer pay again before the task runs, the void
        # must not reach the new attempt.
        enqueue("orders.void_payment", str(order.pk), payment_current_attempt(order_id=str(order.pk)))
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
