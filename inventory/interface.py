"""What other apps use of inventory: availability, delivery promises, reservations."""

from inventory.selectors import (
    DeliveryPromise,
    availability_get,
    delivery_promises,
    held_reservations_by_order,
    reservation_statuses,
    stock_locations,
)
from inventory.services import (
    AllocatedPart,
    AllocationPlan,
    InsufficientStock,
    InventoryError,
    LineRequest,
    NotDeliverable,
    StockDrift,
    allocation_plan,
    reservation_commit,
    reservation_release,
    stock_reserve,
    stock_reserved_drift,
    stock_reserved_repair,
)

__all__ = [
    "AllocatedPart",
    "AllocationPlan",
    "DeliveryPromise",
    "InsufficientStock",
    "InventoryError",
    "LineRequest",
    "NotDeliverable",
    "StockDrift",
    "allocation_plan",
    "availability_get",
    "delivery_promises",
    "held_reservations_by_order",
    "reservation_commit",
    "reservation_release",
    "reservation_statuses",
    "stock_locations",
    "stock_reserve",
    "stock_reserved_drift",
    "stock_reserved_repair",
]
