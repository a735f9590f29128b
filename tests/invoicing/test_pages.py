"""The invoice as a page and a PDF, for its customer, its seller and staff; nobody else."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from events.registry import dispatch
from invoicing.models import Invoice
from tests.invoicing.conftest import shipment_event

pytestmark = pytest.mark.django_db


def issue(shop, **kwargs) -> Invoice:
    payload = shop.payload(**kwargs)
    dispatch(shipment_event(payload))
    return Invoice.objects.get(shipment_id=payload["shipment_id"])


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


@pytest.mark.parametrize(("warehouse", "shows", "hides"), [("BLR1", ["CGST", "SGST", "₹991.45"], ["IGST"]),
                                                           ("DEL1", ["IGST", "₹1,982.90"], ["CGST"])])
def test_the_customer_sees_the_invoice_as_html_and_pdf(shop, client, warehouse, shows, hides):
    invoice = issue(shop, warehouse=warehouse)
    client.force_login(shop.customer)

    page = client.get(f"/invoices/{invoice.pk}/")
    pdf = client.get(f"/invoices/{invoice.pk}.pdf")

    assert page.status_code == 200 and page["Cache-Control"] == "private, no-store"
    html = page.content.decode()
    for text in [invoice.number, "Tax invoice", "8517", "4901", "18%", "₹13,896", "Asha Rao", *shows]:
        assert text in html
    for text in hides:
        assert text not in html
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    text = pdf_text(pdf.content)
    for wanted in [invoice.number, "Tax invoice", "₹13,896", *shows]:
        assert wanted in text


def test_the_seller_and_staff_see_it_and_a_stranger_does_not(shop, client, user_factory):
    invoice = issue(shop)
    other_seller = user_factory(email="other@example.com", is_seller=True)
    stranger = user_factory(email="stranger@example.com")
    staff = user_factory(email="staff@example.com", is_staff=True)

    for user, status in [(shop.seller, 200), (staff, 200), (stranger, 404), (other_seller, 404)]:
        client.force_login(user)
        assert client.get(f"/invoices/{invoice.pk}/").status_code == status, user
        assert client.get(f"/invoices/{invoice.pk}.pdf").status_code == status, user
    client.force_login(shop.customer)
    assert client.get(f"/invoices/{invoice.pk + 1000}/").status_code == 404

    client.logout()
    assert client.get(f"/invoices/{invoice.pk}/").status_code == 302  # asked to sign in; nothing shown
    assert client.get(f"/invoices/{invoice.pk}.pdf").status_code == 302


def test_the_customer_lists_their_invoices(shop, client, user_factory):
    invoice = issue(shop)
    client.force_login(shop.customer)
    assert invoice.number in client.get("/invoices/").content.decode()
    client.force_login(user_factory(email="stranger@example.com"))
    assert invoice.number not in client.get("/invoices/").content.decode()


def test_the_seller_lists_and_downloads_invoices_through_the_api(shop, user_factory):
    mine = issue(shop)
    other_seller = user_factory(email="other@example.com", is_seller=True)
    theirs = issue(shop, seller_id=other_seller.pk)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=shop.seller).key}")

    listed = api.get("/api/v1/seller/invoices")
    pdf = api.get(f"/api/v1/seller/invoices/{mine.pk}/pdf")

    assert listed.status_code == 200
    [row] = listed.json()["results"]
    assert (row["number"], row["total_paise"], len(row["lines"])) == (mine.number, mine.total_paise, 2)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert api.get(f"/api/v1/seller/invoices/{theirs.pk}/pdf").status_code == 404
    assert api.get("/api/v1/seller/invoices?financial_year=1999-00").json()["results"] == []

    customer = APIClient()
    customer.force_authenticate(shop.customer)
    assert customer.get("/api/v1/seller/invoices").status_code == 403


def test_staff_read_invoices_in_the_admin_and_cannot_change_them(shop, client, user_factory):
    invoice = issue(shop)
    client.force_login(user_factory(email="admin@example.com", is_staff=True, is_superuser=True))

    assert client.get("/admin/invoicing/invoice/").status_code == 200
    page = client.get(f"/admin/invoicing/invoice/{invoice.pk}/change/")
    assert page.status_code == 200 and invoice.number in page.content.decode()
    client.post(f"/admin/invoicing/invoice/{invoice.pk}/change/", {"buyer_name": "Someone else"})
    assert Invoice.objects.get(pk=invoice.pk).buyer_name == "Asha Rao"
    assert client.get(f"/admin/invoicing/invoice/{invoice.pk}/delete/").status_code == 403
