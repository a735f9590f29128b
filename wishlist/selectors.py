"""Reads of the wishlist: a page of it (keyset pagination, newest first) and the header count.

A page is three queries whatever the list's length or the page's position: its rows (one range
scan of the (user_id, -added_at, -id) index, no OFFSET), the catalog items, their availability.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from django.core.cache import cache
from django.db import router
from django.db.models import Q

from catalog.interface import items_get
from inventory.interface import availability_get
from shop.versions import version_token
from wishlist.models import WishlistItem

if TYPE_CHECKING:
    from catalog.interface import ItemSnapshot

PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
COUNT_CACHE_SECONDS = 300
COUNT_CACHE_VERSION = 1
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


def wishlist_database() -> str:
    """The alias the wishlist table is written to: "wishlist" when it has its own database."""
    return router.db_for_write(WishlistItem)


def count_cache_key(user_id: int) -> str:
    return f"wishlist:count:v{COUNT_CACHE_VERSION}:{user_id}"


def version_cache_key(user_id: int) -> str:
    return f"wishlist:version:v1:{user_id}"


def wishlist_version(*, user_id: int) -> str:
    """A token that changes whenever the customer's wishlist does (shop.versions): for the keys of
    pages that show what they saved. No query."""
    return version_token(version_cache_key(user_id))


class InvalidCursor(ValueError):
    pass


@dataclass(frozen=True)
class Cursor:
    """A position in the list: `older` pages go past it towards older entries, else newer."""

    added_at: datetime
    id: int
    older: bool = True

    def encode(self) -> str:
        micros = (self.added_at - _EPOCH) // _MICROSECOND  # exact, no float rounding
        raw = f"{'o' if self.older else 'n'}:{micros}:{self.id}".encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, text: str) -> Cursor:
        try:
            raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode()
            direction, micros, pk = raw.split(":")
            if direction not in {"o", "n"}:
                raise ValueError(direction)
            added_at = _EPOCH + int(micros) * _MICROSECOND
            return cls(added_at=added_at, id=int(pk), older=direction == "o")
        except (ValueError, UnicodeDecodeError, OverflowError) as exc:
            raise InvalidCursor("This page link is not valid.") from exc


@dataclass(frozen=True)
class WishlistEntry:
    item_id: int
    item: ItemSnapshot | None  # None: the catalog no longer has it
    added_at: datetime
    price_paise_at_add: int
    price_paise: int  # now
    price_changed: bool
    available: int
    status: str  # ok | out_of_stock | unavailable

    @property
    def title(self) -> str:
        return self.item.title if self.item else f"Item {self.item_id}"

    @property
    def image(self) -> str:
        return self.item.images[0] if self.item and self.item.images else ""

    @property
    def in_stock(self) -> bool:
        return self.status == "ok"


@dataclass(frozen=True)
class WishlistPage:
    entries: tuple[WishlistEntry, ...]
    next_cursor: str | None  # older entries
    previous_cursor: str | None  # newer entries


def _entry(row: tuple, item: ItemSnapshot | None, available: int) -> WishlistEntry:
    item_id, price_at_add, added_at = row
    if item is None or item.status != "active":
        status = "unavailable"
    elif available <= 0:
        status = "out_of_stock"
    else:
        status = "ok"
    price = item.price_paise if item is not None else price_at_add
    return WishlistEntry(item_id=item_id, item=item, added_at=added_at, price_paise_at_add=price_at_add,
                         price_paise=price, price_changed=price != price_at_add,
                         available=max(available, 0), status=status)


def wishlist_page(*, user_id: int, cursor: str | None = None, size: int = PAGE_SIZE) -> WishlistPage:
    """One page, newest first. `cursor` comes from a previous page; raises InvalidCursor."""
    size = max(1, min(size, MAX_PAGE_SIZE))
    rows = WishlistItem.objects.filter(user_id=user_id)
    position = Cursor.decode(cursor) if cursor else None
    if position is None or position.older:
        if position:
            # (added_at, id) < position, said so that the index seeks to it: "added_at <= t" is
            # a range the (user_id, -added_at, -id) index starts from, the rest filters a tie.
            rows = rows.filter(Q(added_at__lte=position.added_at),
                               Q(added_at__lt=position.added_at) | Q(id__lt=position.id))
        found = list(rows.order_by("-added_at", "-id").values_list("id", "item_id", "price_paise_at_add",
                                                                   "added_at")[: size + 1])
        more_older, more_newer = len(found) > size, position is not None
        found = found[:size]
    else:
        rows = rows.filter(Q(added_at__gte=position.added_at),
                           Q(added_at__gt=position.added_at) | Q(id__gt=position.id))
        found = list(rows.order_by("added_at", "id").values_list("id", "item_id", "price_paise_at_add",
                                                                 "added_at")[: size + 1])
        more_older, more_newer = True, len(found) > size
        found = list(reversed(found[:size]))
    if not found:
        return WishlistPage(entries=(), next_cursor=None, previous_cursor=None)
    ids = [row[1] for row in found]
    items = items_get(ids)
    available = availability_get(item_ids=ids)
    entries = tuple(_entry(row[1:], items.get(row[1]), available.get(row[1], 0)) for row in found)
    first, last = found[0], found[-1]
    return WishlistPage(
        entries=entries,
        next_cursor=Cursor(added_at=last[3], id=last[0]).encode() if more_older else None,
        previous_cursor=Cursor(added_at=first[3], id=first[0], older=False).encode() if more_newer else None,
    )


def wishlist_item_ids(*, user_id: int, item_ids: list[int]) -> set[int]:
    """Which of these items are on the customer's wishlist (for "saved" marks). One query."""
    return set(WishlistItem.objects.filter(user_id=user_id, item_id__in=item_ids)
               .values_list("item_id", flat=True))


def wishlist_count_get(*, user_id: int) -> int:
    """How many items the customer saved: cached, else one COUNT over the index (then cached)."""
    key = count_cache_key(user_id)
    cached = cache.get(key)
    if cached is not None:
        return cached
    count = WishlistItem.objects.filter(user_id=user_id).count()
    cache.set(key, count, timeout=COUNT_CACHE_SECONDS)
    return count
