"""What other apps use of payments: open, void and refund an order's payment; their states; a
cash-on-delivery payment opened with its order and settled once its parcels are delivered or back."""

from payments.backends.base import GatewayError
from payments.selectors import payment_statuses
from payments.services import (
    COD,
    PaymentInfo,
    payment_cod_open,
    payment_cod_settle,
    payment_gateway_status,
    payment_refund,
    payment_start,
    payment_sync_from_gateway,
    payment_void,
)

__all__ = ["COD", "GatewayError", "PaymentInfo", "payment_cod_open", "payment_cod_settle", "payment_gateway_status",
           "payment_refund", "payment_start", "payment_statuses", "payment_sync_from_gateway", "payment_void"]
