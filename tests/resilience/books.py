"""The books balanced: reconciliation finds nothing, and stock, reservations and orders agree.

Reconciliation judges nothing younger than its GRACE (a checkout may be between its steps); the
suite's orders are seconds old, so it is run as of GRACE + 1 minute from now. Orders still waiting
for their payment then are not past their expiry (the tests that keep orders pending give them
the default 5 minutes), so nothing is judged that a real hourly run would leave alone.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import timedelta

from django.utils import timezone

from events.models import OutboxEvent
from inventory.models import Allocation, Stock
from orders.models import Order, OrderLine
from orders.reconciliation import GRACE, reconcile
from payments.models import Payment

HOLDING = {Order.Status.PENDING_PAYMENT: Allocation.Status.HELD,
           Order.Status.PLACED: Allocation.Status.COMMITTED,
           Order.Status.CANCELLED: Allocation.Status.RELEASED}


def assert_books_balanced(*, on_hand_before: dict[int, int]) -> None:
    """`on_hand_before`: each stock row's units on hand before the test's orders (by stock id)."""
    run = reconcile(now=timezone.now() + GRACE + timedelta(minutes=1), repair=False)
    assert run.findings == [], f"reconciliation found: {run.findings}"

    orders = {str(o.pk): o for o in Order.objects.all()}
    reservations = list(Allocation.objects.all())
    by_order: dict[str, list[Allocation]] = defaultdict(list)
    for reservation in reservations:
        by_order[reservation.order_id].append(reservation)

    # No reservation without its order, and each in the state its order's status says.
    orphans = [r for r in reservations if r.order_id not in orders]
    assert not orphans, f"reservations without an order: {orphans}"
    for order_id, order in orders.items():
        wanted = HOLDING[order.status]
        states = {r.status for r in by_order[order_id]}
        assert states == {wanted}, f"{order} has reservations {states}, expected {wanted}"
        lines = Counter({line.item_id: line.quantity for line in OrderLine.objects.filter(order_id=order.pk)})
        held = Counter()
        for reservation in by_order[order_id]:
            held[reservation.item_id] += reservation.quantity
        assert held == lines, f"{order}: lines {dict(lines)} but reservations {dict(held)}"

    # Stock: reserved is what pending orders hold, on hand is what was there less what was sold.
    for stock in Stock.objects.all():
        mine = [r for r in reservations if r.stock_id == stock.pk]
        held = sum(r.quantity for r in mine if r.status == Allocation.Status.HELD)
        sold = sum(r.quantity for r in mine if r.status == Allocation.Status.COMMITTED)
        assert stock.reserved == held, f"{stock}: reserved {stock.reserved}, held by orders {held}"
        before = on_hand_before.get(stock.pk, stock.on_hand + sold)
        assert stock.on_hand == before - sold, f"{stock}: on hand {stock.on_hand}, expected {before} - {sold} sold"
        assert 0 <= stock.reserved <= stock.on_hand

    # Money and orders: a placed order's payment succeeded; a cancelled one kept no money.
    payments = {p.order_id: p for p in Payment.objects.all()}
    for order_id, order in orders.items():
        payment = payments.get(order_id)
        if order.status == Order.Status.PLACED:
            assert payment is not None and payment.status == Payment.Status.SUCCEEDED, f"{order}: {payment}"
        elif order.status == Order.Status.CANCELLED:
            assert payment is None or payment.status != Payment.Status.SUCCEEDED, f"{order}: {payment}"


def on_hand_now() -> dict[int, int]:
    return dict(Stock.objects.values_list("pk", "on_hand"))


def unpublished_events() -> list[OutboxEvent]:
    return list(OutboxEvent.objects.filter(published_at__isnull=True).order_by("id"))


def transitions(order_id) -> list[str]:
    return list(Order.objects.get(pk=order_id).timeline.order_by("id").values_list("to_status", flat=True))
