"""Writes of inventory: set stock (audited), reserve for an order, commit, release.

Allocation is the one place where overselling could happen, so it never reads-then-writes:
every change to `reserved` is a conditional UPDATE that the database applies only if the units
are still there, and the CheckConstraints on Stock refuse anything that slips past.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from events.interface import emit
from inventory.models import Allocation, Stock, StockAdjustment
from logistics.interface import delivery_estimates


@dataclass(frozen=True)
class LineRequest:
    item_id: int
    quantity: int


@dataclass(frozen=True)
class AllocatedPart:
    """Part of an order line: `quantity` units of `item_id` from one stock row (one warehouse)."""

    item_id: int
    stock_id: int
    warehouse_id: int
    quantity: int
    delivery_date: date | None  # None when read back without a PIN


@dataclass(frozen=True)
class AllocationPlan:
    """Where each line's units would come from, as the stock stood when it was read: orders writes
    its shipments from it before `stock_reserve` takes the units (and moves them if it had to)."""

    order_lines: tuple[LineRequest, ...]
    pin_code: str
    parts: tuple[AllocatedPart, ...]


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


def allocation_plan(*, lines: list[LineRequest], pin_code: str, now: datetime | None = None) -> AllocationPlan:
    """Plan each line from the warehouses that reach `pin_code`, soonest delivery first: the
    soonest one that holds the whole line, else split over them in that order. Reads without
    locks; raises InsufficientStock or NotDeliverable when the stock as read can't do it."""
    wanted = _wanted(lines)
    rows = list(Stock.objects.filter(item_id__in=list(wanted)).order_by("pk"))
    dates = _delivery_dates(rows, pin_code=pin_code, now=now)
    parts: list[AllocatedPart] = []
    short: dict[int, int] = {}
    unreachable: list[int] = []
    for item_id, quantity in wanted.items():
        own = [row for row in rows if row.item_id == item_id]
        split = _split(own, quantity, dates)
        if split is not None:
            parts.extend(split)
            continue
        reachable = sum(row.available for row in own if row.warehouse_id in dates)
        if reachable == 0 and sum(row.available for row in own) >= quantity:
            unreachable.append(item_id)
        else:
            short[item_id] = reachable or sum(row.available for row in own)
    if short:
        raise InsufficientStock(short)
    if unreachable:
        raise NotDeliverable(unreachable, pin_code)
    order_lines = tuple(LineRequest(i, q) for i, q in wanted.items())
    return AllocationPlan(order_lines=order_lines, pin_code=pin_code, parts=tuple(parts))


def _wanted(lines: list[LineRequest]) -> dict[int, int]:
    wanted: dict[int, int] = defaultdict(int)
    for line in lines:
        if line.quantity <= 0:
            raise InventoryError("Quantities must be positive.")
        wanted[line.item_id] += line.quantity
    return dict(wanted)


def _delivery_dates(rows: list[Stock], *, pin_code: str, now: datetime | None) -> dict[int, date]:
    """Delivery date per warehouse that reaches the PIN (absent: it doesn't)."""
    estimates = delivery_estimates(warehouse_ids={r.warehouse_id for r in rows}, pin_code=pin_code, now=now)
    return {warehouse_id: e.delivery_date for warehouse_id, e in estimates.items()}


def _split(rows: list[Stock], quantity: int, dates: dict[int, date]) -> list[AllocatedPart] | None:
    """`quantity` units from `rows` (one item's): the soonest row that holds them all, else the
    soonest rows in turn. None when the rows that reach the PIN don't hold enough."""
    reachable = sorted((r for r in rows if r.warehouse_id in dates and r.available > 0),
                       key=lambda r: (dates[r.warehouse_id], r.warehouse_id))
    whole = next((r for r in reachable if r.available >= quantity), None)
    takes = [(whole, quantity)] if whole is not None else []
    left = 0 if whole is not None else quantity
    for row in reachable if whole is None else ():
        take = min(left, row.available)
        takes.append((row, take))
        left -= take
        if not left:
            break
    if left:
        return None
    return [AllocatedPart(r.item_id, r.pk, r.warehouse_id, n, dates[r.warehouse_id]) for r, n in takes]


