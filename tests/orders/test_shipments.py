"""An order of two sellers' items from three warehouses: three shipments, each moved by its seller."""

from __future__ import annotations

import re
import uuid

import pytest
from rest_framework.test import APIClient

from catalog.services import item_create
from events.models import OutboxEvent
from inventory.services import stock_set
from logistics.interface import warehouse_get_by_code
from logistics.services import serviceability_compute, warehouse_create
from orders.models import Order, Shipment
from orders.services import order_fail_payment, order_mark_paid, order_status_from_shipments
from tests.orders.helpers import refreshed
from tests.shop_world import DELHI_PIN


@pytest.fixture
def two_sellers(world, user_factory):
    """Seller one ships from DEL1 and BLR1; seller two from their own warehouse in Mumbai."""
    second = user_factory(email="second-seller@example.com", is_seller=True)
    warehouse_create(code="BOM2", name="BOM2", pin_code="400001", seller_id=second.pk, refresh_serviceability=False)
    serviceability_compute()
    lamp = world.add_item("LAMP", stock={"DEL1": 3})
    rug = world.add_item("RUG", stock={"BLR1": 3})
    kettle = item_create(seller_id=second.pk, sku="KETTLE", title="Kettle", category_id=world.category_id,
                         price_paise=129900, brand="Acme").item_id
    stock_set(item_id=kettle, warehouse_id=warehouse_get_by_code("BOM2").id, on_hand=3, actor_id=None,
              source="system")
    return second, {"LAMP": lamp, "RUG": rug, "KETTLE": kettle}


def _api(user) -> APIClient:
    api = APIClient()
    api.force_authenticate(user)
    return api


def _order_the_cart(world, items: dict[str, int]) -> Order:
    customer = _api(world.customer)
    for item_id in items.values():
        assert customer.post("/api/v1/cart/items", {"product_id": item_id, "quantity": 1},
                             format="json").status_code == 201
    answer = customer.post("/api/v1/orders", {"pin_code": DELHI_PIN, "name": "Asha Buyer", "line1": "1 Janpath",
                                              "city": "New Delhi"}, format="json",
                           headers={"Idempotency-Key": uuid.uuid4().hex})
    assert answer.status_code == 201, answer.content
    return Order.objects.get(pk=answer.json()["id"])


def test_two_sellers_three_warehouses_one_order_three_shipments_each_shipped_by_its_seller(world, two_sellers, client):
    second, items = two_sellers
    order = _order_the_cart(world, items)
    order_mark_paid(order_id=str(order.pk))
    assert refreshed(order).status == "placed"

    shipments = {s.warehouse_id: s for s in order.shipments.all()}
    assert len(shipments) == 3
    assert {(s.seller_id, s.status) for s in shipments.values()} == {
        (world.seller.pk, "pending"), (second.pk, "pending")}
    assert all(s.promised_date for s in shipments.values())

    # The customer sees one order with a delivery date per shipment.
    client.force_login(world.customer)
    page = client.get(f"/orders/{order.pk}/").content.decode()
    assert len(re.findall(r'data-testid="shipment-promise"', page)) == 3
    api_order = _api(world.customer).get(f"/api/v1/orders/{order.pk}").json()
    assert sorted(s["promised_date"] for s in api_order["shipments"]) == sorted(
        s.promised_date.isoformat() for s in shipments.values())

    # Each seller sees and ships only theirs.
    first_api, second_api = _api(world.seller), _api(second)
    mine = first_api.get("/api/v1/seller/shipments").json()["results"]
    theirs = second_api.get("/api/v1/seller/shipments").json()["results"]
    assert len(mine) == 2 and len(theirs) == 1
    assert [i["sku"] for i in theirs[0]["items"]] == ["KETTLE"]
    assert theirs[0]["ship_name"] == "Asha Buyer" and theirs[0]["order_id"] == str(order.pk)
    assert first_api.post(f"/api/v1/seller/shipments/{theirs[0]['id']}/packed").status_code == 404

    kettle = theirs[0]["id"]
    assert second_api.post(f"/api/v1/seller/shipments/{kettle}/packed").json()["status"] == "packed"
    assert refreshed(order).status == "placed"  # the others are not packed yet
    no_tracking = second_api.post(f"/api/v1/seller/shipments/{kettle}/shipped", {}, format="json")
    assert no_tracking.status_code == 400
    shipped = second_api.post(f"/api/v1/seller/shipments/{kettle}/shipped",
                              {"courier": "Road Cargo", "tracking_number": "RC123456789IN"}, format="json").json()
    assert (shipped["status"], shipped["tracking_number"]) == ("in_transit", "RC123456789IN")
    assert second_api.post(f"/api/v1/seller/shipments/{kettle}/delivered").json()["status"] == "delivered"

    for shipment in mine:
        first_api.post(f"/api/v1/seller/shipments/{shipment['id']}/packed")
    assert refreshed(order).status == "packed"  # every shipment packed or further
    for shipment in mine:
        first_api.post(f"/api/v1/seller/shipments/{shipment['id']}/shipped",
                       {"courier": "Road Cargo", "tracking_number": f"RC{shipment['id']}IN"}, format="json")
    assert refreshed(order).status == "in_transit"
    for shipment in mine:
        first_api.post(f"/api/v1/seller/shipments/{shipment['id']}/delivered")

    order = refreshed(order)
    assert order.status == "delivered"
    assert [c.to_status for c in order.timeline.filter(shipment=None)] == [
        "pending_payment", "placed", "packed", "in_transit", "delivered"]
    assert OutboxEvent.objects.filter(type="orders.shipment_shipped.v1", key=str(order.pk)).count() == 3
    assert OutboxEvent.objects.filter(type="orders.order_delivered.v1", key=str(order.pk)).count() == 1
    page = client.get(f"/orders/{order.pk}/").content.decode()
    assert "RC123456789IN" in page and page.count("Rate this item") == 3


