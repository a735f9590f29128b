"""A shipment handed to the courier gets one GST invoice, through the real consumer: CGST + SGST
within a state, IGST across states, numbered per seller and financial year without gaps."""

from __future__ import annotations

import datetime as dt

import pytest

from events.models import OutboxEvent
from events.registry import dispatch
from invoicing.interface import INVOICE_ISSUED, PayloadInvalid, ShipmentShipped, invoice_info_for_shipment
from invoicing.models import Invoice, InvoiceCounter, SellerGstin
from invoicing.services import InvoiceNotIssuable, invoice_issue
from tests.invoicing.conftest import shipment_event

pytestmark = pytest.mark.django_db

IST = dt.timezone(dt.timedelta(hours=5, minutes=30))


def issue(shop, **kwargs) -> Invoice:
    payload = shop.payload(**kwargs)
    assert dispatch(shipment_event(payload)) >= 1
    return Invoice.objects.get(shipment_id=payload["shipment_id"])


def test_an_intra_state_invoice_splits_cgst_and_sgst(shop):
    SellerGstin.objects.create(seller_id=shop.seller.pk, state="KARNATAKA", gstin="29ABCDE1234F1Z5")

    invoice = issue(shop, warehouse="BLR1", shipped_at=dt.datetime(2026, 5, 4, 10, 0, tzinfo=IST))

    assert invoice.supply_type == "intra" and invoice.intra_state
    assert (invoice.seller_state, invoice.buyer_state) == ("KARNATAKA", "KARNATAKA")
    assert invoice.seller_gstin == "29ABCDE1234F1Z5"
    assert invoice.number == "2627/000001" and invoice.financial_year == "2026-27"
    phone, book = invoice.lines.order_by("position")
    # ₹12,999 at 18 %: ₹11,016.10 taxable, ₹1,982.90 of tax, half each
    assert (phone.hsn_code, phone.gst_rate) == ("8517", 18)  # inherited from Mobiles
    assert (phone.taxable_paise, phone.cgst_paise, phone.sgst_paise, phone.igst_paise) == (1_101_610, 99_145, 99_145, 0)
    # 3 × ₹299 at 0 %: all taxable
    assert (book.hsn_code, book.gst_rate, book.quantity) == ("4901", 0, 3)
    assert (book.taxable_paise, book.tax_paise, book.total_paise) == (89_700, 0, 89_700)
    assert invoice.total_paise == 1_299_900 + 3 * 29_900
    assert invoice.taxable_paise + invoice.cgst_paise + invoice.sgst_paise == invoice.total_paise
    assert (invoice.cgst_paise, invoice.sgst_paise, invoice.igst_paise) == (99_145, 99_145, 0)


def test_an_inter_state_invoice_charges_igst(shop):
    invoice = issue(shop, warehouse="DEL1", shipped_at=dt.datetime(2026, 5, 4, 10, 0, tzinfo=IST))

    assert invoice.supply_type == "inter"
    assert (invoice.seller_state, invoice.buyer_state) == ("DELHI", "KARNATAKA")
    assert invoice.seller_gstin == ""  # none on record for Delhi
    assert (invoice.taxable_paise, invoice.cgst_paise, invoice.sgst_paise, invoice.igst_paise) == (
        1_101_610 + 89_700, 0, 0, 198_290)
    assert invoice.taxable_paise + invoice.igst_paise == invoice.total_paise == 1_389_600


def test_the_buyer_state_comes_from_the_pin_code_on_old_orders(shop):
    invoice = issue(shop, warehouse="DEL1", state="", pin_code="110001")

    assert (invoice.buyer_state, invoice.supply_type) == ("DELHI", "intra")


def test_a_display_name_state_matches_the_warehouse(shop):
    assert issue(shop, warehouse="BLR1", state="Karnataka").supply_type == "intra"


def test_a_redelivered_event_issues_nothing_new(shop):
    event = shipment_event(shop.payload())
    dispatch(event)
    dispatch(event)
    # The same shipment in a second event (orders emitted twice): still one invoice, no number used up.
    dispatch(shipment_event(event.payload))

    assert Invoice.objects.count() == 1
    assert InvoiceCounter.objects.get().last_number == 1
    assert OutboxEvent.objects.filter(type=INVOICE_ISSUED).count() == 1


def test_the_issued_event_tells_where_the_invoice_is(shop):
    invoice = issue(shop)
    event = OutboxEvent.objects.get(type=INVOICE_ISSUED)

    assert event.key == str(invoice.order_id)
    assert event.payload["number"] == invoice.number and event.payload["pdf_path"] == f"/invoices/{invoice.pk}.pdf"
    info = invoice_info_for_shipment(invoice.shipment_id)
    assert info.number == invoice.number and info.total_paise == invoice.total_paise


def test_numbers_run_per_seller_and_financial_year_and_restart_on_the_first_of_april(shop, user_factory):
    other = user_factory(email="other-seller@example.com", is_seller=True)
    march = dt.datetime(2027, 3, 31, 23, 59, tzinfo=IST)
    april = dt.datetime(2027, 4, 1, 0, 0, tzinfo=IST)

    numbers = [issue(shop, shipped_at=march).number for _ in range(3)]
    numbers.append(issue(shop, shipped_at=march, seller_id=other.pk).number)
    numbers += [issue(shop, shipped_at=april).number for _ in range(2)]
    numbers.append(issue(shop, shipped_at=march).number)  # a late event of March keeps March's series

    assert numbers == ["2627/000001", "2627/000002", "2627/000003",
                       "2627/000001",  # the other seller's own series
                       "2728/000001", "2728/000002",
                       "2627/000004"]
    assert all(len(number) <= 16 for number in numbers)  # GST rule 46


def test_an_invoice_that_fails_gives_its_number_back(shop):
    with pytest.raises(InvoiceNotIssuable):
        invoice_issue(shipment=ShipmentShipped.from_payload(shop.payload(state="", pin_code="999999")))

    assert issue(shop).sequence == 1


def test_shipping_is_invoiced_at_the_rate_of_the_main_goods(shop):
    invoice = issue(shop, warehouse="DEL1", shipping_paise=4000)

    shipping = invoice.lines.get(description="Shipping")
    assert (shipping.hsn_code, shipping.gst_rate, shipping.item_id) == ("996812", 18, None)
    assert shipping.taxable_paise + shipping.igst_paise == 4000
    assert invoice.total_paise == 1_389_600 + 4000


def test_gst_rates_come_from_the_settings_by_category_path(shop, settings):
    settings.GST_RATES = {"electronics": 18, "electronics/mobiles": 12}  # the longer prefix wins
    settings.GST_DEFAULT_RATE = 5  # books have no key now

    phone, book = issue(shop).lines.order_by("position")

    assert (phone.gst_rate, book.gst_rate) == (12, 5)


def test_an_unknown_version_is_refused(shop):
    with pytest.raises(PayloadInvalid, match="version"):
        ShipmentShipped.from_payload({**shop.payload(), "version": 2})
    with pytest.raises(PayloadInvalid):
        ShipmentShipped.from_payload({**shop.payload(), "lines": []})
    with pytest.raises(PayloadInvalid):
        ShipmentShipped.from_payload({k: v for k, v in shop.payload().items() if k != "buyer"})
    assert Invoice.objects.count() == 0
