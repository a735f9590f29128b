"""Orders react to payment outcomes."""

from events.interface import Event, consumer
from orders.services import order_fail_payment, order_mark_paid


@consumer("payments.payment_succeeded.v1", name="orders.mark_paid")
def on_payment_succeeded(event: Event) -> None:
    order_mark_paid(order_id=event.payload["order_id"])


@consumer("payments.payment_failed.v1", name="orders.fail_payment")
def on_payment_failed(event: Event) -> None:
    if event.payload.get("final", True):  # a retryable decline leaves the order to pay or expire
        order_fail_payment(order_id=event.payload["order_id"], reason=event.payload.get("reason", ""))
