"""What other apps may use of orders. (How an order is named: shop.references, its number looked up
through what OrdersConfig.ready registers there, so that upstream apps can show it too.)

`delivered_item_ids(user_id=, item_ids=, fresh=True)`: which of the items the customer has received
(a line of one of their delivered orders, live or archived); `fresh=False` lets the archived part
come from a per-customer cache (for pages). Raises `ArchiveUnavailable` when the archive had to
be asked and could not be.

`orders_version(user_id=)`: a token that changes whenever anything the customer's order pages show
changes (an order created, archived or saved, a status change, its payment link or delivery dates
set), for the keys of kept pages (no query); `header_cache_keys(request, user_id)`, its key, for
the page's one prefetch.

Its contracts (orders.contracts): `OrderStatus`, `ShipmentStatus`, the event names it emits
(`ORDER_PLACED`, `SHIPMENT_SHIPPED`, `RETURN_REQUESTED` …) and their payloads' TypedDicts.

`recently_ordered_item_ids(user_id=, since=)`: the items on the customer's orders since then (not
cancelled), for recommendations that never offer what was just bought.
"""

from orders.backends.base import ArchiveUnavailable
from orders.contracts import (
    LATE_PAYMENT_HONOURED,
    LATE_PAYMENT_REFUNDED,
    ORDER_ARCHIVED,
    ORDER_CANCELLED,
    ORDER_CREATED,
    ORDER_DELIVERED,
    ORDER_PACKED,
    ORDER_PLACED,
    ORDER_RETURNED,
    ORDER_SHIPPED,
    PAYMENT_RETRIED,
    RETURN_APPROVED,
    RETURN_RECEIVED,
    RETURN_REJECTED,
    RETURN_REQUESTED,
    SHIPMENT_CANCELLED,
    SHIPMENT_CASH_COLLECTED,
    SHIPMENT_DELIVERED,
    SHIPMENT_DELIVERY_FAILED,
    SHIPMENT_PACKED,
    SHIPMENT_SHIPPED,
    OrderPayload,
    OrderStatus,
    ReturnPayload,
    ShipmentPayload,
    ShipmentStatus,
)
from orders.selectors import delivered_item_ids, header_cache_keys, orders_version, recently_ordered_item_ids

__all__ = [
    "LATE_PAYMENT_HONOURED",
    "LATE_PAYMENT_REFUNDED",
    "ORDER_ARCHIVED",
    "ORDER_CANCELLED",
    "ORDER_CREATED",
    "ORDER_DELIVERED",
    "ORDER_PACKED",
    "ORDER_PLACED",
    "ORDER_RETURNED",
    "ORDER_SHIPPED",
    "PAYMENT_RETRIED",
    "RETURN_APPROVED",
    "RETURN_RECEIVED",
    "RETURN_REJECTED",
    "RETURN_REQUESTED",
    "SHIPMENT_CANCELLED",
    "SHIPMENT_CASH_COLLECTED",
    "SHIPMENT_DELIVERED",
    "SHIPMENT_DELIVERY_FAILED",
    "SHIPMENT_PACKED",
    "SHIPMENT_SHIPPED",
    "ArchiveUnavailable",
    "OrderPayload",
    "OrderStatus",
    "ReturnPayload",
    "ShipmentPayload",
    "ShipmentStatus",
    "delivered_item_ids",
    "header_cache_keys",
    "orders_version",
    "recently_ordered_item_ids",
]