def test_a_shipment_step_out_of_order_is_a_conflict_naming_its_status(world, two_sellers):
    second, items = two_sellers
    order = _order_the_cart(world, {"KETTLE": items["KETTLE"]})
    second_api = _api(second)
    shipment = order.shipments.get()
    unpaid = second_api.post(f"/api/v1/seller/shipments/{shipment.pk}/packed")
    assert unpaid.status_code == 404  # not paid: not the seller's to see yet
    order_mark_paid(order_id=str(order.pk))
    skipped = second_api.post(f"/api/v1/seller/shipments/{shipment.pk}/delivered")
    assert skipped.status_code == 409
    assert skipped.json()["shipment_status"] == "pending"
    assert "has to be in transit first" in skipped.json()["detail"]


def test_the_shipment_shipped_event_carries_what_an_invoice_needs(world, two_sellers):
    second, items = two_sellers
    order = _order_the_cart(world, {"KETTLE": items["KETTLE"]})
    order_mark_paid(order_id=str(order.pk))
    shipment = order.shipments.get()
    _api(second).post(f"/api/v1/seller/shipments/{shipment.pk}/packed")
    _api(second).post(f"/api/v1/seller/shipments/{shipment.pk}/shipped",
                      {"courier": "Road Cargo", "tracking_number": "RC1IN"}, format="json")

    payload = OutboxEvent.objects.get(type="orders.shipment_shipped.v1").payload
    assert payload["version"] == 1 and payload["shipment_id"] == shipment.pk
    assert payload["seller_id"] == second.pk and payload["warehouse_id"] == shipment.warehouse_id
    assert payload["buyer"]["pin_code"] == DELHI_PIN and payload["order_reference"] == refreshed(order).reference
    assert payload["lines"] == [{"item_id": items["KETTLE"], "sku": "KETTLE", "title": "Kettle", "quantity": 1,
                                 "unit_price_paise": 129900}]


def test_a_line_split_over_two_warehouses_ships_in_two_parcels(world):
    item = world.add_item("SPLIT", stock={"DEL1": 2, "BLR1": 2})
    order = _order_the_cart(world, {"SPLIT": item})  # one unit: fits one warehouse
    assert order.shipments.count() == 1
    customer = _api(world.customer)
    customer.post("/api/v1/cart/items", {"product_id": item, "quantity": 3}, format="json")
    answer = customer.post("/api/v1/orders", {"pin_code": DELHI_PIN, "name": "Asha Buyer", "line1": "1 Janpath",
                                              "city": "New Delhi", "lines": [{"product_id": item, "quantity": 3}]},
                           format="json", headers={"Idempotency-Key": uuid.uuid4().hex})
    assert answer.status_code == 201, answer.content
    shipments = answer.json()["shipments"]
    assert sorted(s["lines"][0]["quantity"] for s in shipments) == [1, 2]
    line = Order.objects.get(pk=answer.json()["id"]).lines.get()
    assert line.delivery_date == max(s.promised_date for s in line.order.shipments.all())


@pytest.mark.parametrize(("statuses", "expected"), [
    (["pending", "pending"], "placed"),
    (["packed", "pending"], "placed"),
    (["packed", "in_transit"], "packed"),
    (["delivered", "in_transit"], "in_transit"),
    (["delivered", "cancelled"], "delivered"),
    (["cancelled", "cancelled"], "cancelled"),
    (["returned", "cancelled"], "returned"),
    (["returned", "delivered"], "delivered"),
])
def test_the_order_status_is_its_least_advanced_shipment_still_going(statuses, expected):
    assert order_status_from_shipments(statuses) == expected


def test_a_cancelled_unpaid_order_cancels_its_shipments(world):
    item = world.add_item("X", stock={"DEL1": 2})
    order = _order_the_cart(world, {"X": item})
    order_fail_payment(order_id=str(order.pk), reason="declined")
    assert refreshed(order).status == "cancelled"
    assert set(Shipment.objects.filter(order=order).values_list("status", flat=True)) == {"cancelled"}
