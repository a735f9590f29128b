"""The order archive port: where finished orders live once they leave the live tables.

An archived order is a frozen snapshot, lines, shipments and timeline included (snapshot version 2;
a version 1 snapshot, from before shipments, reads with one shipment per seller and warehouse).
It reads like a live Order where pages and the API need it to (`status`, `get_status_display()`,
`lines.all`, `shipments.all`, `timeline.all`, `line.total_paise`, `change.to_status_display`), so
"my orders" renders both alike.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from typing import Protocol

from django.utils import timezone

from orders.models import Order, Shipment
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
    delivery_date: dt.date | None = None

    @property
    def total_paise(self) -> int:
        return self.unit_price_paise * self.quantity


@dataclass(frozen=True)
class ArchivedShipmentLine:
    item_id: int
    quantity: int
    line: ArchivedLine | None = field(default=None, compare=False)  # the order line, as pages read it

    @property
    def total_paise(self) -> int:
        return self.line.unit_price_paise * self.quantity if self.line else 0


@dataclass(frozen=True)
class ArchivedShipment:
    id: int | None  # None: made up from a version 1 snapshot
    seller_id: int
    warehouse_id: int | None
    status: str
    promised_date: dt.date | None = None
    courier: str = ""
    tracking_number: str = ""
    invoice_number: str = ""
    invoice_path: str = ""
    lines: Rows = field(default_factory=Rows)
    cash_due_paise: int | None = None  # cash on delivery only
    cash_collected_paise: int | None = None

    def get_status_display(self) -> str:
        return Shipment.Status(self.status).label if self.status in Shipment.Status.values else self.status

    @property
    def on_its_way(self) -> bool:
        return self.status in (Shipment.Status.PENDING, Shipment.Status.PACKED, Shipment.Status.IN_TRANSIT)

    cancellable = False  # an archived order is finished

    def to_dict(self) -> dict:
        return {"id": self.id, "seller_id": self.seller_id, "warehouse_id": self.warehouse_id, "status": self.status,
                "promised_date": self.promised_date.isoformat() if self.promised_date else None,
                "courier": self.courier, "tracking_number": self.tracking_number,
                "invoice_number": self.invoice_number, "invoice_path": self.invoice_path,
                "cash_due_paise": self.cash_due_paise, "cash_collected_paise": self.cash_collected_paise,
                "lines": [{"item_id": x.item_id, "quantity": x.quantity} for x in self.lines]}

    @classmethod
    def from_dict(cls, data: dict, lines: dict[int, ArchivedLine]) -> ArchivedShipment:
        return cls(**{**data, "promised_date": _date(data["promised_date"]),
                      "lines": Rows(ArchivedShipmentLine(**x, line=lines.get(x["item_id"])) for x in data["lines"])})


_V1_SHIPMENT_STATUS: dict[str, str] = {Order.Status.DELIVERED: Shipment.Status.DELIVERED,
                                       Order.Status.CANCELLED: Shipment.Status.CANCELLED}


def _v1_shipments(status: str, lines: list[dict], by_item: dict[int, ArchivedLine]) -> Rows:
    """A version 1 snapshot's lines as they shipped: one shipment per seller and warehouse."""
    groups: dict[tuple[int, int | None], list[dict]] = {}
    for line in lines:
        groups.setdefault((line["seller_id"], line.get("warehouse_id")), []).append(line)
    return Rows(ArchivedShipment(id=None, seller_id=seller_id, warehouse_id=warehouse_id,
                                 status=_V1_SHIPMENT_STATUS.get(status, Shipment.Status.PENDING),
                                 promised_date=max((dt.date.fromisoformat(x["delivery_date"]) for x in members
                                                    if x.get("delivery_date")), default=None),
                                 lines=Rows(ArchivedShipmentLine(x["item_id"], x["quantity"], by_item.get(x["item_id"]))
                                            for x in members))
                for (seller_id, warehouse_id), members in groups.items())


