"""The event invoicing consumes, as a type (its producer is the orders app), and what invoicing
hands to others."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from orders.interface import SHIPMENT_SHIPPED

INVOICE_ISSUED = "invoicing.invoice_issued.v1"


class PayloadInvalid(ValueError):
    """An event payload that does not follow the contract (or a version this code does not know)."""


@dataclass(frozen=True, slots=True)
class BuyerAddress:
    name: str
    line1: str
    line2: str
    city: str
    state: str  # may be "" on old orders: then the PIN code's state
    pin_code: str


@dataclass(frozen=True, slots=True)
class ShippedLine:
    item_id: int
    sku: str
    title: str
    quantity: int
    unit_price_paise: int  # tax included, as the customer paid

    @property
    def total_paise(self) -> int:
        return self.unit_price_paise * self.quantity


@dataclass(frozen=True, slots=True)
class ShipmentShipped:
    """orders.shipment_shipped.v1 (key: the order id): a shipment handed to the courier.

    `shipping_paise` (optional, default 0): the shipping charge this shipment carries, tax
    included; invoiced as its own line at the rate of the shipment's main goods.
    """

    VERSION = 1

    shipment_id: int
    order_id: UUID
    order_reference: str
    user_id: int
    seller_id: int
    warehouse_id: int
    shipped_at: dt.datetime
    buyer: BuyerAddress
    lines: tuple[ShippedLine, ...]
    shipping_paise: int = 0

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> ShipmentShipped:
        try:
            version = payload["version"]
            if version != cls.VERSION:
                raise PayloadInvalid(f"{SHIPMENT_SHIPPED} version {version!r} is not known here (only 1).")
            buyer = payload["buyer"]
            shipped_at = dt.datetime.fromisoformat(payload["shipped_at"])
            if shipped_at.tzinfo is None:
                raise PayloadInvalid("shipped_at must carry its time zone.")
            lines = tuple(
                ShippedLine(item_id=int(line["item_id"]), sku=str(line["sku"]), title=str(line["title"]),
                            quantity=int(line["quantity"]), unit_price_paise=int(line["unit_price_paise"]))
                for line in payload["lines"]
            )
            shipment = cls(
                shipment_id=int(payload["shipment_id"]),
                order_id=UUID(str(payload["order_id"])),
                order_reference=str(payload.get("order_reference") or ""),
                user_id=int(payload["user_id"]),
                seller_id=int(payload["seller_id"]),
                warehouse_id=int(payload["warehouse_id"]),
                shipped_at=shipped_at,
                buyer=BuyerAddress(name=str(buyer["name"]), line1=str(buyer["line1"]),
                                   line2=str(buyer.get("line2") or ""), city=str(buyer["city"]),
                                   state=str(buyer.get("state") or ""), pin_code=str(buyer["pin_code"])),
                lines=lines,
                shipping_paise=int(payload.get("shipping_paise") or 0),
            )
        except PayloadInvalid:
            raise
        except (KeyError, TypeError, ValueError) as exc:
            raise PayloadInvalid(f"{SHIPMENT_SHIPPED} payload is malformed: {exc!r}") from exc
        if not lines:
            raise PayloadInvalid("A shipment without lines has nothing to invoice.")
        if any(line.quantity < 1 or line.unit_price_paise < 0 for line in lines) or shipment.shipping_paise < 0:
            raise PayloadInvalid("Quantities must be positive and prices not negative.")
        return shipment


@dataclass(frozen=True, slots=True)
class InvoiceInfo:
    id: int
    number: str
    shipment_id: int
    order_id: UUID
    seller_id: int
    user_id: int
    issued_at: dt.datetime
    supply_type: str  # "intra" | "inter"
    taxable_paise: int
    cgst_paise: int
    sgst_paise: int
    igst_paise: int
    total_paise: int
    html_url: str
    pdf_url: str
