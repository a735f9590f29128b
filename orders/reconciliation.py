"""Reconciliation: orders, reservations, stock and payments must tell one story.

Each check compares two records that should agree; a difference that has one safe answer is
repaired through the same idempotent service a live flow would have used, the rest is reported
for a person. It runs hourly (Celery) and on demand (`manage.py reconcile`).

Cash-on-delivery orders have no money at any gateway: the gateway checks pass them by, and
`_cash_on_delivery` checks their own story instead (decision 0034).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from inventory.interface import (
    held_reservations_by_order,
    reservation_commit,
    reservation_release,
    reservation_statuses,
    stock_reserved_drift,
    stock_reserved_repair,
)
from orders.models import Order, ReconciliationRun, ReturnRequest, Shipment
from orders.services import order_expire, order_mark_paid
from orders.services.cash_on_delivery import cod_cash_waiting, cod_settle_if_done
from orders.services.common import shipment_value
from payments.interface import (
    GatewayError,
    payment_attempts_superseded_paid,
    payment_gateway_status,
    payment_statuses,
    payment_sync_from_gateway,
    refund_keys_made,
)
from shop.queue import enqueue

logger = logging.getLogger(__name__)
Status = Order.Status
ONLINE, COD = Order.PaymentMethod.ONLINE, Order.PaymentMethod.COD
# Nothing younger than this is judged: a checkout may be between its steps.
GRACE = timedelta(minutes=2)
# Cancelled orders whose payment we re-check at the gateway (one call each): the recent ones.
GATEWAY_LOOKBACK = timedelta(days=2)


@dataclass(frozen=True)
class Finding:
    check: str
    subject: str
    detail: str
    repaired: bool


def reconcile(*, now: datetime | None = None, repair: bool = True) -> ReconciliationRun:
    now = now or timezone.now()
    run = ReconciliationRun.objects.create()
    findings: list[Finding] = []
    findings += _reservations_against_orders(now, repair)
    findings += _orders_against_payments(now, repair)
    findings += _placed_orders_against_reservations(now)
    findings += _cash_on_delivery(now, repair)
    findings += _refunds_owed(now, repair)
    findings += _stock_against_reservations(repair)
    run.findings = [asdict(f) for f in findings]
    run.repaired = sum(f.repaired for f in findings)
    run.unresolved = sum(not f.repaired for f in findings)
    run.finished_at = timezone.now()
    run.save()
    if run.unresolved:
        logger.warning("Reconciliation left %s findings unresolved", run.unresolved)
    return run


def _reservations_against_orders(now: datetime, repair: bool) -> list[Finding]:
    """Held stock must belong to an order that is still waiting for its payment."""
    findings = []
    held = held_reservations_by_order(created_before=now - GRACE)
    for order_id, reservations in held.items():
        units = sum(r.quantity for r in reservations)
        # The order is locked and read again before its stock is touched: since the read above it
        # may have been paid, or paid again (a retry holds stock anew under this same lock).
        with transaction.atomic():
            order = (Order.objects.select_for_update().filter(pk=order_id).first() if _is_uuid(order_id)
                     else None)
            if order is None:
                fixed = bool(repair and reservation_release(order_id=order_id))
                findings.append(Finding("reservation_without_order", order_id,
                                        f"{units} units held for an order that does not exist; released", fixed))
            elif order.status == Status.CANCELLED:
                fixed = bool(repair and reservation_release(order_id=order_id))
                findings.append(Finding("reservation_of_cancelled_order", order_id,
                                        f"{units} units still held for a cancelled order; released", fixed))
            elif order.status != Status.PENDING_PAYMENT:
                fixed = bool(repair and reservation_commit(order_id=order_id))
                findings.append(Finding("reservation_of_paid_order", order_id,
                                        f"{units} units held, not committed, for a {order.status} order; "
                                        "committed", fixed))
    return findings


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


class _Gateway:
    """Asks the gateway for one reconciliation run; after the first failure it stops asking (one
    timeout per run, not one per order) and counts what it could not check."""

    def __init__(self) -> None:
        self.down = False
        self.unchecked = 0

    def ask(self, call: Callable[..., Any], **kwargs: Any) -> Any:
        """`call(**kwargs)`, or None when the gateway is (or just went) unreachable."""
        if not self.down:
            try:
                return call(**kwargs)
            except GatewayError:
                logger.warning("Reconciliation: the payment gateway did not answer", exc_info=True)
                self.down = True
        self.unchecked += 1
        return None

    def findings(self) -> list[Finding]:
        if not self.unchecked:
            return []
        return [Finding("gateway_unreachable", "payment gateway",
                        f"{self.unchecked} orders could not be checked against the gateway; the next run will",
                        False)]


PAID = [Status.PLACED, Status.PACKED, Status.IN_TRANSIT, Status.DELIVERED]
MOVING = [Status.PLACED, Status.PACKED, Status.IN_TRANSIT]


def _orders_against_payments(now: datetime, repair: bool) -> list[Finding]:
    findings = []
    gateway = _Gateway()
    stale = list(Order.objects.filter(status=Status.PENDING_PAYMENT, expires_at__lt=now - GRACE))
    ours = payment_statuses(order_ids=[str(o.pk) for o in stale])
    for order in stale:
        order_id = str(order.pk)
        theirs: str | None = "not asked"
        if ours.get(order_id) != "succeeded":
            asked = gateway.ask(payment_gateway_status, order_id=order_id, unreachable_raises=True)
            if asked is None:
                continue  # unknown: neither placed nor cancelled on a guess
            theirs = asked[1]
        if ours.get(order_id) == "succeeded" or theirs == "succeeded":
            # Money the gateway took and we did not record (a lost notification) is recorded first.
            fixed = repair and (ours.get(order_id) == "succeeded"
                                or gateway.ask(payment_sync_from_gateway, order_id=order_id) == "succeeded")
            if fixed:
                order_mark_paid(order_id=order_id)
            findings.append(Finding("paid_order_still_pending", order_id,
                                    f"payment succeeded (ours: {ours.get(order_id)}, gateway: {theirs}) but the order "
                                    "was still pending; the payment outcome was applied", fixed))
        else:
            try:
                fixed = bool(repair and order_expire(order_id=order_id, now=now))
            except GatewayError:
                fixed = False
            findings.append(Finding("pending_order_past_expiry", order_id,
                                    "expiry was missed; expired now, stock released", fixed))

    recently_cancelled = Order.objects.filter(status=Status.CANCELLED, payment_method=ONLINE,
                                              updated_at__lt=now - GRACE, updated_at__gte=now - GATEWAY_LOOKBACK)
    statuses = payment_statuses(order_ids=[str(pk) for pk in recently_cancelled.values_list("pk", flat=True)])
    for order_id, status in statuses.items():
        if status in {"created", "voided", "failed"}:
            # Money the gateway took while we recorded none (a lost notification, a void too late).
            if repair:
                status = gateway.ask(payment_sync_from_gateway, order_id=order_id) or status
            else:
                asked = gateway.ask(payment_gateway_status, order_id=order_id, unreachable_raises=True)
                status = "succeeded" if asked and asked[1] == "succeeded" else status
        elif status == "refunded":
            # We recorded the refund: the gateway must have given the money back too.
            asked = gateway.ask(payment_gateway_status, order_id=order_id, unreachable_raises=True)
            if asked and asked[1] == "succeeded":
                findings.append(Finding("refund_not_taken_at_gateway", order_id,
                                        "the order is cancelled and our payment refunded, but the gateway still "
                                        "holds the money", False))
            continue
        if status == "succeeded":
            if repair:
                order_mark_paid(order_id=order_id)  # applies the late-payment policy: honour or refund
            findings.append(Finding("cancelled_order_with_money_taken", order_id,
                                    "a succeeded payment on a cancelled order; late-payment policy applied", repair))

    placed = Order.objects.filter(status__in=PAID, payment_method=ONLINE)
    placed_statuses = payment_statuses(order_ids=[str(pk) for pk in placed.values_list("pk", flat=True)])
    for placed_id in placed.values_list("pk", flat=True):
        placed_status = placed_statuses.get(str(placed_id))
        if placed_status not in {"succeeded", "refunded"}:
            findings.append(Finding("placed_order_without_payment", str(placed_id),
                                    f"the order is placed but its payment is {placed_status or 'missing'}", False))
    findings += _placed_orders_against_gateway(now, gateway, placed_statuses)
    findings += _superseded_attempts_paid(now, repair)
    return findings + gateway.findings()


def _refunds_owed(now: datetime, repair: bool) -> list[Finding]:
    """Money owed back on a prepaid order for a package cancelled after payment, a parcel back
    undelivered, or a received return: each has its refund key. One still missing after GRACE
    (its task lost, or given up) is sent again, under the same key, so it is never paid twice; an
    order whose payment is refunded whole owes nothing more."""
    cutoff = now - GRACE
    paid = Shipment.objects.filter(order__payment_method=ONLINE, order__placed_at__isnull=False, updated_at__lt=cutoff)
    owed: list[tuple[str, str, int, str]] = []  # order id, refund key, paise, why
    for shipment in paid.filter(status=Shipment.Status.CANCELLED).prefetch_related("lines__line"):
        owed.append((str(shipment.order_id), f"cancel-shipment-{shipment.pk}", shipment_value(shipment),
                     f"shipment {shipment.pk} cancelled"))
    for shipment in paid.filter(status=Shipment.Status.RETURNED, delivered_at__isnull=True).prefetch_related(
            "lines__line"):
        owed.append((str(shipment.order_id), f"delivery-failed-{shipment.pk}", shipment_value(shipment),
                     f"shipment {shipment.pk} came back undelivered"))
    for ret in ReturnRequest.objects.filter(status=ReturnRequest.Status.RECEIVED, order__payment_method=ONLINE,
                                            updated_at__lt=cutoff):
        owed.append((str(ret.order_id), f"return-{ret.pk}", ret.refund_paise, f"return {ret.pk}"))
    made = refund_keys_made(keys=[key for _, key, _, _ in owed])
    statuses = payment_statuses(order_ids={order_id for order_id, _, _, _ in owed})
    findings = []
    for order_id, key, amount, reason in owed:
        if key in made or amount <= 0 or statuses.get(order_id) != "succeeded":
            continue
        if repair:
            enqueue("orders.refund_payment", order_id, reason, amount, key)
        findings.append(Finding("refund_owed_not_made", order_id,
                                f"{reason}: {amount} paise owed back (refund {key}) and not refunded; refund started",
                                repair))
    return findings


def _superseded_attempts_paid(now: datetime, repair: bool) -> list[Finding]:
    """An order's payment checks above read its current attempt. Money an earlier attempt took (the
    customer paid again after it) is a late payment whose refund should be under way; one still
    not refunded after GRACE lost its event or task, and is refunded now through the same service."""
    findings = []
    for order_id, attempt in payment_attempts_superseded_paid(changed_before=now - GRACE):
        if repair:
            order_mark_paid(order_id=order_id, attempt=attempt)  # refunds it, also for an archived order
        findings.append(Finding("superseded_attempt_paid", order_id,
                                f"payment attempt {attempt} succeeded after a newer attempt was opened and is not "
                                "refunded; refund started", repair))
    return findings


def _placed_orders_against_gateway(now: datetime, gateway: _Gateway, ours: dict[str, str]) -> list[Finding]:
    """Every order placed within GATEWAY_LOOKBACK has its money at the gateway: the gateway's own
    record says succeeded. Our record alone is not proof (a misapplied notification, a refund made
    in the gateway's dashboard). Orders whose own record already disagrees are reported above as
    placed_order_without_payment, once. Nobody repairs this by machine: a person decides whether to
    ship, ask the customer, or cancel."""
    findings = []
    placed = (Order.objects.filter(status__in=PAID, payment_method=ONLINE, placed_at__gte=now - GATEWAY_LOOKBACK,
                                   placed_at__lt=now - GRACE)
              .order_by("placed_at").values_list("pk", "status"))
    for pk, status in placed:
        order_id = str(pk)
        if ours.get(order_id) != "succeeded":
            continue
        asked = gateway.ask(payment_gateway_status, order_id=order_id, unreachable_raises=True)
        if asked is None:
            continue
        theirs = asked[1]
        if theirs == "succeeded":
            continue
        if theirs == "refunded":
            findings.append(Finding("placed_order_refunded_at_gateway", order_id,
                                    f"the order is {status} and our payment succeeded, but the gateway refunded it",
                                    False))
        else:
            findings.append(Finding("placed_order_not_paid_at_gateway", order_id,
                                    f"the order is {status} and our payment succeeded, but the gateway's payment is "
                                    f"{theirs or 'missing'}", False))
    return findings


def _placed_orders_against_reservations(now: datetime) -> list[Finding]:
    placed_ids = [str(pk) for pk in Order.objects.filter(
        status__in=[Status.PLACED, Status.PACKED, Status.IN_TRANSIT], updated_at__lt=now - GRACE,
    ).values_list("pk", flat=True)]
    findings = []
    for order_id, statuses in reservation_statuses(order_ids=placed_ids).items():
        # Committed, besides any restocked (a package cancelled) or released (an earlier allocation
        # of an order honoured after a late payment); never still held.
        if "committed" not in statuses or "held" in statuses:
            findings.append(Finding("placed_order_stock_not_committed", order_id,
                                    f"allocations are {sorted(statuses) or 'missing'}, expected committed", False))
    return findings


def _stock_against_reservations(repair: bool) -> list[Finding]:
    findings = []
    for drift in stock_reserved_drift():
        fixed = bool(repair and stock_reserved_repair(stock_id=drift.stock_id))
        findings.append(Finding("stock_reserved_drift", f"stock {drift.stock_id}",
                                f"item {drift.item_id} at warehouse {drift.warehouse_id}: reserved {drift.reserved}, "
                                f"held reservations {drift.held}", fixed))
    return findings


def _cash_on_delivery(now: datetime, repair: bool) -> list[Finding]:
    """A COD order's payment is ours alone: created while its parcels are on their way, settled
    (succeeded for the cash collected, voided when none was) once none is. It is never refunded:
    what is cancelled or comes back undelivered was never paid. Reported: a COD order without its
    payment, a delivered parcel whose cash is not recorded after COD_COLLECTION_DAYS. Repaired: a
    finished order whose payment was left unsettled."""
    findings = []
    cod_orders = Order.objects.filter(payment_method=COD, placed_at__isnull=False, updated_at__lt=now - GRACE)
    statuses = payment_statuses(order_ids=[str(pk) for pk in cod_orders.values_list("pk", flat=True)])
    for cod_id, cod_status in cod_orders.values_list("pk", "status"):
        ours = statuses.get(str(cod_id))
        if ours is None or ours in {"failed", "refunded"} or (ours == "voided" and cod_status in PAID):
            findings.append(Finding("cod_order_payment_wrong", str(cod_id),
                                    f"a {cod_status} cash-on-delivery order whose payment is {ours or 'missing'}",
                                    False))
    late = now - timedelta(days=settings.COD_COLLECTION_DAYS)
    for shipment_id, shipped_order_id, delivered_at, due in (
            Shipment.objects.filter(order__payment_method=COD, delivered_at__lt=late, cash_collected_paise__isnull=True)
            .order_by("delivered_at").values_list("pk", "order_id", "delivered_at", "cash_due_paise")):
        findings.append(Finding("cod_cash_not_collected", str(shipped_order_id),
                                f"shipment {shipment_id} was delivered on {delivered_at:%d %b %Y} but its cash "
                                f"({due} paise) is not recorded; ask the seller and the courier", False))
    finished = [str(pk) for pk, status in cod_orders.values_list("pk", "status")
                if statuses.get(str(pk)) == "created" and status not in MOVING]
    for order_id in finished:
        with transaction.atomic():
            order = Order.objects.select_for_update().get(pk=order_id)
            if cod_cash_waiting(order):
                continue  # delivered, its cash not recorded yet: reported above once it is late
            settled = cod_settle_if_done(order) if repair else None
        findings.append(Finding("cod_payment_not_settled", order_id,
                                f"the order is {order.status} and no cash is still to come, but its payment was "
                                f"still open; settled: {settled or 'no'}", settled is not None))
    return findings
