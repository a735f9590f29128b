"""Reads of orders: a customer's orders, one order with its lines and timeline."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import logging
import uuid
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS
from django.db.models import Prefetch, Q, QuerySet
from django.http import HttpRequest

from orders.backends.base import ArchivedOrder, ArchivePosition, ArchiveUnavailable, OrderArchive
from orders.models import (
    ArchivedOrderRecord,
    Order,
    OrderLine,
    OrderStatusChange,
    ReturnLine,
    ReturnRequest,
    Shipment,
    ShipmentLine,
)
from shop.backends import get_backend
from shop.versions import version_forget, version_token

logger = logging.getLogger(__name__)


def _shipments(seller_id: int | None = None) -> Prefetch:
    """An order's shipments (only `seller_id`'s, with it), each with its lines and their order lines."""
    shipments = Shipment.objects.order_by("promised_date", "id")
    if seller_id is not None:
        shipments = shipments.filter(seller_id=seller_id)
    return Prefetch("shipments", queryset=shipments.prefetch_related(
        Prefetch("lines", queryset=ShipmentLine.objects.select_related("line").order_by("line_id"))))


def order_list(*, user_id: int) -> QuerySet[Order]:
    """Newest first, with lines and shipments prefetched: four queries for a page of any size."""
    return (Order.objects.filter(user_id=user_id).order_by("-created_at", "-id")
            .prefetch_related(Prefetch("lines", queryset=OrderLine.objects.order_by("id")), _shipments()))


def order_get(*, order_id: uuid.UUID | str, user_id: int | None = None) -> Order | None:
    """One order with lines, shipments and timeline; with `user_id`, only if it is that customer's."""
    queryset = Order.objects.prefetch_related(
        Prefetch("lines", queryset=OrderLine.objects.order_by("id")),
        Prefetch("timeline", queryset=OrderStatusChange.objects.order_by("at", "id")),
        _shipments(),
        Prefetch("returns", queryset=ReturnRequest.objects.prefetch_related(
            Prefetch("lines", queryset=ReturnLine.objects.select_related("shipment_line__line")))),
    )
    try:
        order_id = uuid.UUID(str(order_id))
    except ValueError:  # not an order id at all: no such order
        return None
    if user_id is not None:
        queryset = queryset.filter(user_id=user_id)
    return queryset.filter(pk=order_id).first()


# --- "My orders" across the live tables and the archive ------------------------------------------

class InvalidCursor(ValueError):
    pass


class Position(NamedTuple):
    """Where a page of history ends: the last order's creation time and id (newest-first order)."""

    created_at: dt.datetime
    order_id: uuid.UUID

    def encode(self) -> str:
        raw = f"{self.created_at.isoformat()}|{self.order_id}".encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, cursor: str) -> Position:
        """An opaque cursor from `encode`; anything else raises InvalidCursor."""
        try:
            raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
            when, order_id = raw.split("|")
            created_at = dt.datetime.fromisoformat(when)
            if created_at.tzinfo is None:
                raise ValueError("naive time")
            created_at = created_at.astimezone(dt.UTC)
            if not 2000 <= created_at.year <= 9000:
                raise ValueError("not a time an order was placed")
            return cls(created_at, uuid.UUID(order_id))
        except (ValueError, TypeError, OverflowError, UnicodeDecodeError, binascii.Error) as exc:
            raise InvalidCursor(str(exc)) from exc


@dataclass(frozen=True)
class HistoryPage:
    orders: Sequence[Order | ArchivedOrder]  # newest first
    next: Position | None  # where the next (older) page starts; None on the last page
    complete: bool = True  # False: the archive could not be read, these are live orders only


def _archive() -> OrderArchive:
    archive: OrderArchive = get_backend("order_archive")  # shop.backends builds the configured class
    return archive


def _key(order: Order | ArchivedOrder) -> tuple[dt.datetime, uuid.UUID]:
    return (order.created_at, uuid.UUID(str(order.pk)))


