"""Reads of the cart: the cart as the customer sees it, its lines for checkout, the header count.

The cart tables may be on their own database, so a read never joins them with another app's
tables: it reads the lines (one query), then asks catalog for all their items at once (their heads,
from the cache: a retired item or a new price is forgotten there on save) and inventory for all their
availability at once. Two queries and a cache round trip, whatever the number of lines.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, NamedTuple

from django.core.cache import cache
from django.db import router
from django.db.models import Sum

from cart.models import MAX_QUANTITY_PER_LINE, Cart, Line
from catalog.interface import item_heads_get
from inventory.interface import availability_get
from search.interface import results_version
from shop.pagecache import page_key
from shop.versions import version_token

if TYPE_CHECKING:
    from catalog.interface import ItemSnapshot

COUNT_CACHE_SECONDS = 300
COUNT_CACHE_VERSION = 1


def cart_database() -> str:
    """The alias the cart tables are written to: "cart" when it has its own database."""
    return router.db_for_write(Cart)


@dataclass(frozen=True)
class CartOwner:
    """Whose cart: a customer's (user_id) or an anonymous visitor's (the token in their session)."""

    user_id: int | None = None
    token: str | None = None

    def __post_init__(self) -> None:
        if (self.user_id is None) == (self.token is None):
            raise ValueError("A cart belongs to a user or to a token, not both or neither.")

    @classmethod
    def customer(cls, user_id: int) -> CartOwner:
        return cls(user_id=user_id)

    @classmethod
    def visitor(cls, token: str) -> CartOwner:
        return cls(token=token)

    @property
    def cart_filter(self) -> dict:
        return {"user_id": self.user_id} if self.user_id is not None else {"token": self.token}

    @property
    def line_filter(self) -> dict:
        return {f"cart__{name}": value for name, value in self.cart_filter.items()}

    @property
    def count_cache_key(self) -> str:
        return f"cart:count:v{COUNT_CACHE_VERSION}:{self._who}"

    @property
    def version_cache_key(self) -> str:
        return f"cart:version:v1:{self._who}"

    @property
    def _who(self) -> str:
        return f"u{self.user_id}" if self.user_id is not None else f"t{self.token}"


class LineStatus:
    OK = "ok"
    NOT_ENOUGH_STOCK = "not_enough_stock"  # fewer available than the line asks for
    OUT_OF_STOCK = "out_of_stock"  # none available
    UNAVAILABLE = "unavailable"  # no longer sold (retired, or gone from the catalog)


@dataclass(frozen=True)
class CartViewLine:
    item_id: int
    quantity: int
    item: ItemSnapshot | None  # None: the catalog no longer has it
    price_paise_at_add: int
    unit_price_paise: int  # the price now (the price at add, if the item is gone)
    price_changed: bool
    price_difference_paise: int  # now minus then: positive when it went up
    available: int
    max_quantity: int  # what the customer may ask for now: availability and the per-line limit
    status: str
    line_total_paise: int
    added_at: datetime

    @property
    def orderable(self) -> bool:
        return self.status == LineStatus.OK

    @property
    def title(self) -> str:
        return self.item.title if self.item else f"Item {self.item_id}"

    @property
    def image(self) -> str:
        return self.item.images[0] if self.item and self.item.images else ""


@dataclass(frozen=True)
class CartView:
    """The cart with today's prices and availability. The subtotal counts orderable lines only."""

    lines: tuple[CartViewLine, ...]
    subtotal_paise: int
    item_count: int  # units in the orderable lines
    currency: str = "INR"

    @property
    def is_empty(self) -> bool:
        return not self.lines

    @property
    def has_price_changes(self) -> bool:
        return any(line.price_changed for line in self.lines)

    @property
    def problem_lines(self) -> tuple[CartViewLine, ...]:
        return tuple(line for line in self.lines if not line.orderable)

    @property
    def ready_for_checkout(self) -> bool:
        return bool(self.lines) and not self.problem_lines


