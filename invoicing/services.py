"""Issuing a GST invoice for a shipment: once per shipment, numbered without gaps.

`invoice_issue` reads everything it needs first (the warehouse, the item's HSN codes and rates,
the seller's name and GSTIN), then, in one transaction, takes the next number of the seller's
series for the financial year and writes the invoice, its lines and the invoicing.invoice_issued.v1
event. The number comes from one upsert of the series' counter row, which holds that row's lock to
the commit: an invoice that rolls back gives its number back (no gap), a concurrent one for the
same seller waits for it (no repeat). The lock is taken after all the reads, so it is held for
three statements (the invoice, its lines, the event).
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import IntegrityError, connection, transaction

from accounts.interface import profile_get
from catalog.interface import items_tax_get
from events.interface import emit
from invoicing.models import Invoice, InvoiceCounter, InvoiceLine, SellerGstin, SupplyType
from invoicing.tax import financial_year, normalise_state, split_inclusive
from invoicing.types import INVOICE_ISSUED, ShipmentShipped
from logistics.interface import pin_code_get, warehouse_get

logger = logging.getLogger(__name__)

# Services Accounting Code of the shipping charge (courier services); taxed at the rate of the
# shipment's main goods (a composite supply takes its principal supply's rate).
SHIPPING_SAC = "996812"


class InvoiceNotIssuable(Exception):
    """The shipment lacks what a GST invoice must state (its warehouse, the place of supply).
    The event stays unhandled and is delivered again: fix the data and it goes through."""


def invoice_number(*, year: str, sequence: int) -> str:
    """"2627/000123": the financial year's two halves and the seller's sequence. GST rule 46 allows
    16 characters, unique within the seller's (GSTIN's) series for the year, so no seller id: the
    invoice is the seller's own, and (seller, year, sequence) is what the database keeps unique."""
    start, end = year.split("-")
    return f"{start[2:]}{end}/{sequence:06d}"


def _next_sequence(*, seller_id: int, year: str) -> int:
    """The series' next number, its counter row locked until the caller's transaction ends.

    One upsert, so the first invoices of a year racing to create the row neither fail nor deadlock
    (an INSERT that finds a duplicate and then UPDATEs takes a shared lock first, and two of them
    deadlock upgrading it).
    """
    table = connection.ops.quote_name(InvoiceCounter._meta.db_table)
    if connection.vendor == "mysql":
        upsert = (f"INSERT INTO {table} (seller_id, financial_year, last_number) VALUES (%s, %s, 1) "  # noqa: S608 (our table's name)
                  "ON DUPLICATE KEY UPDATE last_number = last_number + 1")
    else:  # SQLite, PostgreSQL
        upsert = (f"INSERT INTO {table} (seller_id, financial_year, last_number) VALUES (%s, %s, 1) "  # noqa: S608
                  f"ON CONFLICT (seller_id, financial_year) DO UPDATE SET last_number = {table}.last_number + 1")
    with connection.cursor() as cursor:
        cursor.execute(upsert, [seller_id, year])
    return InvoiceCounter.objects.filter(seller_id=seller_id, financial_year=year).values_list(
        "last_number", flat=True).get()


def _buyer_state(shipment: ShipmentShipped) -> str:
    """The place of supply: the delivery PIN code's state (India Post's, which the warehouses'
    states are spelled like); the state the customer typed only when the PIN has none."""
    pin = pin_code_get(shipment.buyer.pin_code)
    if pin is not None and pin.state:
        return normalise_state(pin.state)
    if shipment.buyer.state.strip():
        return normalise_state(shipment.buyer.state)
    raise InvoiceNotIssuable(f"Shipment {shipment.shipment_id}: no state for PIN {shipment.buyer.pin_code!r}.")


def _seller_name(seller_id: int) -> str:
    profile = profile_get(user_id=seller_id)
    if profile is None:
        return f"Seller {seller_id}"
    return profile.full_name or profile.email


