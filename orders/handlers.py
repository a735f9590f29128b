"""Orders react to payment outcomes, and note a shipment's invoice once invoicing has issued it."""

from events.interface import Event, consumer
from orders.services import order_fail_payment, order_mark_paid, shipment_invoice_note


@consumer("payments.payment_succeeded.v1", name="orders.mark_paid")
def on_payment_succeeded(event: Event) -> None:
    order_mark_paid(order_id=event.payload["order_id"], attempt=event.payload.get("attempt"))


@consumer("payments.payment_failed.v1", name="orders.fail_payment")
def on_payment_failed(event: Event) -> None:
    if event.payload.get("final", True):  # a retryable decline leaves the order to pay or expire
        order_fail_payment(order_id=event.payload["order_id"], reason=event.payload.get("reason", ""),
                           attempt=event.payload.get("attempt"))


@consumer("invoicing.invoice_issued.v1", name="orders.note_invoice")
def on_invoice_issued(event: Event) -> None:
    shipment_invoice_note(shipment_id=event.payload["shipment_id"], number=event.payload["number"],
                          path=event.payload["html_path"])
