"""An order shipped in two parcels gets two GST invoices: the one from the customer's own state
splits CGST and SGST, the one from another state charges IGST; the customer reads both, as a page
and as a PDF."""

from __future__ import annotations

import uuid

from rest_framework.test import APIClient

from catalog.services import category_create, item_create
from events.services import relay_pending
from inventory.services import stock_set
from invoicing.models import Invoice
from orders.models import Order
from orders.services import order_mark_paid
from tests.shop_world import BENGALURU_PIN


def test_two_parcels_from_two_states_get_an_intra_and_an_inter_state_invoice(world, client):
    mobiles = category_create(name="Mobiles", slug="mobiles", hsn_code="8517")
    phone = item_create(seller_id=world.seller.pk, sku="PHONE", title="Phone", category_id=mobiles.pk,
                        price_paise=1_180_000, brand="Acme").item_id
    book = world.add_item("BOOK", price_paise=29_900)
    stock_set(item_id=phone, warehouse_id=world.warehouses["DEL1"].pk, on_hand=5, actor_id=None, source="system")
    stock_set(item_id=book, warehouse_id=world.warehouses["BLR1"].pk, on_hand=5, actor_id=None, source="system")
    customer, seller = APIClient(), APIClient()
    customer.force_authenticate(world.customer)
    seller.force_authenticate(world.seller)

    placed = customer.post("/api/v1/orders", {
        "pin_code": BENGALURU_PIN, "name": "Asha Rao", "line1": "12 MG Road", "city": "Bengaluru",
        "lines": [{"product_id": phone, "quantity": 1}, {"product_id": book, "quantity": 2}]},
        format="json", headers={"Idempotency-Key": uuid.uuid4().hex})
    assert placed.status_code == 201, placed.content
    order = Order.objects.get(pk=placed.json()["id"])
    order_mark_paid(order_id=str(order.pk))
    for shipment in order.shipments.all():
        seller.post(f"/api/v1/seller/shipments/{shipment.pk}/packed")
        shipped = seller.post(f"/api/v1/seller/shipments/{shipment.pk}/shipped",
                              {"courier": "Road Cargo", "tracking_number": f"RC{shipment.pk}IN"}, format="json")
        assert shipped.status_code == 200, shipped.content
    relay_pending()

    invoices = {i.shipment_id: i for i in Invoice.objects.filter(order_id=str(order.pk))}
    by_warehouse = {s.warehouse_id: invoices[s.pk] for s in order.shipments.all()}
    from_delhi = by_warehouse[world.warehouses["DEL1"].pk]
    from_bengaluru = by_warehouse[world.warehouses["BLR1"].pk]
    # ₹11,800 with 18 % GST inside: ₹10,000 taxable, ₹1,800 IGST (Delhi → Karnataka).
    assert (from_delhi.taxable_paise, from_delhi.igst_paise, from_delhi.cgst_paise) == (1_000_000, 180_000, 0)
    # Within Karnataka: CGST and SGST, adding up to the price paid to the paisa.
    assert from_bengaluru.igst_paise == 0 and from_bengaluru.cgst_paise + from_bengaluru.sgst_paise > 0
    assert (from_bengaluru.taxable_paise + from_bengaluru.cgst_paise + from_bengaluru.sgst_paise) == 2 * 29_900

    client.force_login(world.customer)
    for invoice in (from_delhi, from_bengaluru):
        page = client.get(f"/invoices/{invoice.pk}/")
        assert page.status_code == 200 and invoice.number in page.content.decode()
        pdf = client.get(f"/invoices/{invoice.pk}.pdf")
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    relay_pending()  # orders notes each invoice on its shipment
    order_page = client.get(f"/orders/{order.pk}/").content.decode()
    assert from_delhi.number in order_page and f"/invoices/{from_delhi.pk}.pdf" in order_page
    relay_pending()  # redelivery issues nothing new
    assert Invoice.objects.filter(order_id=str(order.pk)).count() == 2
