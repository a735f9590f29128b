"""The invoice as a printable page and as a PDF, for its customer, its seller and staff only: to
anyone else signed in it does not exist (404); a visitor who is not signed in is asked to."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from invoicing.models import Invoice
from invoicing.render import invoice_html, invoice_pdf
from invoicing.selectors import invoice_get_for, invoice_list_for_customer
from shop.http import logged_in_user_id


def _visible(request: HttpRequest, invoice_id: int) -> Invoice:
    invoice = invoice_get_for(user=request.user, invoice_id=invoice_id)
    if invoice is None:
        raise Http404("No such invoice.")
    return invoice


def _private(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex"
    return response


@login_required
def invoice_page(request: HttpRequest, invoice_id: int) -> HttpResponse:
    return _private(HttpResponse(invoice_html(_visible(request, invoice_id), show_actions=True)))


@login_required
def invoice_pdf_download(request: HttpRequest, invoice_id: int) -> HttpResponse:
    invoice = _visible(request, invoice_id)
    response = HttpResponse(invoice_pdf(invoice), content_type="application/pdf")
    filename = "invoice-" + invoice.number.replace("/", "-") + ".pdf"
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return _private(response)


@login_required
def invoice_list(request: HttpRequest) -> HttpResponse:
    invoices = invoice_list_for_customer(user_id=logged_in_user_id(request))[:200]
    return _private(render(request, "invoicing/invoice_list.html", {"invoices": invoices}))
