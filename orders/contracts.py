"""What orders promises the apps that listen to it: its statuses, its event names and the shape of
their payloads. Other apps read these through orders.interface; orders builds every payload here,
so a field is added (or a version bumped) in one place.

Payloads are JSON objects on the bus; the TypedDicts say what is in them. A consumer of a
versioned payload checks `version` and refuses what it does not know.
"""

from __future__ import annotations

from typing import Literal, NotRequired, TypedDict

from orders.models import Order, Shipment

OrderStatus = Order.Status
ShipmentStatus = Shipment.Status

ORDER_CREATED = "orders.order_created.v1"
ORDER_PLACED = "orders.order_placed.v1"
ORDER_PACKED = "orders.order_packed.v1"
ORDER_SHIPPED = "orders.order_shipped.v1"
ORDER_DELIVERED = "orders.order_delivered.v1"
ORDER_CANCELLED = "orders.order_cancelled.v1"
ORDER_RETURNED = "orders.order_returned.v1"
ORDER_ARCHIVED = "orders.order_archived.v1"
LATE_PAYMENT_REFUNDED = "orders.late_payment_refunded.v1"
LATE_PAYMENT_HONOURED = "orders.late_payment_honoured.v1"
SHIPMENT_PACKED = "orders.shipment_packed.v1"
SHIPMENT_SHIPPED = "orders.shipment_shipped.v1"
SHIPMENT_DELIVERED = "orders.shipment_delivered.v1"
SHIPMENT_CANCELLED = "orders.shipment_cancelled.v1"
SHIPMENT_DELIVERY_FAILED = "orders.shipment_delivery_failed.v1"
SHIPMENT_CASH_COLLECTED = "orders.shipment_cash_collected.v1"
PAYMENT_RETRIED = "orders.payment_retried.v1"
RETURN_REQUESTED = "orders.return_requested.v1"
RETURN_APPROVED = "orders.return_approved.v1"
RETURN_REJECTED = "orders.return_rejected.v1"
RETURN_RECEIVED = "orders.return_received.v1"


class OrderLinePayload(TypedDict):
    item_id: int
    seller_id: int
    sku: str
    quantity: int
    unit_price_paise: int


class OrderPayload(TypedDict):
    """ORDER_CREATED, ORDER_PLACED, ORDER_PACKED/SHIPPED/DELIVERED/RETURNED, ORDER_CANCELLED (with `reason`)."""

    order_id: str
    number: str
    user_id: int
    status: str
    pin_code: str
    total_paise: int
    currency: str
    payment_method: str  # Order.PaymentMethod: online or cod
    lines: list[OrderLinePayload]
    reason: NotRequired[str]


class BuyerPayload(TypedDict):
    name: str
    line1: str
    line2: str
    city: str
    state: str
    pin_code: str


class ShipmentLinePayload(TypedDict):
    item_id: int
    sku: str
    title: str
    quantity: int
    unit_price_paise: int


class ShipmentPayload(TypedDict):
    """SHIPMENT_PACKED, SHIPMENT_SHIPPED (with `shipped_at`), SHIPMENT_DELIVERED, SHIPMENT_CANCELLED
    (with `reason`, `refund_paise` and `payment_method`)."""

    version: Literal[1]
    shipment_id: int
    order_id: str
    order_reference: str
    user_id: int
    seller_id: int
    warehouse_id: int | None
    status: str
    courier: str
    tracking_number: str
    at: str
    shipped_at: NotRequired[str]
    buyer: BuyerPayload
    lines: list[ShipmentLinePayload]
    reason: NotRequired[str]
    refund_paise: NotRequired[int]
    payment_method: NotRequired[str]


class ReturnLinePayload(TypedDict):
    item_id: int
    sku: str
    quantity: int
    outcome: str


class ReturnPayload(TypedDict):
    """RETURN_REQUESTED, RETURN_APPROVED, RETURN_REJECTED, RETURN_RECEIVED."""

    version: Literal[1]
    return_id: int
    order_id: str
    order_reference: str
    user_id: int
    seller_id: int
    shipment_id: int
    status: str
    reason: str
    refund_paise: int
    lines: list[ReturnLinePayload]
