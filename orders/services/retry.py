"""Paying again: an order cancelled because its payment failed or expired goes back to waiting for
payment, its stock allocated afresh, with a new payment attempt (docs/decisions/0033).

The same order, not a copy: its number, lines and prices stay; only its allocation, shipments,
expiry and payment attempt are new. Payments keeps the attempts (1, 2, …; the latest is the
current one). The new attempt is opened on our side in the transaction that reopens the order,
under the order's lock, so "the order waits on attempt n" is always true of both apps at once; an
earlier attempt that succeeds after that is a late payment and refunded (orders.services.payment).
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from catalog.interface import items_get
from events.interface import emit
from inventory.interface import AllocationPlan, LineRequest, allocation_plan, stock_reserve
from orders import contracts as c
from orders.backends.base import ArchivedOrder
from orders.models import Order
from orders.services.archival import MIN_ARCHIVE_AGE
from orders.services.common import OrderError, OrderNotFound, Status, snapshot, transition
from orders.services.placing import (
    ItemsUnavailable,
    _part_key,
    _with_deadlock_retry,
    order_payment_open,
    schedule_expiry,
    shipments_replace,
)
from payments.interface import payment_attempt_new, payment_current_attempt, payment_statuses
from shop.queue import enqueue

logger = logging.getLogger(__name__)

RETRYABLE_CANCEL_REASONS = ("payment_failed", "expired")
# A cancelled order may be archived once MIN_ARCHIVE_AGE has passed since its last change, and
# reconciliation re-checks its payment at the gateway for two days: a retry stays well inside both,
# whatever ORDER_RETRY_WINDOW_SECONDS says.
RETRY_MAX_AGE = MIN_ARCHIVE_AGE - timedelta(days=1)


class RetryNotAllowed(OrderError):
    """The order can't be paid again: not cancelled for a failed or expired payment, paid (or
    being refunded) after all, or cancelled too long ago. `str()` is for the customer."""


def retry_window() -> timedelta:
    """How long after its cancellation an order may be paid again: ORDER_RETRY_WINDOW_SECONDS (a
    day by default), never more than RETRY_MAX_AGE."""
    return min(timedelta(seconds=getattr(settings, "ORDER_RETRY_WINDOW_SECONDS", 86400)), RETRY_MAX_AGE)


def payment_retry_refusal(order: Order | ArchivedOrder, *, now: datetime | None = None) -> str:
    """Why the order can't be paid again ("" when it can, as far as the order itself says: stock
    and the payment's own state are checked by order_payment_retry). No query."""
    if isinstance(order, ArchivedOrder):
        return f"Order {order.reference} is finished; use Buy again to order its items afresh."
    if order.status != Status.CANCELLED or order.cancel_reason not in RETRYABLE_CANCEL_REASONS \
            or order.placed_at is not None:
        reason = f": {order.cancel_reason_text}" if order.status == Status.CANCELLED else ""
        return f"Order {order.reference} can't be paid again: it is {order.get_status_display()}{reason}."
    if (now or timezone.now()) - order.updated_at > retry_window():
        return (f"Order {order.reference} was cancelled too long ago to pay for it again; "
                "use Buy again to order its items afresh.")
    return ""


def order_payment_retry(*, order_id: object, user_id: int, now: datetime | None = None) -> Order:
    """Pay again for the customer's order cancelled for a failed or expired payment: allocate its
    stock again (as placing does), move it back to waiting for payment with a new expiry, and open
    a new payment attempt at the gateway. Returns the order (its `payment_url` the new attempt's
    page; empty if the gateway did not answer: the order page's Pay button, or a repeat, opens it).

    Idempotent: once the order waits for payment again, a repeat (a double click) returns it with
    the same attempt. Raises OrderNotFound (not the customer's live order), RetryNotAllowed,
    ItemsUnavailable, and inventory's InsufficientStock or NotDeliverable when the stock is gone;
    then nothing changed.
    """
    now = now or timezone.now()
    try:
        order = Order.objects.filter(pk=uuid.UUID(str(order_id)), user_id=user_id).first()
    except ValueError:  # not an order id at all
        order = None
    if order is None:
        raise OrderNotFound(f"No order {order_id}.")
    if order.status != Status.PENDING_PAYMENT:
        refusal = payment_retry_refusal(order, now=now)
        if refusal:
            raise RetryNotAllowed(refusal)
        lines = list(order.lines.all())
        items = items_get([line.item_id for line in lines])
        gone = [line.item_id for line in lines if line.item_id not in items or items[line.item_id].status != "active"]
        if gone:
            raise ItemsUnavailable(gone)
        # Planned from the stock as read, before the transaction, as placing does: raises (and
        # changes nothing) when it can't be had; the stock is taken last, under the order's lock.
        plan = allocation_plan(lines=[LineRequest(line.item_id, line.quantity) for line in lines],
                               pin_code=order.pin_code, now=now)
        order_pk = order.pk
        order = _with_deadlock_retry(lambda: _reopen(order_pk, plan=plan, now=now))
    return order_payment_open(order=order)


def _reopen(order_id: uuid.UUID, *, plan: AllocationPlan, now: datetime) -> Order:
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order_id)
        if order.status == Status.PENDING_PAYMENT:
            return order  # a double click that waited on the lock: the first one reopened it
        refusal = payment_retry_refusal(order, now=now)
        if refusal:
            raise RetryNotAllowed(refusal)
        # The earlier attempt's success may be recorded while its event is still on its way to
        # order_mark_paid: then the order is about to be placed (or refunded), not paid again.
        if payment_statuses(order_ids=[str(order.pk)]).get(str(order.pk)) in {"succeeded", "refunded"}:
            raise RetryNotAllowed(f"Your earlier payment for order {order.reference} went through; "
                                  "we're confirming the order.")
        previous = payment_current_attempt(order_id=str(order.pk))
        was = order.cancel_reason
        shipments_replace(order, plan.parts)
        transition(order, Status.PENDING_PAYMENT, reason=f"paying again (was {was})")
        order.cancel_reason = ""
        order.payment_url = ""
        order.expires_at = now + timedelta(seconds=settings.ORDER_EXPIRY_SECONDS)
        order.save(update_fields=["status", "cancel_reason", "payment_url", "expires_at", "updated_at"])
        attempt = payment_attempt_new(order_id=str(order.pk), amount_paise=order.total_paise, currency=order.currency)
        emit(c.PAYMENT_RETRIED, key=order.pk,
             payload={**snapshot(order), "attempt": attempt, "previous_attempt": previous, "was": was,
                      "expires_at": order.expires_at.isoformat()})
        if previous is not None:
            # Close the earlier attempt at the gateway: it can no longer take money by mistake
            # (the void reads the gateway back, so money taken meanwhile is a late payment).
            enqueue("orders.void_payment", str(order.pk), previous)
        # Last: the guarded UPDATEs on the hot stock rows, right before COMMIT.
        taken = stock_reserve(order_id=str(order.pk), plan=plan)
        if sorted(taken, key=_part_key) != sorted(plan.parts, key=_part_key):
            shipments_replace(order, taken)  # another order took the planned units first
        schedule_expiry(order)
    logger.info("Order %s waits for payment again (attempt %s)", order.pk, attempt)
    return order