def _line_view(*, item_id: int, quantity: int, price_at_add: int, added_at: datetime,
               item: ItemSnapshot | None, available: int) -> CartViewLine:
    active = item is not None and item.status == "active"
    if not active:
        status = LineStatus.UNAVAILABLE
    elif available <= 0:
        status = LineStatus.OUT_OF_STOCK
    elif available < quantity:
        status = LineStatus.NOT_ENOUGH_STOCK
    else:
        status = LineStatus.OK
    unit = item.price_paise if item is not None else price_at_add
    return CartViewLine(
        item_id=item_id, quantity=quantity, item=item, price_paise_at_add=price_at_add,
        unit_price_paise=unit, price_changed=unit != price_at_add,
        price_difference_paise=unit - price_at_add, available=max(available, 0),
        max_quantity=min(MAX_QUANTITY_PER_LINE, max(available, 0)) if active else 0,
        status=status, line_total_paise=unit * quantity, added_at=added_at,
    )


class LineRow(NamedTuple):
    """A line as the cart's reads and writes take it from the table."""

    id: int
    cart_id: int
    item_id: int
    quantity: int
    price_paise_at_add: int
    added_at: datetime


def cart_line_rows(*, owner: CartOwner, using: str | None = None) -> list[LineRow]:
    """The owner's lines in the order they were added: one query (on `using`, the write alias, when
    a service reads them under the cart's lock)."""
    return [LineRow(*row) for row in
            Line.objects.db_manager(using).filter(**owner.line_filter).order_by("added_at", "id")
            .values_list("id", "cart_id", "item_id", "quantity", "price_paise_at_add", "added_at")]


def cart_view_compose(rows: Sequence[LineRow], *, items: Mapping[int, ItemSnapshot],
                      available: Mapping[int, int]) -> CartView:
    """The cart as the customer sees it, from its lines, their items' heads and availability."""
    lines = tuple(
        _line_view(item_id=row.item_id, quantity=row.quantity, price_at_add=row.price_paise_at_add,
                   added_at=row.added_at, item=items.get(row.item_id), available=available.get(row.item_id, 0))
        for row in rows
    )
    orderable = [line for line in lines if line.orderable]
    return CartView(lines=lines, subtotal_paise=sum(line.line_total_paise for line in orderable),
                    item_count=sum(line.quantity for line in orderable))


def cart_view_get(*, owner: CartOwner) -> CartView:
    """The cart page's data in two queries (lines, availability) and the items' heads from the cache."""
    rows = cart_line_rows(owner=owner)
    if not rows:
        return CartView(lines=(), subtotal_paise=0, item_count=0)
    ids = [row.item_id for row in rows]
    # The cart shows no attributes: heads from the cache, no documents read.
    return cart_view_compose(rows, items=item_heads_get(ids), available=availability_get(item_ids=ids))


@dataclass(frozen=True)
class CartLine:
    """A line as checkout sees it."""

    item_id: int
    quantity: int


def cart_lines(*, user_id: int) -> list[CartLine]:
    """The customer's lines, in the order they were added. One query; no prices (checkout
    takes them from the catalog when it places the order)."""
    return [CartLine(item_id=i, quantity=q)
            for i, q in cart_line_quantities(owner=CartOwner.customer(user_id)).items()]


def cart_line_quantities(*, owner: CartOwner) -> dict[int, int]:
    """item id → quantity, in the order the items were added. One query."""
    return dict(
        Line.objects.filter(**owner.line_filter).order_by("added_at", "id").values_list("item_id", "quantity")
    )


def cart_version(*, owner: CartOwner) -> str:
    """A token that changes whenever the cart's lines do (shop.versions): for the key of the kept
    cart page. No query."""
    return version_token(owner.version_cache_key)


def cart_kept_key(name: str, owner: CartOwner | None) -> str | None:
    """The key a page or answer showing `owner`'s cart is kept under (shop.pagecache): their cart's
    version, forgotten by every write of its lines, and search's, which follows every change of an
    item's price, status or stock (a reservation included). None while search's index settles:
    then it is not kept."""
    version = results_version(None)
    if not version:
        return None
    return page_key(name, owner, cart_version(owner=owner) if owner else None, version)


def cart_count_get(*, owner: CartOwner) -> int:
    """Units in the cart, for the header: from the cache, else one query (then cached).

    Services forget the number when they change the cart (at once and after commit).
    """
    key = owner.count_cache_key
    cached = cache.get(key)
    if cached is not None:
        return cached
    count = Line.objects.filter(**owner.line_filter).aggregate(n=Sum("quantity"))["n"] or 0
    cache.set(key, count, timeout=COUNT_CACHE_SECONDS)
    return count
