"""Order use cases, one module each: placing, payment, retry (paying again), reorder (buy again),
fulfilment, cash on delivery, failed delivery, cancellation, returns, archival (common: what they share).

Other modules of orders import from here; other apps use orders.interface.
"""

from orders.services.archival import MIN_ARCHIVE_AGE, orders_archive
from orders.services.cancellation import CANCELLED_BY_CUSTOMER, order_cancel
from orders.services.cash_on_delivery import (
    CashAmountMismatch,
    CodEligibility,
    CodNotAllowed,
    NotCashOnDelivery,
    cod_eligibility,
    shipment_cash_collect,
)
from orders.services.common import OrderError, OrderNotFound
from orders.services.failed_delivery import DELIVERY_FAILURES, shipment_delivery_fail
from orders.services.fulfilment import (
    NotSellersOrder,
    TransitionNotAllowed,
    order_mark_delivered,
    order_mark_packed,
    order_mark_shipped,
    order_status_from_shipments,
    shipment_advance,
    shipment_invoice_note,
)
from orders.services.payment import (
    LATE_PAYMENT_REFUND,
    expiry_hard_deadline,
    order_expire,
    order_expire_stale,
    order_fail_payment,
    order_mark_paid,
)
from orders.services.placing import (
    EmptyOrder,
    IdempotencyConflict,
    ItemsUnavailable,
    OrderLineRequest,
    ShippingAddress,
    order_payment_open,
    order_place,
    shipping_fee,
)
from orders.services.reorder import ReorderLine, ReorderResult, order_reorder
from orders.services.retry import (
    RETRYABLE_CANCEL_REASONS,
    RetryNotAllowed,
    order_payment_retry,
    payment_retry_refusal,
    retry_window,
)
from orders.services.returns import (
    ReturnedUnits,
    ReturnNotAllowed,
    return_approve,
    return_receive,
    return_reject,
    return_request,
    return_window_days,
)

__all__ = [
    "CANCELLED_BY_CUSTOMER",
    "DELIVERY_FAILURES",
    "LATE_PAYMENT_REFUND",
    "MIN_ARCHIVE_AGE",
    "RETRYABLE_CANCEL_REASONS",
    "CashAmountMismatch",
    "CodEligibility",
    "CodNotAllowed",
    "EmptyOrder",
    "IdempotencyConflict",
    "ItemsUnavailable",
    "NotCashOnDelivery",
    "NotSellersOrder",
    "OrderError",
    "OrderLineRequest",
    "OrderNotFound",
    "ReorderLine",
    "ReorderResult",
    "RetryNotAllowed",
    "ReturnNotAllowed",
    "ReturnedUnits",
    "ShippingAddress",
    "TransitionNotAllowed",
    "cod_eligibility",
    "expiry_hard_deadline",
    "order_cancel",
    "order_expire",
    "order_expire_stale",
    "order_fail_payment",
    "order_mark_delivered",
    "order_mark_packed",
    "order_mark_paid",
    "order_mark_shipped",
    "order_payment_open",
    "order_payment_retry",
    "order_place",
    "order_reorder",
    "order_status_from_shipments",
    "orders_archive",
    "payment_retry_refusal",
    "retry_window",
    "return_approve",
    "return_receive",
    "return_reject",
    "return_request",
    "return_window_days",
    "shipment_advance",
    "shipment_cash_collect",
    "shipment_delivery_fail",
    "shipment_invoice_note",
    "shipping_fee",
]
