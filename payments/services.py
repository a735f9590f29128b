"""Writes of payments: open a payment (attempt), take in notifications, void, refund.

An order's payments are numbered attempts; the latest is the current one (`payment_current`).
Every function that takes just an order id acts on the current attempt; `attempt=` names another
(an earlier attempt that succeeded late, to refund it).

Gateway calls never happen inside a database transaction: a slow gateway must not hold locks.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass

from django.db import IntegrityError, transaction

from events.interface import emit
from payments.backends.base import GatewayError, InvalidNotification, Notification, PaymentGateway
from payments.models import Payment, PaymentNotification, Refund
from shop.backends import get_backend

logger = logging.getLogger(__name__)

# Where each status may move next; keyed by the plain status string a row holds.
FORWARD: dict[str, set[str]] = {
    Payment.Status.CREATED: {Payment.Status.SUCCEEDED, Payment.Status.FAILED, Payment.Status.VOIDED},
    Payment.Status.FAILED: {Payment.Status.SUCCEEDED},  # a retry at the gateway may still succeed
    Payment.Status.VOIDED: {Payment.Status.SUCCEEDED},  # the race: money taken as we voided
    Payment.Status.SUCCEEDED: {Payment.Status.REFUNDED},
    Payment.Status.REFUNDED: set(),
}


# Cash on delivery: a payment no gateway knows. It is opened with the order, and settled once the
# order's parcels are all delivered (or came back): succeeded for the cash collected, or voided when
# none was (docs/decisions/0034-cash-on-delivery.md).
COD = "cod"


def gateway() -> PaymentGateway:
    backend: PaymentGateway = get_backend("payments")
    return backend


@dataclass(frozen=True)
class PaymentInfo:
    payment_id: str
    order_id: str
    status: str
    amount_paise: int
    redirect_url: str
    attempt: int = 1


def payment_current(order_id: str) -> Payment | None:
    """The order's current payment: its latest attempt (None before the first is opened)."""
    return Payment.objects.filter(order_id=order_id).order_by("-attempt").first()


def _payment(order_id: str, attempt: int | None) -> Payment | None:
    if attempt is None:
        return payment_current(order_id)
    return Payment.objects.filter(order_id=order_id, attempt=attempt).first()


def payment_current_attempt(*, order_id: str) -> int | None:
    """The number of the order's current attempt; None when it has no payment yet."""
    return Payment.objects.filter(order_id=order_id).order_by("-attempt").values_list("attempt", flat=True).first()


def payment_attempt_new(*, order_id: str, amount_paise: int, currency: str) -> int:
    """Open the order's next payment attempt, on our side only (no gateway call), and return its
    number: from now on it is the current one, and earlier attempts are superseded.

    Meant to run inside the caller's transaction (the one that moves the order back to waiting
    for payment), under the caller's lock on the order, so the order and its current attempt
    change together; `payment_start` then opens it at the gateway after commit. The unique
    (order_id, attempt) stops two callers that did not hold such a lock from sharing a number.
    """
    latest = payment_current_attempt(order_id=order_id) or 0
    payment = Payment.objects.create(order_id=order_id, attempt=latest + 1, amount_paise=amount_paise,
                                     currency=currency, gateway=gateway().name)
    return payment.attempt  # orders.payment_retried.v1, in the same transaction, tells of it


def payment_start(*, order_id: str, amount_paise: int, currency: str, return_url: str) -> PaymentInfo:
    """Open (or reopen, idempotently) the order's current payment attempt at the gateway and say
    where the customer pays; the first attempt is created here."""
    payment = payment_current(order_id)
    if payment is None:
        try:
            with transaction.atomic():
                payment = Payment.objects.create(order_id=order_id, attempt=1, amount_paise=amount_paise,
                                                 currency=currency, gateway=gateway().name)
        except IntegrityError:  # a concurrent start of the same order created it first
            payment = payment_current(order_id)
            if payment is None:
                raise
    start = gateway().start(payment_id=str(payment.id), order_id=order_id, amount_paise=payment.amount_paise,
                            currency=payment.currency, return_url=return_url)
    if payment.gateway_ref != start.gateway_ref:
        Payment.objects.filter(pk=payment.pk).update(gateway_ref=start.gateway_ref)
    return PaymentInfo(str(payment.id), order_id, payment.status, payment.amount_paise, start.redirect_url,
                       payment.attempt)


def payment_cod_open(*, order_id: str, amount_paise: int, currency: str) -> PaymentInfo:
    """Record the order's cash-on-delivery payment (created: nothing collected yet). Idempotent; no
    gateway call, so it may run inside the order's transaction."""
    payment, _ = Payment.objects.get_or_create(
        order_id=order_id, gateway=COD, defaults={"amount_paise": amount_paise, "currency": currency})
    return PaymentInfo(str(payment.id), order_id, payment.status, payment.amount_paise, "")


