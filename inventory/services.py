"""Writes of inventory: set stock (audited), reserve for an order, commit, release.

Reservation is the one place where overselling could happen, so it never reads-then-writes:
every change to `reserved` is a conditional UPDATE that the database applies only if the units
are still there, and the CheckConstraints on Stock refuse anything that slips past.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from events.interface import emit
from inventory.models import Reservation, Stock, StockAdjustment
from logistics.interface import delivery_estimates


@dataclass(frozen=True)
class LineRequest:
    item_id: int
    quantity: int


@dataclass(frozen=True)
class ReservedLine:
    item_id: int
    warehouse_id: int
    quantity: int
    delivery_date: object | None  # datetime.date; None when re-read without a PIN


class InventoryError(Exception):
    pass


class InsufficientStock(InventoryError):
    """Some lines can't be had: `short` maps item id to the most one warehouse can give now."""

    def __init__(self, short: dict[int, int]):
        self.short = short
        items = ", ".join(f"item {i} ({n} available)" for i, n in sorted(short.items()))
        super().__init__(f"Not enough stock for {items}.")


class NotDeliverable(InventoryError):
    def __init__(self, item_ids: list[int], pin_code: str):
        self.item_ids, self.pin_code = item_ids, pin_code
        super().__init__(f"Items {sorted(item_ids)} can't be delivered to {pin_code}.")


class StockBelowReserved(InventoryError):
    def __init__(self, reserved: int):
        self.reserved = reserved
        super().__init__(f"{reserved} units are reserved for open orders; on hand can't go below that.")


def _stock_changed(item_id: int, *, reason: str) -> None:
    # Consumers (search) re-read availability when they handle it, so the payload stays small
    # and a late or duplicate delivery can't apply an old number.
    emit("inventory.stock_changed.v1", key=item_id, payload={"item_id": item_id, "reason": reason})


@transaction.atomic
def stock_set(*, item_id: int, warehouse_id: int, on_hand: int, actor_id: int | None,
              source: str, reason: str = "") -> Stock:
    """Set the units on hand at a warehouse (a count, not a delta), keeping an audit row."""
    if on_hand < 0:
        raise InventoryError("On hand can't be negative.")
    stock, _ = Stock.objects.get_or_create(item_id=item_id, warehouse_id=warehouse_id)
    stock = Stock.objects.select_for_update().get(pk=stock.pk)
    if on_hand < stock.reserved:
        raise StockBelowReserved(stock.reserved)
    before = stock.on_hand
    if before != on_hand:
        stock.on_hand = on_hand
        stock.save(update_fields=["on_hand", "updated_at"])
        _stock_changed(item_id, reason="set")
    StockAdjustment.objects.create(item_id=item_id, warehouse_id=warehouse_id, on_hand_before=before,
                                   on_hand_after=on_hand, actor_id=actor_id, source=source, reason=reason)
    return stock


def stock_reserve(*, order_id: str, lines: list[LineRequest], pin_code: str,
                  now: datetime | None = None) -> list[ReservedLine]:
    """Hold the order's units, each line from the warehouse that delivers soonest to `pin_code`.

    Runs inside the caller's transaction (the one that creates the order), so the order and its
    reservation commit or vanish together. Calling it again for the same order returns what is
    already held. Raises InsufficientStock or NotDeliverable, and then changes nothing.
    """
    with transaction.atomic(savepoint=False):
        earlier = list(Reservation.objects.filter(order_id=order_id))
        existing = [r for r in earlier if r.status != Reservation.Status.RELEASED]
        if existing:
            return [ReservedLine(r.item_id, r.warehouse_id, r.quantity, None) for r in existing]

        wanted: dict[int, int] = defaultdict(int)
        for line in lines:
            if line.quantity <= 0:
                raise InventoryError("Quantities must be positive.")
            wanted[line.item_id] += line.quantity

        candidates, dates = _candidates(wanted, pin_code=pin_code, now=now)
        plan = {item_id: options[0] for item_id, options in candidates.items()}
        released = {r.item_id: r for r in earlier}
        # Writes that hold no hot lock go first; the guarded UPDATEs come last, just before the
        # caller commits, so the hot stock rows stay locked for as short a time as possible.
        reservations = _write_reservations(order_id, wanted, plan, released)
        for item_id in wanted:
            _stock_changed(item_id, reason="reserved")
        for item_id in sorted(plan, key=lambda i: plan[i].pk):  # fixed lock order: no deadlock cycles
            stock = _take_first_that_holds(candidates[item_id], wanted[item_id])
            if stock is None:
                raise InsufficientStock({item_id: _available(item_id)})
            if stock.pk != plan[item_id].pk:
                plan[item_id] = stock
                Reservation.objects.filter(pk=reservations[item_id].pk).update(
                    stock=stock, warehouse_id=stock.warehouse_id)
        return [ReservedLine(i, plan[i].warehouse_id, wanted[i], dates.get(plan[i].warehouse_id)) for i in wanted]