def invoice_issue(*, shipment: ShipmentShipped) -> Invoice:
    """The shipment's invoice: issued now, or the one it already has (a redelivery, a second
    event for the same shipment)."""
    existing = Invoice.objects.filter(shipment_id=shipment.shipment_id).first()
    if existing is not None:
        return existing
    warehouse = warehouse_get(shipment.warehouse_id)
    if warehouse is None:
        raise InvoiceNotIssuable(f"Shipment {shipment.shipment_id}: no warehouse {shipment.warehouse_id}.")
    seller_state = normalise_state(warehouse.state)
    buyer_state = _buyer_state(shipment)
    intra = seller_state == buyer_state
    taxes = items_tax_get(line.item_id for line in shipment.lines)

    lines: list[InvoiceLine] = []
    for position, shipped in enumerate(shipment.lines, start=1):
        tax = taxes.get(shipped.item_id)
        if tax is None:
            logger.warning("Shipment %s: item %s is not in the catalog; default GST rate, no HSN code",
                           shipment.shipment_id, shipped.item_id)
        rate = tax.gst_rate if tax else int(settings.GST_DEFAULT_RATE)
        lines.append(_line(position=position, item_id=shipped.item_id, sku=shipped.sku,
                           hsn=tax.hsn_code if tax else "", description=shipped.title, quantity=shipped.quantity,
                           unit_price=shipped.unit_price_paise, rate=rate, intra=intra))
    if shipment.shipping_paise:
        main = max(lines, key=lambda line: (line.total_paise, -line.position))
        lines.append(_line(position=len(lines) + 1, item_id=None, sku="", hsn=SHIPPING_SAC,
                           description="Shipping", quantity=1, unit_price=shipment.shipping_paise,
                           rate=main.gst_rate, intra=intra))

    gstin = SellerGstin.objects.filter(seller_id=shipment.seller_id, state=seller_state).values_list(
        "gstin", flat=True).first() or ""
    year = financial_year(shipment.shipped_at)
    invoice = Invoice(
        seller_id=shipment.seller_id, user_id=shipment.user_id, shipment_id=shipment.shipment_id,
        order_id=shipment.order_id, order_reference=shipment.order_reference, financial_year=year,
        issued_at=shipment.shipped_at, supply_type=SupplyType.INTRA_STATE if intra else SupplyType.INTER_STATE,
        seller_name=_seller_name(shipment.seller_id), seller_gstin=gstin, warehouse_id=warehouse.id,
        warehouse_name=warehouse.name, warehouse_city=warehouse.city, warehouse_pin_code=warehouse.pin_code,
        seller_state=seller_state,
        buyer_name=shipment.buyer.name, buyer_line1=shipment.buyer.line1, buyer_line2=shipment.buyer.line2,
        buyer_city=shipment.buyer.city, buyer_pin_code=shipment.buyer.pin_code, buyer_state=buyer_state,
        **{f"{part}_paise": sum(getattr(line, f"{part}_paise") for line in lines)
           for part in ("taxable", "cgst", "sgst", "igst", "total")},
    )
    try:
        with transaction.atomic():
            invoice.sequence = _next_sequence(seller_id=shipment.seller_id, year=year)
            invoice.number = invoice_number(year=year, sequence=invoice.sequence)
            invoice.save(force_insert=True)
            for line in lines:
                line.invoice = invoice
            InvoiceLine.objects.bulk_create(lines)
            emit(INVOICE_ISSUED, key=shipment.order_id, payload=_issued_payload(invoice))
    except IntegrityError:
        # Another delivery issued this shipment's invoice meanwhile; ours rolled back, number and all.
        existing = Invoice.objects.filter(shipment_id=shipment.shipment_id).first()
        if existing is None:
            raise
        return existing
    return invoice


def _line(*, position: int, item_id: int | None, sku: str, hsn: str, description: str, quantity: int,
          unit_price: int, rate: int, intra: bool) -> InvoiceLine:
    split = split_inclusive(unit_price * quantity, rate, intra_state=intra)
    return InvoiceLine(position=position, item_id=item_id, sku=sku, hsn_code=hsn, description=description[:200],
                       quantity=quantity, unit_price_paise=unit_price, gst_rate=rate,
                       taxable_paise=split.taxable, cgst_paise=split.cgst, sgst_paise=split.sgst,
                       igst_paise=split.igst, total_paise=split.total)


def _issued_payload(invoice: Invoice) -> dict:
    """invoicing.invoice_issued.v1 (key: the order id): for the order's page and notifications."""
    return {"version": 1, "invoice_id": invoice.pk, "number": invoice.number, "shipment_id": invoice.shipment_id,
            "order_id": str(invoice.order_id), "seller_id": invoice.seller_id, "user_id": invoice.user_id,
            "issued_at": invoice.issued_at.isoformat(), "total_paise": invoice.total_paise,
            "html_path": f"/invoices/{invoice.pk}/", "pdf_path": f"/invoices/{invoice.pk}.pdf"}
