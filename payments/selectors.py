from collections.abc import Iterable
from datetime import datetime

from django.db.models import OuterRef, Subquery

from payments.models import Payment, Refund


def payment_for_order(*, order_id: str) -> Payment | None:
    """The order's current payment: its latest attempt."""
    return Payment.objects.filter(order_id=order_id).order_by("-attempt").first()


def payment_statuses(*, order_ids: Iterable[str]) -> dict[str, str]:
    """Our status of each order's current payment (its latest attempt); orders without a payment
    are absent."""
    ids = list(order_ids)
    latest = Payment.objects.filter(order_id=OuterRef("order_id")).order_by("-attempt").values("attempt")[:1]
    return dict(Payment.objects.filter(order_id__in=ids, attempt=Subquery(latest))
                .values_list("order_id", "status"))


def payment_attempts_superseded_paid(*, changed_before: datetime | None = None) -> list[tuple[str, int]]:
    """(order id, attempt) of every earlier attempt that succeeded and is not yet refunded: money
    taken for an attempt the order no longer waits on (a late payment, to be refunded). Optionally
    only those whose last change is older than `changed_before` (a refund may be on its way)."""
    rows = Payment.objects.filter(status=Payment.Status.SUCCEEDED)
    if changed_before is not None:
        rows = rows.filter(updated_at__lt=changed_before)
    latest = Payment.objects.filter(order_id=OuterRef("order_id")).order_by("-attempt").values("attempt")[:1]
    return list(rows.filter(attempt__lt=Subquery(latest)).order_by("order_id", "attempt")
                .values_list("order_id", "attempt"))


def refund_keys_made(*, keys: Iterable[str]) -> set[str]:
    """Which of these refund keys have been refunded (payments.Refund, once per key)."""
    wanted = list(keys)
    return set(Refund.objects.filter(key__in=wanted).values_list("key", flat=True)) if wanted else set()