@dataclass(frozen=True)
class ArchivedStatusChange:
    from_status: str
    to_status: str
    reason: str
    at: dt.datetime
    shipment_id: int | None = None

    @property
    def to_status_display(self) -> str:
        statuses = Shipment.Status if self.shipment_id else Order.Status
        return str(statuses(self.to_status).label) if self.to_status in statuses.values else self.to_status


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
    shipments: Rows = field(default_factory=Rows)
    payment_url: str = ""
    archived: bool = True
    number: str = ""  # empty in snapshots taken before orders had numbers (version 1)
    payment_method: str = Order.PaymentMethod.ONLINE
    cancellable = False  # finished: nothing left to call off

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
        """The snapshot of a live order (its lines, shipments and timeline are read here)."""
        return cls.from_dict(cls._of(order).to_dict())  # one shape, whichever way it was made

    @classmethod
    def _of(cls, order: Order) -> ArchivedOrder:
        return cls(
            id=order.pk, number=order.number, user_id=order.user_id, status=order.status,
            cancel_reason=order.cancel_reason,
            created_at=order.created_at, placed_at=order.placed_at, expires_at=order.expires_at,
            pin_code=order.pin_code, ship_name=order.ship_name, ship_phone=order.ship_phone,
            ship_line1=order.ship_line1, ship_line2=order.ship_line2, ship_city=order.ship_city,
            ship_state=order.ship_state, subtotal_paise=order.subtotal_paise, shipping_paise=order.shipping_paise,
            total_paise=order.total_paise, currency=order.currency, payment_method=order.payment_method,
            lines=Rows(ArchivedLine(item_id=x.item_id, seller_id=x.seller_id, sku=x.sku, title=x.title,
                                    image_url=x.image_url, unit_price_paise=x.unit_price_paise, quantity=x.quantity,
                                    delivery_date=x.delivery_date)
                       for x in order.lines.order_by("id")),
            timeline=Rows(ArchivedStatusChange(from_status=c.from_status, to_status=c.to_status, reason=c.reason,
                                               at=c.at, shipment_id=c.shipment_id)
                          for c in order.timeline.order_by("at", "id")),
            shipments=Rows(
                ArchivedShipment(id=s.pk, seller_id=s.seller_id, warehouse_id=s.warehouse_id, status=s.status,
                                 promised_date=s.promised_date, courier=s.courier, tracking_number=s.tracking_number,
                                 invoice_number=s.invoice_number, invoice_path=s.invoice_path,
                                 cash_due_paise=s.cash_due_paise, cash_collected_paise=s.cash_collected_paise,
                                 lines=Rows(ArchivedShipmentLine(x.line.item_id, x.quantity)
                                            for x in s.lines.select_related("line").order_by("line_id")))
                for s in order.shipments.order_by("promised_date", "pk")),
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
            "payment_method": self.payment_method,
            "lines": [{"item_id": x.item_id, "seller_id": x.seller_id, "sku": x.sku, "title": x.title,
                       "image_url": x.image_url, "unit_price_paise": x.unit_price_paise, "quantity": x.quantity,
                       "delivery_date": x.delivery_date.isoformat() if x.delivery_date else None}
                      for x in self.lines],
            "timeline": [{"from_status": c.from_status, "to_status": c.to_status, "reason": c.reason,
                          "at": c.at.isoformat(), "shipment_id": c.shipment_id} for c in self.timeline],
            "shipments": [s.to_dict() for s in self.shipments],
        }

    @classmethod
    def from_dict(cls, data: dict) -> ArchivedOrder:
        lines = Rows(ArchivedLine(**{**{k: v for k, v in x.items() if k != "warehouse_id"},
                                     "delivery_date": _date(x["delivery_date"])}) for x in data["lines"])
        by_item = {line.item_id: line for line in lines}
        return cls(
            id=uuid.UUID(data["id"]), number=data.get("number") or "", user_id=data["user_id"], status=data["status"],
            cancel_reason=data["cancel_reason"], created_at=dt.datetime.fromisoformat(data["created_at"]),
            placed_at=_datetime(data["placed_at"]), expires_at=_datetime(data["expires_at"]),
            pin_code=data["pin_code"], ship_name=data["ship_name"], ship_phone=data["ship_phone"],
            ship_line1=data["ship_line1"], ship_line2=data["ship_line2"], ship_city=data["ship_city"],
            ship_state=data["ship_state"], subtotal_paise=data["subtotal_paise"],
            shipping_paise=data["shipping_paise"], total_paise=data["total_paise"], currency=data["currency"],
            payment_method=data.get("payment_method") or Order.PaymentMethod.ONLINE,
            lines=lines,
            timeline=Rows(ArchivedStatusChange(**{**c, "at": _datetime(c["at"])}) for c in data["timeline"]),
            shipments=(Rows(ArchivedShipment.from_dict(x, by_item) for x in data["shipments"])
                       if data.get("version", 1) >= 2 else _v1_shipments(data["status"], data["lines"], by_item)),
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