def order_history(*, user_id: int, before: Position | None = None, limit: int = 20, status: str | None = None,
                  live_only_if_archive_down: bool = False) -> HistoryPage:
    """One newest-first page of the customer's orders, live and archived as one list; with
    `status`, only the orders in that status.

    Each store gives its `limit + 1` newest strictly after the cursor (created_at, id); they are
    merged by (created_at, id), an order present in both (archived, not yet deleted) counts once as
    its live self, and the page is the first `limit`. Every order of the true page is among its own
    store's first `limit`, so nothing is skipped; two bounded queries per page, however deep.
    """
    live = order_list(user_id=user_id)
    if status is not None:
        live = live.filter(status=status)
    if before is not None:
        live = live.filter(Q(created_at__lt=before.created_at) | Q(created_at=before.created_at,
                                                                   id__lt=before.order_id))
    live_orders = list(live[:limit + 1])
    try:
        archived = _archive().list_for_user(user_id, status=status, before=before,
                                                               limit=limit + 1)
    except ArchiveUnavailable:
        if not live_only_if_archive_down:
            raise
        logger.warning("Order archive unavailable; showing user %s live orders only", user_id, exc_info=True)
        # No "older" link: a cursor taken from live orders alone would skip archived ones later.
        return HistoryPage(orders=live_orders[:limit], next=None, complete=False)
    archive_has_more = len(archived) > limit
    if status is not None and archived:
        # An order caught between archive write and live delete, that changed meanwhile (and so
        # stayed live), has a stale archived copy in its old status; with a status filter its live
        # self is not among live_orders to win the merge below, so drop the copy here.
        still_live = set(Order.objects.filter(pk__in=[o.pk for o in archived]).values_list("pk", flat=True))
        archived = [o for o in archived if o.pk not in still_live]
    merged: dict[uuid.UUID, Order | ArchivedOrder] = {o.pk: o for o in archived}
    merged.update({o.pk: o for o in live_orders})  # the live copy wins until it is deleted
    ordered = sorted(merged.values(), key=_key, reverse=True)
    page = ordered[:limit]
    more = len(ordered) > limit or archive_has_more  # a dropped copy must not end the paging early
    return HistoryPage(orders=page, next=Position(*_key(page[-1])) if more and page else None)


def archived_orders_of_day(*, day: dt.date, status: str, before: Position | None = None,
                           limit: int = 50) -> HistoryPage:
    """One newest-first page of the archived orders created on `day` (in the shop's time zone)
    that ended in `status`: for staff and reports. Raises ArchiveUnavailable."""
    found = _archive().list_for_day(day, status=status, before=before, limit=limit + 1)
    page = found[:limit]
    return HistoryPage(orders=page, next=Position(*_key(page[-1])) if len(found) > limit and page else None)


def order_history_get(*, order_id: uuid.UUID | str, user_id: int | None = None) -> Order | ArchivedOrder | None:
    """One order, live (with lines and timeline) or else from the archive; None if neither."""
    order = order_get(order_id=order_id, user_id=user_id)
    if order is not None:
        return order
    archived = _archive().get(order_id)
    if archived is None or (user_id is not None and archived.user_id != user_id):
        return None
    return archived


def seller_order_list(*, seller_id: int) -> QuerySet[Order]:
    """Paid orders holding the seller's items, newest first, with only the seller's lines."""
    theirs = OrderLine.objects.filter(seller_id=seller_id).values("order_id")
    # Paid at some point (placed_at set): an abandoned or failed checkout is none of the
    # seller's business, and its address must not reach them.
    return (Order.objects.filter(pk__in=theirs, placed_at__isnull=False)
            .order_by("-created_at", "-id")
            .prefetch_related(Prefetch("lines", queryset=OrderLine.objects.filter(seller_id=seller_id).order_by("id")),
                              Prefetch("timeline", queryset=OrderStatusChange.objects.filter(
                                  Q(shipment__isnull=True) | Q(shipment__seller_id=seller_id)).order_by("at", "id")),
                              _shipments(seller_id)))


def seller_order_get(*, seller_id: int, order_id: uuid.UUID | str) -> Order | None:
    try:
        order_id = uuid.UUID(str(order_id))
    except ValueError:
        return None
    return seller_order_list(seller_id=seller_id).filter(pk=order_id).first()


def seller_shipment_list(*, seller_id: int, status: str | None = None) -> QuerySet[Shipment]:
    """The seller's shipments of paid orders, newest first, with their order and lines."""
    shipments = Shipment.objects.filter(seller_id=seller_id, order__placed_at__isnull=False)
    if status is not None:
        shipments = shipments.filter(status=status)
    lines = ShipmentLine.objects.select_related("line").order_by("line_id")
    return (shipments.select_related("order").order_by("-created_at", "-id")
            .prefetch_related(Prefetch("lines", queryset=lines)))


def seller_shipment_get(*, seller_id: int, shipment_id: int) -> Shipment | None:
    return seller_shipment_list(seller_id=seller_id).filter(pk=shipment_id).first()


def seller_return_list(*, seller_id: int, status: str | None = None) -> QuerySet[ReturnRequest]:
    """Returns of the seller's shipments, newest first, with their lines."""
    returns = ReturnRequest.objects.filter(shipment__seller_id=seller_id)
    if status is not None:
        returns = returns.filter(status=status)
    return (returns.select_related("order").order_by("-created_at", "-id")
            .prefetch_related(Prefetch("lines", queryset=ReturnLine.objects.select_related("shipment_line__line"))))


# --- For other apps: what a customer has received -------------------------------------------------

ARCHIVE_PAGE = 100
# Pages (the product page's "Write a review") may use a customer's archived delivered items up to
# this old: archived orders never change, so a cached answer is only missing orders archived since.
ARCHIVED_ITEMS_CACHE_SECONDS = 600


