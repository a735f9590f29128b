"""The invoice as a printable page and as a PDF, for its customer, its seller and staff only: to
anyone else signed in it does not exist (404); a visitor who is not signed in is asked to."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render

from invoicing.render import invoice_html, invoice_pdf
from invoicing.selectors import invoice_get_for, invoice_list_for_customer


def _visible(request, invoice_id: int):
    invoice = invoice_get_for(user=request.user, invoice_id=invoice_id)
    if invoice is None:
        raise Http404("No such invoice.")
    return invoice


def _private(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex"
    return response


@login_required
def invoice_page(request, invoice_id: int):
    return _private(HttpResponse(invoice_html(_visible(request, invoice_id), show_actions=True)))


@login_required
def invoice_pdf_download(request, invoice_id: int):
    invoice = _visible(request, invoice_id)
    response = HttpResponse(invoice_pdf(invoice), content_type="application/pdf")
    filename = "invoice-" + invoice.number.replace("/", "-") + ".pdf"
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return _private(response)


@login_required
def invoice_list(request):
    invoices = invoice_list_for_customer(user_id=request.user.pk)[:200]
    return _private(render(request, "invoicing/invoice_list.html", {"invoices": invoices}))
