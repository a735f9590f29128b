"""The order archive port: where finished orders live once they leave the live tables.

An archived order is a frozen snapshot, lines and timeline included. It reads like a live Order
where pages and the API need it to (`status`, `get_status_display()`, `lines.all`, `timeline.all`,
`line.total_paise`, `change.to_status_display`), so "my orders" renders both alike.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from typing import Protocol

from django.utils import timezone

from orders.models import Order
from shop.references import order_reference


class ArchiveUnavailable(Exception):
    """The archive store could not be reached or refused the request."""


class Rows(tuple):
    """A tuple that also answers `.all()`, like the related managers templates and DRF iterate."""

    def all(self) -> Rows:
        return self


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def _datetime(value: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value) if value else None


@dataclass(frozen=True)
class ArchivedLine:
    item_id: int
    seller_id: int
    sku: str
    title: str
    image_url: str
    unit_price_paise: int
    quantity: int
    warehouse_id: int | None = None
    delivery_date: dt.date | None = None

    @property
    def total_paise(self) -> int:
        return self.unit_price_paise * self.quantity


@dataclass(frozen=True)
class ArchivedStatusChange:
    from_status: str
    to_status: str
    reason: str
    at: dt.datetime

    @property
    def to_status_display(self) -> str:
        return Order.Status(self.to_status).label if self.to_status in Order.Status.values else self.to_status


@dataclass(frozen=True)
class ArchivedOrder:
    id: uuid.UUID
    user_id: int
    status: str
    cancel_reason: str
    created_at: dt.datetime
    placed_at: dt.datetime | None
    expires_at: dt.datetime | None
    pin_code: str
    ship_name: str
    ship_phone: str
    ship_line1: str
    ship_line2: str
    ship_city: str
    ship_state: str
    subtotal_paise: int
    shipping_paise: int
    total_paise: int
    currency: str
    lines: Rows = field(default_factory=Rows)
    timeline: Rows = field(default_factory=Rows)
    payment_url: str = ""
    archived: bool = True
    number: str = ""  # empty in snapshots taken before orders had numbers (version 1)

    @property
    def pk(self) -> uuid.UUID:
        return self.id

    @property
    def reference(self) -> str:
        return order_reference(self.id, self.number)

    def get_status_display(self) -> str:
        return Order.Status(self.status).label if self.status in Order.Status.values else self.status

    @property
    def cancel_reason_text(self) -> str:
        return Order.CANCEL_REASONS.get(self.cancel_reason, self.cancel_reason.replace("_", " "))

    @classmethod
    def from_order(cls, order: Order) -> ArchivedOrder:
        """The snapshot of a live order (its lines and timeline are read here)."""
        return cls(
            id=order.pk, number=order.number, user_id=order.user_id, status=order.status,
            cancel_reason=order.cancel_reason,
            created_at=order.created_at, placed_at=order.placed_at, expires_at=order.expires_at,
            pin_code=order.pin_code, ship_name=order.ship_name, ship_phone=order.ship_phone,
            ship_line1=order.ship_line1, ship_line2=order.ship_line2, ship_city=order.ship_city,
            ship_state=order.ship_state, subtotal_paise=order.subtotal_paise, shipping_paise=order.shipping_paise,
            total_paise=order.total_paise, currency=order.currency,
            lines=Rows(ArchivedLine(item_id=x.item_id, seller_id=x.seller_id, sku=x.sku, title=x.title,
                                    image_url=x.image_url, unit_price_paise=x.unit_price_paise, quantity=x.quantity,
                                    warehouse_id=x.warehouse_id, delivery_date=x.delivery_date)
                       for x in order.lines.order_by("id")),
            timeline=Rows(ArchivedStatusChange(from_status=c.from_status, to_status=c.to_status, reason=c.reason,
                                               at=c.at)
                          for c in order.timeline.order_by("at", "id")),
        )

    def to_dict(self) -> dict:
        """JSON-safe: what the stores keep."""
        return {
            "version": 2, "id": str(self.id), "number": self.number, "user_id": self.user_id,
            "status": self.status,
            "cancel_reason": self.cancel_reason, "created_at": self.created_at.isoformat(),
            "placed_at": self.placed_at.isoformat() if self.placed_at else None,
            "expires_at": self.expires_at.isoformat() if self.expires_at else None,
            "pin_code": self.pin_code, "ship_name": self.ship_name, "ship_phone": self.ship_phone,
            "ship_line1": self.ship_line1, "ship_line2": self.ship_line2, "ship_city": self.ship_city,
            "ship_state": self.ship_state, "subtotal_paise": self.subtotal_paise,
            "shipping_paise": self.shipping_paise, "total_paise": self.total_paise, "currency": self.currency,
            "lines": [{"item_id": x.item_id, "seller_id": x.seller_id, "sku": x.sku, "title": x.title,
                       "image_url": x.image_url, "unit_price_paise": x.unit_price_paise, "quantity": x.quantity,
                       "warehouse_id": x.warehouse_id,
                       "delivery_date": x.delivery_date.isoformat() if x.delivery_date else None}
                      for x in self.lines],
            "timeline": [{"from_status": c.from_status, "to_status": c.to_status, "reason": c.reason,
                          "at": c.at.isoformat()} for c in self.timeline],
        }

    @classmethod
    def from_dict(cls, data: dict) -> ArchivedOrder:
        return cls(
            id=uuid.UUID(data["id"]), number=data.get("number") or "", user_id=data["user_id"], status=data["status"],
            cancel_reason=data["cancel_reason"], created_at=_datetime(data["created_at"]),
            placed_at=_datetime(data["placed_at"]), expires_at=_datetime(data["expires_at"]),
            pin_code=data["pin_code"], ship_name=data["ship_name"], ship_phone=data["ship_phone"],
            ship_line1=data["ship_line1"], ship_line2=data["ship_line2"], ship_city=data["ship_city"],
            ship_state=data["ship_state"], subtotal_paise=data["subtotal_paise"],
            shipping_paise=data["shipping_paise"], total_paise=data["total_paise"], currency=data["currency"],
            lines=Rows(ArchivedLine(**{**x, "delivery_date": _date(x["delivery_date"])}) for x in data["lines"]),
            timeline=Rows(ArchivedStatusChange(**{**c, "at": _datetime(c["at"])}) for c in data["timeline"]),
        )


# Where a newest-first listing resumes: the last shown order's (created_at, id). The selectors'
# Position (a NamedTuple of the same two fields) is one.
ArchivePosition = tuple[dt.datetime, uuid.UUID]


def archive_day(created_at: dt.datetime) -> dt.date:
    """The day an order belongs to for the by-day listing: its creation date in the shop's time
    zone (settings.TIME_ZONE), the day staff and reports mean, fixed when it is archived."""
    return timezone.localtime(created_at, timezone.get_default_timezone()).date()


class OrderArchive(Protocol):
    """Every listing is newest first by (created_at, id), both descending, and resumes strictly
    after `before` in that order (all from the newest, if None), at most `limit` orders.
    Any failure to reach or use the store raises ArchiveUnavailable."""

    def put(self, order: ArchivedOrder) -> None:
        """Store the snapshot; storing the same order again replaces it (idempotent upsert)."""

    def get(self, order_id: uuid.UUID | str) -> ArchivedOrder | None:
        """The order, or None for an unknown or malformed id."""

    def list_for_user(self, user_id: int, *, status: str | None = None, before: ArchivePosition | None,
                      limit: int) -> list[ArchivedOrder]:
        """The customer's archived orders, all or only those with `status` ("my orders")."""

    def list_for_day(self, day: dt.date, *, status: str, before: ArchivePosition | None,
                     limit: int) -> list[ArchivedOrder]:
        """Archived orders created on `day` (archive_day) with `status` (staff and reports)."""