def _archived_delivered(user_id: int, wanted: set[int] | None) -> set[int]:
    """Item ids of the customer's delivered archived orders, newest first a page at a time; with
    `wanted`, only those, stopping once all are found. Raises ArchiveUnavailable."""
    archive = _archive()
    found: set[int] = set()
    before: ArchivePosition | None = None
    while True:
        page = archive.list_for_user(user_id, status=Order.Status.DELIVERED, before=before, limit=ARCHIVE_PAGE)
        for order in page:
            found.update(line.item_id for line in order.lines)
        if wanted is not None and wanted <= found:
            return found & wanted
        if len(page) < ARCHIVE_PAGE:
            return found if wanted is None else found & wanted
        before = _key(page[-1])


def orders_version_key(user_id: int) -> str:
    return f"orders:customer-version:v1:{user_id}"


def header_cache_keys(request: HttpRequest, user_id: int | None) -> list[str]:
    """The key `orders_version` reads, for the page's one prefetch (shop.middleware)."""
    return [orders_version_key(user_id)] if user_id is not None else []


def orders_version(*, user_id: int) -> str:
    """A token that changes whenever anything the customer's order pages show changes
    (shop.versions): an order created, any status change, its payment link or delivery dates set,
    its cancel reason, an order archived, any save or delete of an order, line or status change
    (orders.signals). For the keys of kept pages: "my orders", the order page, the orders API, and
    whether they may review an item they received. No query."""
    return version_token(orders_version_key(user_id))


def orders_version_forget(user_id: int, *, using: str = DEFAULT_DB_ALIAS) -> None:
    """One of the customer's orders changed: pages kept under the old token are not read again
    (at once, and again when the change commits)."""
    version_forget(orders_version_key(user_id), using=using)


def delivered_item_ids(*, user_id: int, item_ids: Iterable[int | str | None], include_archive: bool = True,
                       fresh: bool = True) -> set[int]:
    """Which of `item_ids` the customer has received: a line of one of their delivered orders,
    live or (with `include_archive`) archived.

    One query when the live orders answer for every id. Otherwise the archive is asked: with
    `fresh`, the customer's delivered archived orders are read until every id is found or they run
    out (a customer with hundreds of archived orders: ~20 ms on the relational archive); without
    it, all their archived delivered items are read once and cached for ARCHIVED_ITEMS_CACHE_SECONDS
    (for pages; an order archived since then is missed that long). Raises ArchiveUnavailable when
    the archive has to be asked and can't be."""
    wanted = {int(i) for i in item_ids if i is not None and 0 < int(i) < 2**63}
    if not wanted:
        return set()
    found = set(OrderLine.objects.filter(order__user_id=user_id, order__status=Order.Status.DELIVERED,
                                         item_id__in=wanted).values_list("item_id", flat=True).distinct())
    missing = wanted - found
    if not missing or not include_archive:
        return found
    if fresh:
        return found | _archived_delivered(user_id, missing)
    key = f"orders:archived-delivered-items:v1:{user_id}"
    archived: set[int] | None = cache.get(key)
    if archived is None:
        archived = _archived_delivered(user_id, None)
        cache.set(key, archived, ARCHIVED_ITEMS_CACHE_SECONDS)
    return found | (missing & archived)


def recently_ordered_item_ids(*, user_id: int, since: dt.datetime) -> set[int]:
    """The items on the customer's orders created since `since` (any status but cancelled:
    what they have just bought or are paying for). One query, on the live orders only:
    archived orders are older than any "recently" a caller asks for."""
    return set(OrderLine.objects.filter(order__user_id=user_id, order__created_at__gte=since)
               .exclude(order__status=Order.Status.CANCELLED)
               .values_list("item_id", flat=True).distinct())


# --- Order numbers, for the screens of apps that keep only an order's id (shop.references) -------

def order_numbers(order_ids: Collection[str]) -> dict[str, str]:
    """{order id: number} of the live and (embedded) archived orders among `order_ids` that have one."""
    ids = []
    for order_id in order_ids:
        try:
            ids.append(uuid.UUID(str(order_id)))
        except ValueError:
            continue
    if not ids:
        return {}
    found = {str(pk): number for pk, number in Order.objects.filter(pk__in=ids).values_list("pk", "number")}
    rest = [order_id for order_id in ids if str(order_id) not in found]
    if rest:
        found.update((str(pk), number) for pk, number in ArchivedOrderRecord.objects.filter(order_id__in=rest)
                     .exclude(number="").values_list("order_id", "number"))
    return found


def order_ids_by_number(number: str) -> list[str]:
    """The id (as text) of the order with `number`, live or archived (embedded archive): [] or one."""
    ids = list(Order.objects.filter(number=number).values_list("pk", flat=True))
    if not ids:
        ids = list(ArchivedOrderRecord.objects.filter(number=number).values_list("order_id", flat=True))
    return [str(order_id) for order_id in ids]
