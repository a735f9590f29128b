"""What other apps may use of invoicing.

Invoicing is downstream of orders: it consumes orders.shipment_shipped.v1 (the contract is
`ShipmentShipped`, parsed by `ShipmentShipped.from_payload`) and emits invoicing.invoice_issued.v1
(key: the order id; payload: version, invoice_id, number, shipment_id, order_id, seller_id,
user_id, issued_at, total_paise, html_path, pdf_path) for whoever shows or sends the invoice.
Upstream apps never call this module; they listen to that event.
"""

from __future__ import annotations

from invoicing.selectors import invoice_for_shipment
from invoicing.types import INVOICE_ISSUED, SHIPMENT_SHIPPED, InvoiceInfo, PayloadInvalid, ShipmentShipped


def invoice_info_for_shipment(shipment_id: int) -> InvoiceInfo | None:
    invoice = invoice_for_shipment(shipment_id)
    if invoice is None:
        return None
    return InvoiceInfo(
        id=invoice.pk, number=invoice.number, shipment_id=invoice.shipment_id, order_id=invoice.order_id,
        seller_id=invoice.seller_id, user_id=invoice.user_id, issued_at=invoice.issued_at,
        supply_type=invoice.supply_type, taxable_paise=invoice.taxable_paise, cgst_paise=invoice.cgst_paise,
        sgst_paise=invoice.sgst_paise, igst_paise=invoice.igst_paise, total_paise=invoice.total_paise,
        html_url=f"/invoices/{invoice.pk}/", pdf_url=f"/invoices/{invoice.pk}.pdf",
    )


__all__ = ["INVOICE_ISSUED", "SHIPMENT_SHIPPED", "InvoiceInfo", "PayloadInvalid", "ShipmentShipped",
           "invoice_info_for_shipment"]