def stock_reserve(*, order_id: str, plan: AllocationPlan) -> list[AllocatedPart]:
    """Hold the order's units as `plan` says, and return the parts actually held.

    Runs inside the caller's transaction (the one that creates the order), so the order and its
    allocations commit or vanish together. The allocation rows are written first; the guarded
    UPDATEs on the hot stock rows come last, in stock-id order, just before the caller commits.
    When another order took the planned units meanwhile, that item alone is planned again under
    its rows' locks, so the parts returned may differ from the plan. Calling it again for the same
    order returns what is already held. Raises InsufficientStock (then nothing was taken).
    """
    with transaction.atomic(savepoint=False):
        earlier = list(Allocation.objects.filter(order_id=order_id).select_related("stock"))
        held = [a for a in earlier if a.status != Allocation.Status.RELEASED]
        if held:
            return [AllocatedPart(a.item_id, a.stock_id, a.warehouse_id, a.quantity, None) for a in held]
        released = {a.stock_id: a for a in earlier}
        _write_allocations(order_id, plan.parts, released)
        taken: list[AllocatedPart] = []
        missed: set[int] = set()
        for part in sorted(plan.parts, key=lambda p: p.stock_id):  # a fixed lock order: no deadlock cycles
            if part.item_id in missed:
                continue
            if _take(part.stock_id, part.quantity):
                taken.append(part)
            else:
                missed.add(part.item_id)
        for item_id in missed:
            taken = [p for p in taken if p.item_id != item_id] + _take_again(
                order_id, item_id, plan, [p for p in taken if p.item_id == item_id])
        for item_id in {p.item_id for p in plan.parts}:
            _stock_changed(item_id, reason="reserved")
        return taken


def _write_allocations(order_id: str, parts: tuple[AllocatedPart, ...] | list[AllocatedPart],
                       released: dict[int, Allocation]) -> None:
    fresh = [Allocation(order_id=order_id, item_id=p.item_id, warehouse_id=p.warehouse_id, stock_id=p.stock_id,
                        quantity=p.quantity) for p in parts if p.stock_id not in released]
    Allocation.objects.bulk_create(fresh)
    for part in parts:  # an order allocated again after its release (a late payment honoured)
        if part.stock_id in released:
            Allocation.objects.filter(pk=released[part.stock_id].pk).update(  # held anew: its age restarts
                quantity=part.quantity, status=Allocation.Status.HELD, created_at=timezone.now(),
                updated_at=timezone.now())


def _take(stock_id: int, quantity: int) -> bool:
    return bool(Stock.objects.filter(pk=stock_id, on_hand__gte=F("reserved") + quantity).update(
        reserved=F("reserved") + quantity))


def _take_again(order_id: str, item_id: int, plan: AllocationPlan, taken: list[AllocatedPart]) -> list[AllocatedPart]:
    """The planned units of one item went to another order: give back what this order took of it,
    lock the item's stock rows and split the line again over what they hold now."""
    for part in taken:
        Stock.objects.filter(pk=part.stock_id).update(reserved=F("reserved") - part.quantity)
    quantity = next(line.quantity for line in plan.order_lines if line.item_id == item_id)
    rows = list(Stock.objects.select_for_update().filter(item_id=item_id).order_by("pk"))
    dates = {p.warehouse_id: p.delivery_date for p in plan.parts if p.delivery_date is not None}
    dates.update(_delivery_dates([r for r in rows if r.warehouse_id not in dates], pin_code=plan.pin_code, now=None))
    parts = _split(rows, quantity, dates)
    if parts is None:
        raise InsufficientStock({item_id: sum(r.available for r in rows if r.warehouse_id in dates)})
    for part in parts:
        if not _take(part.stock_id, part.quantity):  # under the row lock: only a bug gets here
            raise InventoryError(f"Stock {part.stock_id} changed under its lock.")
    Allocation.objects.filter(order_id=order_id, item_id=item_id, status=Allocation.Status.HELD).delete()
    released = {a.stock_id: a for a in Allocation.objects.filter(order_id=order_id, item_id=item_id)}
    _write_allocations(order_id, parts, released)
    return parts


