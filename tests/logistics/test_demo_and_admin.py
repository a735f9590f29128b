"""The demo data over all of India, and the staff screens."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse

from logistics.demo import DEMO_WAREHOUSES, seed_logistics
from logistics.interface import delivery_estimates, earliest_delivery
from logistics.models import Courier, PinCode, Route, Warehouse

from .conftest import at


def test_seed_logistics_serves_india_except_the_islands_and_is_idempotent(db):
    warehouses = seed_logistics(seller_ids=[41, 42])
    routes = Route.objects.count()
    again = seed_logistics(seller_ids=[41, 42])

    assert again == warehouses and Route.objects.count() == routes
    assert [w.code for w in warehouses] == [w[0] for w in DEMO_WAREHOUSES]
    assert {w.seller_id for w in warehouses} == {None, 41, 42}
    assert PinCode.objects.count() > 19_000 and Courier.objects.count() == 4
    ids = [w.id for w in warehouses]
    now = at("2025-01-08 10:00")
    delhi = next(w for w in warehouses if w.code == "DEL1")
    from_delhi = {pin: delivery_estimates(warehouse_ids=[delhi.id], pin_code=pin, now=now).get(delhi.id)
                  for pin in ("110001", "695001", "744101", "682559")}
    assert from_delhi["110001"].delivery_date < from_delhi["695001"].delivery_date
    assert from_delhi["744101"] is None and from_delhi["682559"] is None
    # Every other PIN code in India gets a promise from some warehouse: only the islands do not.
    assert Route.objects.values("pin_code").distinct().count() == PinCode.objects.exclude(
        state__in=["ANDAMAN AND NICOBAR ISLANDS", "LAKSHADWEEP"]).count()
    # Guwahati is served fastest from the Guwahati warehouse.
    best = earliest_delivery(delivery_estimates(warehouse_ids=ids, pin_code="781001", now=now))
    assert best.warehouse_id == next(w.id for w in warehouses if w.code == "GAU1")
    assert best.delivery_date == dt.date(2025, 1, 9)


def test_admin_pages_list_and_search(pins, delhi, admin_client):
    for model in ("pincode", "warehouse", "courier", "route"):
        response = admin_client.get(reverse(f"admin:logistics_{model}_changelist"))
        assert response.status_code == 200, model
    assert b"New Delhi GPO" in admin_client.get(reverse("admin:logistics_pincode_changelist"), {"q": "110001"}).content
    page = admin_client.get(reverse("admin:logistics_route_changelist"), {"warehouse__id__exact": delhi.pk})
    assert page.status_code == 200 and b"110001" in page.content
    assert admin_client.get(reverse("admin:logistics_pincode_change", args=["110001"])).status_code == 200
    assert admin_client.get(reverse("admin:logistics_courier_add")).status_code == 200


def test_admin_adds_a_warehouse_through_the_service(pins, couriers, admin_client):
    response = admin_client.post(reverse("admin:logistics_warehouse_add"), {
        "code": "bom2", "name": "Mumbai Fort", "seller_id": "", "pin_code": "400001", "city": "Mumbai",
        "active": "on",
    })

    assert response.status_code == 302, response.content
    warehouse = Warehouse.objects.get(code="BOM2")
    assert warehouse.state == "MAHARASHTRA" and 18.8 < warehouse.lat < 19.1


def test_admin_edits_a_courier(pins, couriers, admin_client):
    response = admin_client.post(reverse("admin:logistics_courier_change", args=[couriers["road"].pk]), {
        "name": "Road Cargo", "base_days": "2", "km_per_day": "450", "cutoff": "17:00",
        "picks_up_sundays": "on", "states": ["KERALA", "DELHI"], "excluded_pin_prefixes": "744, 682559",
        "active": "on",
    })

    assert response.status_code == 302, response.content
    road = Courier.objects.get(code="ROAD")
    assert (road.base_days, road.cutoff, road.states, road.excluded_pin_prefixes) == (
        2, dt.time(17, 0), ["DELHI", "KERALA"], ["682559", "744"])
