"""What other apps use of payments: open, void and refund an order's payment; their states; a
cash-on-delivery payment opened with its order and settled once its parcels are delivered or back.

An order's payments are numbered attempts and the latest is the current one: what takes only an
order id reads the current attempt; `attempt=` names an earlier one (decision 0033).
"""

from payments.backends.base import GatewayError
from payments.selectors import payment_attempts_superseded_paid, payment_statuses, refund_keys_made
from payments.services import (
    COD,
    PaymentInfo,
    payment_attempt_new,
    payment_cod_open,
    payment_cod_settle,
    payment_current_attempt,
    payment_gateway_status,
    payment_refund,
    payment_start,
    payment_sync_from_gateway,
    payment_void,
)

__all__ = ["COD", "GatewayError", "PaymentInfo", "payment_attempt_new", "payment_attempts_superseded_paid",
           "payment_cod_open", "payment_cod_settle", "payment_current_attempt", "payment_gateway_status",
           "payment_refund", "payment_start", "payment_statuses", "payment_sync_from_gateway", "payment_void",
           "refund_keys_made"]