def _settle(order_id: str, *, to: str) -> list[Allocation]:
    """Move the order's held reservations to `to`; ones already moved are left alone."""
    held = list(
        Allocation.objects.select_for_update()
        .filter(order_id=order_id, status=Allocation.Status.HELD)
        .order_by("stock_id")
    )
    for reservation in held:
        changes = {"reserved": F("reserved") - reservation.quantity}
        if to == Allocation.Status.COMMITTED:
            changes["on_hand"] = F("on_hand") - reservation.quantity
        moved = Stock.objects.filter(pk=reservation.stock_id, reserved__gte=reservation.quantity).update(**changes)
        if not moved:
            raise InventoryError(f"Stock {reservation.stock_id} holds less than reservation {reservation.pk}.")
        _stock_changed(reservation.item_id, reason=to)
    Allocation.objects.filter(pk__in=[r.pk for r in held]).update(status=to, updated_at=timezone.now())
    return held


@transaction.atomic
def reservation_release(*, order_id: str) -> int:
    """Give the order's held units back (payment failed, order expired). Idempotent."""
    return sum(r.quantity for r in _settle(order_id, to=Allocation.Status.RELEASED))


@transaction.atomic
def reservation_commit(*, order_id: str) -> int:
    """The order is paid: its held units leave on-hand stock for good. Idempotent."""
    return sum(r.quantity for r in _settle(order_id, to=Allocation.Status.COMMITTED))


@transaction.atomic
def allocations_restock(*, order_id: str, warehouse_id: int, item_ids: list[int], reason: str) -> int:
    """A paid order's units that will not leave after all (a shipment cancelled before it left):
    back on the shelf they were taken from, audited. Idempotent: returns the units put back now."""
    committed = list(Allocation.objects.select_for_update()
                     .filter(order_id=order_id, warehouse_id=warehouse_id, item_id__in=item_ids,
                             status=Allocation.Status.COMMITTED).order_by("stock_id"))
    for allocation in committed:
        stock = Stock.objects.select_for_update().get(pk=allocation.stock_id)
        before = stock.on_hand
        Stock.objects.filter(pk=stock.pk).update(on_hand=F("on_hand") + allocation.quantity)
        StockAdjustment.objects.create(item_id=stock.item_id, warehouse_id=stock.warehouse_id, on_hand_before=before,
                                       on_hand_after=before + allocation.quantity, actor_id=None,
                                       source=StockAdjustment.Source.SYSTEM, reason=reason[:200])
        _stock_changed(stock.item_id, reason="restocked")
    Allocation.objects.filter(pk__in=[a.pk for a in committed]).update(status=Allocation.Status.RESTOCKED,
                                                                      updated_at=timezone.now())
    return sum(a.quantity for a in committed)


@transaction.atomic
def stock_receive(*, item_id: int, warehouse_id: int, quantity: int, actor_id: int | None, reason: str) -> int:
    """Units coming back into a warehouse (a customer's return): on hand grows by `quantity`,
    audited. Returns the units on hand now."""
    if quantity <= 0:
        raise InventoryError("Quantities must be positive.")
    stock, _ = Stock.objects.get_or_create(item_id=item_id, warehouse_id=warehouse_id)
    stock = Stock.objects.select_for_update().get(pk=stock.pk)
    before = stock.on_hand
    Stock.objects.filter(pk=stock.pk).update(on_hand=F("on_hand") + quantity)
    StockAdjustment.objects.create(item_id=item_id, warehouse_id=warehouse_id, on_hand_before=before,
                                   on_hand_after=before + quantity, actor_id=actor_id,
                                   source=StockAdjustment.Source.RETURN, reason=reason[:200])
    _stock_changed(item_id, reason="returned")
    return before + quantity


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

    held = dict(Allocation.objects.filter(status=Allocation.Status.HELD).values("stock_id")
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
    held = (Allocation.objects.filter(stock_id=stock_id, status=Allocation.Status.HELD)
            .aggregate(total=Sum("quantity"))["total"] or 0)
    if held == stock.reserved or held > stock.on_hand:
        return False
    stock.reserved = held
    stock.save(update_fields=["reserved", "updated_at"])
    _stock_changed(stock.item_id, reason="reconciled")
    return True