def payment_cod_settle(*, order_id: str, collected_paise: int) -> str | None:
    """Every parcel of a cash-on-delivery order is delivered (its cash collected) or back: the
    payment succeeds for the cash collected (its amount becomes that, less than the order's total
    when a parcel was refused or cancelled), or is voided when none was. Idempotent: a settled
    payment is left as it is. Returns its status; None when the order has no COD payment."""
    with transaction.atomic():
        payment = Payment.objects.select_for_update().filter(order_id=order_id, gateway=COD).first()
        if payment is None or payment.status != Payment.Status.CREATED:
            return payment.status if payment else None
        if collected_paise > 0:
            payment.status, payment.amount_paise = Payment.Status.SUCCEEDED, collected_paise
            payment.save(update_fields=["status", "amount_paise", "updated_at"])
            _emit_outcome(payment, final=True)
        else:
            payment.status = Payment.Status.VOIDED
            payment.save(update_fields=["status", "updated_at"])
            emit("payments.payment_voided.v1", key=order_id, payload={"payment_id": str(payment.pk),
                                                                      "order_id": order_id})
    return payment.status


def notification_receive(*, gateway_name: str, body: bytes, headers: Mapping[str, str]) -> PaymentNotification | None:
    """Verify a gateway's notification and apply it once. A forged one raises InvalidNotification.

    Duplicates (same gateway event id) return None and change nothing; a notification that
    would move the payment backwards (failed after succeeded) is recorded but not applied.
    """
    port = gateway()
    if port.name != gateway_name:
        raise InvalidNotification(f"This shop does not take {gateway_name} notifications.")
    notification = port.parse_notification(body=body, headers=headers)
    return _apply(notification, gateway_name=gateway_name)


@transaction.atomic
def _apply(notification: Notification, *, gateway_name: str) -> PaymentNotification | None:
    payment = Payment.objects.select_for_update().filter(gateway=gateway_name,
                                                         gateway_ref=notification.gateway_ref).first()
    try:
        with transaction.atomic():
            record = PaymentNotification.objects.create(
                gateway=gateway_name, gateway_event_id=notification.gateway_event_id, payment=payment,
                outcome=notification.outcome, payload=notification.payload)
    except IntegrityError:
        logger.info("Duplicate notification %s ignored", notification.gateway_event_id)
        return None
    if payment is None:
        logger.warning("Notification %s for unknown payment %s", notification.gateway_event_id,
                       notification.gateway_ref)
        return record
    target = {"succeeded": Payment.Status.SUCCEEDED, "failed": Payment.Status.FAILED}.get(notification.outcome)
    if target is None or target not in FORWARD[payment.status]:
        logger.info("Notification %s (%s) does not move payment %s from %s", notification.gateway_event_id,
                    notification.outcome, payment.pk, payment.status)
        return record
    payment.status = target
    payment.failure_reason = notification.reason[:255] if target == Payment.Status.FAILED else ""
    payment.save(update_fields=["status", "failure_reason", "updated_at"])
    record.applied = True
    record.save(update_fields=["applied"])
    _emit_outcome(payment, final=gateway().failure_is_final if target == Payment.Status.FAILED else True)
    return record


def _emit_outcome(payment: Payment, *, final: bool) -> None:
    # `final` False: the gateway lets the customer try another card on the same payment
    # (Stripe), so a decline alone must not cancel the order; expiry still bounds the wait.
    # `attempt`: orders tells the current attempt from an earlier one (a late success: refunded).
    emit(f"payments.payment_{payment.status}.v1", key=payment.order_id,
         payload={"payment_id": str(payment.pk), "order_id": payment.order_id, "attempt": payment.attempt,
                  "amount_paise": payment.amount_paise, "reason": payment.failure_reason, "final": final})


def payment_void(*, order_id: str, attempt: int | None = None) -> bool:
    """The order expired (or was paid again, `attempt` the superseded one): cancel its payment at
    the gateway, if it has not succeeded.

    A gateway quietly keeps a payment that succeeded just before the void. So after voiding we
    read the gateway's own record: money taken there is applied as a (late) success, never
    marked voided, and the orders' late-payment policy decides what happens next.
    """
    payment = _payment(order_id, attempt)
    if payment is None or payment.status not in {Payment.Status.CREATED, Payment.Status.FAILED}:
        return False
    if payment.gateway_ref:
        gateway().void(gateway_ref=payment.gateway_ref)  # outside any transaction
        if payment_sync_from_gateway(order_id=order_id, attempt=payment.attempt) == Payment.Status.SUCCEEDED:
            return False
    if payment.status == Payment.Status.FAILED:
        return False
    with transaction.atomic():
        moved = Payment.objects.filter(pk=payment.pk, status=Payment.Status.CREATED).update(
            status=Payment.Status.VOIDED)
        if moved:
            emit("payments.payment_voided.v1", key=order_id, payload={"payment_id": str(payment.pk),
                                                                      "order_id": order_id,
                                                                      "attempt": payment.attempt})
    return bool(moved)


