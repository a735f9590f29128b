"""Readings of orders for /metrics (shop.metrics): orders by status, how late the payment-deadline
expiry runs, and what the last reconciliation left unresolved."""

from __future__ import annotations

from django.db.models import Count
from django.utils import timezone

from orders.models import Order, ReconciliationRun
from shop.metrics import gauge


@gauge("bazaar_orders_by_status", "Live (not archived) orders by status.", labels=["status"])
def orders_by_status() -> dict[tuple[str, ...], float]:
    counts = dict.fromkeys(Order.Status.values, 0)
    for row in Order.objects.values("status").annotate(n=Count("id")).order_by():
        counts[row["status"]] = row["n"]
    return {(status,): n for status, n in counts.items()}


@gauge("bazaar_order_expiry_lag_seconds",
       "How long past its payment deadline the most overdue unpaid order is (0 when none is): the expiry "
       "task and its sweep keep this near 0.")
def order_expiry_lag_seconds() -> float:
    now = timezone.now()
    deadline = (Order.objects.filter(status=Order.Status.PENDING_PAYMENT, expires_at__lt=now)
                .order_by("expires_at").values_list("expires_at", flat=True).first())
    return (now - deadline).total_seconds() if deadline else 0.0


@gauge("bazaar_reconciliation_unresolved_findings", "Findings the last reconciliation run could not repair.")
def reconciliation_unresolved_findings() -> float:
    last = ReconciliationRun.objects.filter(finished_at__isnull=False).order_by("-finished_at").first()
    return last.unresolved if last else 0


@gauge("bazaar_reconciliation_last_run_age_seconds",
       "Seconds since the last reconciliation run finished (-1 when none has run).")
def reconciliation_last_run_age_seconds() -> float:
    last = (ReconciliationRun.objects.filter(finished_at__isnull=False).order_by("-finished_at")
            .values_list("finished_at", flat=True).first())
    return (timezone.now() - last).total_seconds() if last else -1
