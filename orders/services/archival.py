"""Archival: finished orders leave the live tables for the archive store."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from events.interface import emit
from inventory.interface import reservation_statuses
from orders import contracts as c
from orders.models import Order
from orders.selectors import orders_version_forget
from orders.services.common import Status
from payments.interface import payment_statuses
from shop.backends import get_backend

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
            emit(c.ORDER_ARCHIVED, key=order_id,
                 payload={"order_id": str(order_id), "user_id": order.user_id, "status": order.status})
        moved += 1
    return moved
