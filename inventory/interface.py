"""What other apps use of inventory: availability, delivery promises, reservations."""

from inventory.selectors import (
    DeliveryPromise,
    availability_get,
    delivery_promises,
    held_reservations_by_order,
    orderable_get,
    reservation_statuses,
    stock_locations,
)
from inventory.services import (
    InsufficientStock,
    InventoryError,
    LineRequest,
    NotDeliverable,
    ReservedLine,
    StockDrift,
    reservation_commit,
    reservation_release,
    stock_reserve,
    stock_reserved_drift,
    stock_reserved_repair,
)

__all__ = [
    "DeliveryPromise",
    "InsufficientStock",
    "InventoryError",
    "LineRequest",
    "NotDeliverable",
    "ReservedLine",
    "StockDrift",
    "availability_get",
    "delivery_promises",
    "held_reservations_by_order",
    "orderable_get",
    "reservation_commit",
    "reservation_release",
    "reservation_statuses",
    "stock_locations",
    "stock_reserve",
    "stock_reserved_drift",
    "stock_reserved_repair",
]
