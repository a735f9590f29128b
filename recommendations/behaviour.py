"""A behaviour event: what a visitor did with an item, and nothing personal beyond ids and PIN.

One flat record for every kind, so the lake is one table partitioned by type, date and hour:
`query` and `position` are filled for search clicks only. `visitor_id` is the anonymous id of
the browser; `customer_id` is set once the visitor is logged in (the join of the two on log-in
is the producer's business, issue 9 item 1).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

EVENT_TYPE_PREFIX = "behaviour."


def behaviour_event_type(type_: BehaviourType | str) -> str:
    """The bus's name for a behaviour event: "behaviour.product_viewed.v1"."""
    return f"{EVENT_TYPE_PREFIX}{BehaviourType(type_).value}.v1"


class BehaviourType(StrEnum):
    PRODUCT_VIEWED = "product_viewed"
    SEARCH_CLICKED = "search_clicked"
    WISHLIST_ADDED = "wishlist_added"
    WISHLIST_REMOVED = "wishlist_removed"
    CART_ADDED = "cart_added"
    CART_REMOVED = "cart_removed"
    ORDER_PLACED = "order_placed"
    ORDER_CANCELLED = "order_cancelled"
    ORDER_DELIVERED = "order_delivered"


@dataclass(frozen=True, slots=True)
class BehaviourEvent:
    event_id: uuid.UUID
    type: BehaviourType
    occurred_at: datetime  # aware; kept in UTC
    visitor_id: str
    item_id: int
    category_id: int
    price_paise: int
    customer_id: int | None = None
    pin_code: str = ""
    query: str = ""  # search clicks: what was searched
    position: int | None = None  # search clicks: the result's place, from 1
    quantity: int = 1  # order events: the line's units (price_paise is the unit price)

    def __post_init__(self) -> None:
        if self.occurred_at.tzinfo is None:
            raise ValueError("occurred_at must be timezone-aware")
        object.__setattr__(self, "occurred_at", self.occurred_at.astimezone(UTC))
        object.__setattr__(self, "type", BehaviourType(self.type))
        if not isinstance(self.event_id, uuid.UUID):
            object.__setattr__(self, "event_id", uuid.UUID(str(self.event_id)))

    @property
    def partition(self) -> tuple[str, str, int]:
        """(type, YYYY-MM-DD, hour) of the lake partition the event belongs to, in UTC."""
        return self.type.value, self.occurred_at.strftime("%Y-%m-%d"), self.occurred_at.hour

    def as_row(self) -> dict[str, Any]:
        """The columns stored in a Parquet file (type, date and hour are the partition's path)."""
        return {
            "event_id": str(self.event_id),
            "occurred_at": self.occurred_at,
            "visitor_id": self.visitor_id,
            "customer_id": self.customer_id,
            "item_id": self.item_id,
            "category_id": self.category_id,
            "price_paise": self.price_paise,
            "pin_code": self.pin_code,
            "query": self.query,
            "position": self.position,
            "quantity": self.quantity,
        }

    def as_payload(self) -> dict[str, Any]:
        """The event payload on the bus (the envelope carries the id, the type and the time)."""
        return {"visitor_id": self.visitor_id, "customer_id": self.customer_id, "item_id": self.item_id,
                "category_id": self.category_id, "price_paise": self.price_paise, "pin_code": self.pin_code,
                "query": self.query, "position": self.position, "quantity": self.quantity}

    @classmethod
    def from_bus(cls, *, event_id: uuid.UUID, type: str, occurred_at: datetime,
                 payload: dict[str, Any]) -> BehaviourEvent | None:
        """The behaviour event an envelope carries, or None for another kind of event."""
        if not type.startswith(EVENT_TYPE_PREFIX):
            return None
        kind = type.removeprefix(EVENT_TYPE_PREFIX).rsplit(".v", 1)[0]
        if kind not in BehaviourType.__members__.values():
            return None
        return cls(event_id=event_id, type=BehaviourType(kind), occurred_at=occurred_at,
                   visitor_id=str(payload.get("visitor_id") or ""), customer_id=payload.get("customer_id"),
                   item_id=int(payload["item_id"]), category_id=int(payload["category_id"]),
                   price_paise=int(payload["price_paise"]), pin_code=payload.get("pin_code") or "",
                   query=payload.get("query") or "", position=payload.get("position"),
                   quantity=int(payload.get("quantity") or 1))

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> BehaviourEvent:
        occurred_at = row["occurred_at"]
        if occurred_at.tzinfo is None:
            occurred_at = occurred_at.replace(tzinfo=UTC)
        return cls(
            event_id=uuid.UUID(row["event_id"]), type=BehaviourType(row["type"]), occurred_at=occurred_at,
            visitor_id=row["visitor_id"], customer_id=row["customer_id"], item_id=row["item_id"],
            category_id=row["category_id"], price_paise=row["price_paise"], pin_code=row["pin_code"] or "",
            query=row["query"] or "", position=row["position"], quantity=row.get("quantity") or 1,
        )
