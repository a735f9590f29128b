"""Buy again: a past order's items (live or archived) into the customer's cart, at today's price.

The cart decides, through its interface, exactly as when the customer adds an item by hand: today's
price is the line's price, an item no longer sold is refused, and a quantity is checked against
what is available now and the cart's per-line limit. What it refuses whole is skipped; what it
refuses only in part is added capped. Nothing is reserved: checkout does that.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from cart.interface import MAX_QUANTITY_PER_LINE, CartError, CartOwner, cart_add
from catalog.interface import ItemNotFound
from orders.selectors import order_history_get
from orders.services.common import OrderNotFound


@dataclass(frozen=True)
class ReorderLine:
    item_id: int
    title: str
    ordered: int  # how many the past order had
    added: int  # how many went into the cart now (0: skipped)
    note: str = ""  # for the customer (a sentence naming the item), when not all of it was added


@dataclass(frozen=True)
class ReorderResult:
    order_id: str
    lines: tuple[ReorderLine, ...]

    @property
    def added(self) -> tuple[ReorderLine, ...]:
        return tuple(line for line in self.lines if line.added == line.ordered)

    @property
    def capped(self) -> tuple[ReorderLine, ...]:
        return tuple(line for line in self.lines if 0 < line.added < line.ordered)

    @property
    def skipped(self) -> tuple[ReorderLine, ...]:
        return tuple(line for line in self.lines if line.added == 0)


def order_reorder(*, order_id: uuid.UUID | str, user_id: int) -> ReorderResult:
    """Put the customer's order's items in their cart. Raises OrderNotFound (not theirs, or no such
    order) and the archive's ArchiveUnavailable (a finished order that can't be read now)."""
    order = order_history_get(order_id=order_id, user_id=user_id)
    if order is None:
        raise OrderNotFound(f"No order {order_id}.")
    owner = CartOwner.customer(user_id)
    wanted: dict[int, tuple[str, int]] = {}
    for line in order.lines.all():
        title, quantity = wanted.get(line.item_id, (line.title, 0))
        wanted[line.item_id] = (title, quantity + line.quantity)
    return ReorderResult(str(order.pk), tuple(_add(owner, item_id, title, quantity)
                                              for item_id, (title, quantity) in wanted.items()))


def _add(owner: CartOwner, item_id: int, title: str, ordered: int) -> ReorderLine:
    quantity = min(ordered, MAX_QUANTITY_PER_LINE)
    try:
        cart_add(owner=owner, item_id=item_id, quantity=quantity)
    except ItemNotFound:
        return ReorderLine(item_id, title, ordered, 0, f"“{title}” is no longer sold.")
    except CartError as exc:
        room = _room(exc)
        if room is None or room <= 0:
            return ReorderLine(item_id, title, ordered, 0, str(exc))
        try:
            cart_add(owner=owner, item_id=item_id, quantity=min(room, quantity))
        except (CartError, ItemNotFound) as again:  # it moved again meanwhile
            return ReorderLine(item_id, title, ordered, 0, str(again))
        return ReorderLine(item_id, title, ordered, min(room, quantity), str(exc))
    if quantity < ordered:
        return ReorderLine(item_id, title, ordered, quantity,
                           f"You can have at most {MAX_QUANTITY_PER_LINE} of “{title}” in your cart.")
    return ReorderLine(item_id, title, ordered, quantity)


def _room(exc: CartError) -> int | None:
    """How many more the cart would take of the item, from the refusal (None: none, whatever the
    quantity: no longer sold, the cart full)."""
    available: int | None = getattr(exc, "available", None)
    in_cart: int | None = getattr(exc, "in_cart", None)
    limit: int | None = getattr(exc, "limit", None)
    if available is not None:  # NotEnoughStock, OutOfStock: what is available now, less what the cart has
        return min(available, MAX_QUANTITY_PER_LINE) - (in_cart or 0)
    if limit is not None and in_cart is not None:  # LineLimitExceeded
        return limit - in_cart
    return None