def payment_sync_from_gateway(*, order_id: str, attempt: int | None = None) -> str | None:
    """Apply a success the gateway has and we don't (its notification was lost, or still waits in a
    queue) to the current attempt (or `attempt`). Returns our status afterwards; None when it has no
    payment opened at the gateway.

    A payment we already know succeeded (or refunded) is not asked about again. Raises GatewayError
    when the gateway cannot be asked: the caller decides whether to wait or go on without it.
    """
    payment = _payment(order_id, attempt)
    if payment is None or not payment.gateway_ref:
        return None
    if payment.status in {Payment.Status.SUCCEEDED, Payment.Status.REFUNDED}:
        return payment.status
    theirs = gateway().status(gateway_ref=payment.gateway_ref)  # outside any transaction
    if theirs != Payment.Status.SUCCEEDED:
        return payment.status
    with transaction.atomic():
        payment = Payment.objects.select_for_update().get(pk=payment.pk)
        if Payment.Status.SUCCEEDED in FORWARD[payment.status]:
            payment.status = Payment.Status.SUCCEEDED
            payment.failure_reason = ""
            payment.save(update_fields=["status", "failure_reason", "updated_at"])
            logger.warning("Payment %s succeeded at the gateway without a notification; applied", payment.pk)
            _emit_outcome(payment, final=True)
    return payment.status


def payment_refund(*, order_id: str, reason: str, amount_paise: int | None = None, key: str = "",
                   attempt: int | None = None) -> bool:
    """Give money back for the order's succeeded payment (the current attempt, or `attempt`: an
    earlier one that succeeded late): `amount_paise` of it (a cancelled shipment, a return), or all
    that is left. Idempotent per `key` (default: the whole payment's refund): a second call with the
    same key refunds nothing. The payment is refunded once all of it is."""
    payment = _payment(order_id, attempt)
    if payment is None or payment.status != Payment.Status.SUCCEEDED:
        return False
    if payment.gateway == COD:
        # Cash has no gateway to give it back through; a payout (bank transfer, UPI) is not built.
        logger.error("Refund of %s paise for cash-on-delivery order %s (%s) needs a payout by hand",
                     amount_paise, order_id, reason)
        return False
    key = key or f"refund-{payment.pk}"
    if Refund.objects.filter(key=key).exists():
        return False
    left = payment.amount_paise - payment.refunded_paise
    amount = left if amount_paise is None else min(amount_paise, left)
    if amount <= 0:
        return False
    gateway().refund(gateway_ref=payment.gateway_ref, amount_paise=amount, idempotency_key=key)
    with transaction.atomic():
        payment = Payment.objects.select_for_update().get(pk=payment.pk)
        if Refund.objects.filter(key=key).exists():
            return False
        Refund.objects.create(payment=payment, key=key, amount_paise=amount, reason=reason[:200])
        payment.refunded_paise += amount
        if payment.refunded_paise == payment.amount_paise:
            payment.status = Payment.Status.REFUNDED
        payment.save(update_fields=["refunded_paise", "status", "updated_at"])
        emit("payments.payment_refunded.v1", key=order_id,
             payload={"payment_id": str(payment.pk), "order_id": order_id, "attempt": payment.attempt,
                      "amount_paise": amount,
                      "refunded_paise": payment.refunded_paise, "whole": payment.status == Payment.Status.REFUNDED,
                      "key": key, "reason": reason})
    return True


def payment_gateway_status(*, order_id: str, unreachable_raises: bool = False) -> tuple[str | None, str | None]:
    """(our status, the gateway's status) of the order's current attempt, for reconciliation; None
    where there is none.

    An unreachable gateway reads as None too, unless `unreachable_raises`: then GatewayError, so a
    caller can tell "the gateway has no payment" from "the gateway did not answer".
    """
    payment = payment_current(order_id)
    if payment is None:
        return None, None
    if not payment.gateway_ref:
        return payment.status, None
    try:
        return payment.status, gateway().status(gateway_ref=payment.gateway_ref)
    except GatewayError:
        if unreachable_raises:
            raise
        return payment.status, None
