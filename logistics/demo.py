"""Demo logistics for `seed_demo`: eight warehouses in real Indian cities, four couriers.

The couriers differ on purpose: a fast air service with an early cut-off for the big states, a
slow road network with a late cut-off for all of India but the islands, and two regional ones.
No courier reaches the Andaman and Nicobar Islands (744xxx) or Lakshadweep (68255x), so those
PIN codes show "cannot deliver". Safe to run twice: existing couriers and warehouses are kept,
and routes are only computed for warehouses that have none (or all, if a courier changed).
"""

from __future__ import annotations

import datetime as dt

from logistics import pindata
from logistics.models import PinCode, Route, Warehouse
from logistics.selectors import WarehouseInfo, warehouse_get_by_code
from logistics.services import courier_upsert, pin_codes_load, serviceability_compute, warehouse_create

NORTH_EAST = [
    "ARUNACHAL PRADESH", "ASSAM", "MANIPUR", "MEGHALAYA", "MIZORAM", "NAGALAND", "SIKKIM", "TRIPURA",
]
SOUTH = ["ANDHRA PRADESH", "GOA", "KARNATAKA", "KERALA", "PUDUCHERRY", "TAMIL NADU", "TELANGANA"]
MAINLAND_HUBS = [
    "ANDHRA PRADESH", "CHANDIGARH", "DELHI", "GOA", "GUJARAT", "HARYANA", "KARNATAKA", "KERALA",
    "MADHYA PRADESH", "MAHARASHTRA", "PUDUCHERRY", "PUNJAB", "RAJASTHAN", "TAMIL NADU", "TELANGANA",
    "UTTAR PRADESH", "WEST BENGAL",
]

DEMO_COURIERS: list[dict] = [
    {"code": "SWIFTAIR", "name": "Swift Air Express", "base_days": 0, "km_per_day": 1200,
     "cutoff": dt.time(13, 0), "states": MAINLAND_HUBS, "picks_up_sundays": False},
    {"code": "BHARATROAD", "name": "Bharat Road Cargo", "base_days": 1, "km_per_day": 450,
     "cutoff": dt.time(18, 0), "states": [], "excluded_pin_prefixes": ["744", "68255"],
     "picks_up_sundays": True},
    {"code": "PURVOTTAR", "name": "Purvottar Logistics", "base_days": 0, "km_per_day": 400,
     "cutoff": dt.time(16, 0), "states": [*NORTH_EAST, "WEST BENGAL"], "picks_up_sundays": False},
    {"code": "DAKSHIN", "name": "Dakshin Express", "base_days": 0, "km_per_day": 600,
     "cutoff": dt.time(17, 0), "states": SOUTH, "picks_up_sundays": False},
]

# code, name, PIN code, city, owner: None for the platform, else an index into seller_ids.
DEMO_WAREHOUSES: list[tuple[str, str, str, str, int | None]] = [
    ("DEL1", "Delhi Okhla fulfilment centre", "110020", "New Delhi", None),
    ("BOM1", "Mumbai Bhiwandi fulfilment centre", "421302", "Bhiwandi", None),
    ("BLR1", "Bengaluru Hoskote fulfilment centre", "562114", "Hoskote", None),
    ("MAA1", "Chennai Sriperumbudur warehouse", "602105", "Sriperumbudur", 0),
    ("CCU1", "Kolkata Dankuni warehouse", "712311", "Dankuni", 1),
    ("HYD1", "Hyderabad Shamshabad fulfilment centre", "501218", "Shamshabad", None),
    ("AMD1", "Ahmedabad Changodar warehouse", "382213", "Changodar", 0),
    ("GAU1", "Guwahati Amingaon warehouse", "781031", "Guwahati", 1),
]


def seed_logistics(*, seller_ids: list[int]) -> list[WarehouseInfo]:
    """Create the demo couriers and warehouses (loading PIN codes first if they are missing) and
    precompute their routes. Seller-owned warehouses go to `seller_ids` in turn; with no sellers,
    the platform owns them all."""
    if PinCode.objects.count() < len(pindata.all_pins()):
        pin_codes_load()
    courier_changed = [courier_upsert(**c, refresh_serviceability=False)[1] for c in DEMO_COURIERS]
    for code, name, pin, city, owner in DEMO_WAREHOUSES:
        if not Warehouse.objects.filter(code=code).exists():
            seller_id = seller_ids[owner % len(seller_ids)] if owner is not None and seller_ids else None
            warehouse_create(code=code, name=name, pin_code=pin, city=city, seller_id=seller_id,
                             refresh_serviceability=False)
    codes = [w[0] for w in DEMO_WAREHOUSES]
    with_routes = set(Route.objects.filter(warehouse__code__in=codes)
                      .values_list("warehouse__code", flat=True).distinct())
    for code in codes:
        if any(courier_changed) or code not in with_routes:
            serviceability_compute(warehouse_code=code)
    return [info for code in codes if (info := warehouse_get_by_code(code)) is not None]