def _candidates(wanted: dict[int, int], *, pin_code: str, now: datetime | None):
    """Per item, the stock rows that hold enough now and reach the PIN, soonest delivery first."""
    rows = list(Stock.objects.filter(item_id__in=list(wanted), on_hand__gt=F("reserved")).order_by("pk"))
    estimates = delivery_estimates(warehouse_ids={r.warehouse_id for r in rows}, pin_code=pin_code, now=now)
    dates = {warehouse_id: e.delivery_date for warehouse_id, e in estimates.items()}
    candidates: dict[int, list[Stock]] = defaultdict(list)
    stocked_somewhere: set[int] = set()
    for row in rows:
        if row.available >= wanted[row.item_id]:
            stocked_somewhere.add(row.item_id)
            if row.warehouse_id in dates:
                candidates[row.item_id].append(row)
    short = {i: _available(i) for i in wanted if i not in stocked_somewhere}
    if short:
        raise InsufficientStock(short)
    unreachable = [i for i in wanted if i not in candidates]
    if unreachable:
        raise NotDeliverable(unreachable, pin_code)
    for options in candidates.values():
        options.sort(key=lambda s: (dates[s.warehouse_id], s.warehouse_id))
    return candidates, dates


def _write_reservations(order_id: str, wanted: dict[int, int], plan: dict[int, Stock],
                        released: dict[int, Reservation]) -> dict[int, Reservation]:
    fresh = [Reservation(order_id=order_id, item_id=i, warehouse_id=plan[i].warehouse_id, stock=plan[i],
                         quantity=wanted[i]) for i in wanted if i not in released]
    Reservation.objects.bulk_create(fresh)
    for item_id, row in released.items():  # an order re-reserving after release (late payment)
        row.stock, row.warehouse_id, row.quantity = plan[item_id], plan[item_id].warehouse_id, wanted[item_id]
        row.status = Reservation.Status.HELD
        row.save(update_fields=["stock", "warehouse_id", "quantity", "status", "updated_at"])
    by_item = {r.item_id: r for r in fresh}
    by_item.update(released)
    if any(r.pk is None for r in by_item.values()):  # backends that don't return ids on bulk insert
        by_item = {r.item_id: r for r in Reservation.objects.filter(order_id=order_id)}
    return by_item


def _take_first_that_holds(options: list[Stock], quantity: int) -> Stock | None:
    for stock in options:
        taken = Stock.objects.filter(pk=stock.pk, on_hand__gte=F("reserved") + quantity).update(
            reserved=F("reserved") + quantity)
        if taken:
            return stock
    return None


def _available(item_id: int) -> int:
    """What one line can have: a line ships from one warehouse, so the most any one of them holds."""
    return max((s.available for s in Stock.objects.filter(item_id=item_id)), default=0)


def _settle(order_id: str, *, to: str) -> list[Reservation]:
    """Move the order's held reservations to `to`; ones already moved are left alone."""
    held = list(
        Reservation.objects.select_for_update()
        .filter(order_id=order_id, status=Reservation.Status.HELD)
        .order_by("stock_id")
    )
    for reservation in held:
        changes = {"reserved": F("reserved") - reservation.quantity}
        if to == Reservation.Status.COMMITTED:
            changes["on_hand"] = F("on_hand") - reservation.quantity
        moved = Stock.objects.filter(pk=reservation.stock_id, reserved__gte=reservation.quantity).update(**changes)
        if not moved:
            raise InventoryError(f"Stock {reservation.stock_id} holds less than reservation {reservation.pk}.")
        _stock_changed(reservation.item_id, reason=to)
    Reservation.objects.filter(pk__in=[r.pk for r in held]).update(status=to, updated_at=timezone.now())
    return held


@transaction.atomic
def reservation_release(*, order_id: str) -> int:
    """Give the order's held units back (payment failed, order expired). Idempotent."""
    return sum(r.quantity for r in _settle(order_id, to=Reservation.Status.RELEASED))


@transaction.atomic
def reservation_commit(*, order_id: str) -> int:
    """The order is paid: its held units leave on-hand stock for good. Idempotent."""
    return sum(r.quantity for r in _settle(order_id, to=Reservation.Status.COMMITTED))


@dataclass(frozen=True)
class StockDrift:
    stock_id: int
    item_id: int
    warehouse_id: int
    reserved: int
    held: int


def stock_reserved_drift() -> list[StockDrift]:
    """Stock rows whose `reserved` differs from the sum of their held reservations."""
    from django.db.models import Sum

    held = dict(Reservation.objects.filter(status=Reservation.Status.HELD).values("stock_id")
                .annotate(total=Sum("quantity")).values_list("stock_id", "total"))
    drift = []
    for stock in Stock.objects.filter(reserved__gt=0) | Stock.objects.filter(pk__in=list(held)):
        if stock.reserved != held.get(stock.pk, 0):
            drift.append(StockDrift(stock.pk, stock.item_id, stock.warehouse_id, stock.reserved, held.get(stock.pk, 0)))
    return drift


@transaction.atomic
def stock_reserved_repair(*, stock_id: int) -> bool:
    """Set `reserved` to what the held reservations say, under the row lock. False if it can't be."""
    from django.db.models import Sum

    stock = Stock.objects.select_for_update().get(pk=stock_id)
    held = (Reservation.objects.filter(stock_id=stock_id, status=Reservation.Status.HELD)
            .aggregate(total=Sum("quantity"))["total"] or 0)
    if held == stock.reserved or held > stock.on_hand:
        return False
    stock.reserved = held
    stock.save(update_fields=["reserved", "updated_at"])
    _stock_changed(stock.item_id, reason="reconciled")
    return True
