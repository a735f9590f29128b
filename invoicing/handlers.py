"""Invoicing consumes orders.shipment_shipped.v1: each shipment handed to the courier gets its GST
invoice. Idempotent twice over: the consumer's handled-event marker (events.registry.dispatch)
skips a redelivered event, and a shipment that already has an invoice (the same shipment in a
second event) keeps it (`invoice_issue`)."""

from __future__ import annotations

from events.interface import Event, consumer
from invoicing.services import invoice_issue
from invoicing.types import SHIPMENT_SHIPPED, ShipmentShipped


@consumer(SHIPMENT_SHIPPED, name="invoicing.issue_invoice")
def on_shipment_shipped(event: Event) -> None:
    invoice_issue(shipment=ShipmentShipped.from_payload(event.payload))
