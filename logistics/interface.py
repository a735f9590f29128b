"""What other apps use of logistics: PIN codes, warehouses and the delivery promise.

Staff screens name warehouses with `warehouse_labels(warehouse_ids=...)` (one query).

Inventory composes the promise for an item: the warehouses holding stock →
`delivery_estimates(warehouse_ids=..., pin_code=...)` → `earliest_delivery(...)`.

Orders asks `cash_on_delivery_available(pin_code=...)` before offering cash on delivery.
"""

from logistics.errors import MalformedPinCode, PinCodeError, UnknownPinCode
from logistics.selectors import (
    DeliveryEstimate,
    PinCodeInfo,
    WarehouseInfo,
    cash_on_delivery_available,
    delivery_estimates,
    earliest_delivery,
    pin_code_check,
    pin_code_get,
    pin_code_states,
    warehouse_get,
    warehouse_get_by_code,
    warehouse_ids_active,
    warehouse_labels,
    warehouses_for_seller,
    warehouses_get,
)

__all__ = [
    "DeliveryEstimate",
    "MalformedPinCode",
    "PinCodeError",
    "PinCodeInfo",
    "UnknownPinCode",
    "WarehouseInfo",
    "cash_on_delivery_available",
    "delivery_estimates",
    "earliest_delivery",
    "pin_code_check",
    "pin_code_get",
    "pin_code_states",
    "warehouse_get",
    "warehouse_get_by_code",
    "warehouse_ids_active",
    "warehouse_labels",
    "warehouses_for_seller",
    "warehouses_get",
]
