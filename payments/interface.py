"""What other apps use of payments: open, void and refund an order's payment; their states."""

from payments.backends.base import GatewayError
from payments.selectors import payment_statuses
from payments.services import (
    PaymentInfo,
    payment_gateway_status,
    payment_refund,
    payment_start,
    payment_sync_from_gateway,
    payment_void,
)

__all__ = ["GatewayError", "PaymentInfo", "payment_gateway_status", "payment_refund", "payment_start",
           "payment_statuses", "payment_sync_from_gateway", "payment_void"]
