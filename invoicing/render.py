"""An invoice as HTML (the printable page) and as PDF (the same HTML, rendered by WeasyPrint:
docs/decisions/0031-gst-invoices.md)."""

from __future__ import annotations

from django.template.loader import render_to_string

from invoicing.models import Invoice
from invoicing.words import rupees_in_words


def invoice_html(invoice: Invoice, *, show_actions: bool = False) -> str:
    return render_to_string("invoicing/invoice.html", {
        "invoice": invoice, "lines": list(invoice.lines.all()), "amount_in_words": rupees_in_words(invoice.total_paise),
        "show_actions": show_actions, "pdf_url": f"/invoices/{invoice.pk}.pdf",
    })


def invoice_pdf(invoice: Invoice) -> bytes:
    from weasyprint import HTML  # imported on first use: loading pango takes a while

    pdf: bytes = HTML(string=invoice_html(invoice)).write_pdf()  # weasyprint has no type hints
    return pdf
