"""Logistics fixtures: a slice of the real India Post data, couriers and warehouses.

Most tests load the PIN codes of a few real regions (about 600 rows, tens of milliseconds);
the tests that need all of India load all 19,586 themselves.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from logistics.services import courier_upsert, pin_codes_load, serviceability_compute, warehouse_create

INDIA = ZoneInfo("Asia/Kolkata")
# New Delhi, Mumbai, Bengaluru, Thiruvananthapuram, Guwahati, the Andaman and Nicobar Islands.
REGIONS = ("110", "400", "560", "695", "781", "744")


def at(text: str) -> dt.datetime:
    """`at("2025-01-08 12:59")`: a fixed moment in Indian time."""
    return dt.datetime.fromisoformat(text).replace(tzinfo=INDIA)


@pytest.fixture
def pins(db):
    return pin_codes_load(prefixes=REGIONS)


@pytest.fixture
def couriers(pins):
    """An air courier for the big cities with an early cut-off, and a road courier for all of
    India but the islands with a late one."""
    air, _ = courier_upsert(code="AIR", name="Air Express", base_days=0, km_per_day=1200,
                            cutoff=dt.time(13, 0), states=["DELHI", "MAHARASHTRA", "KARNATAKA", "KERALA"],
                            refresh_serviceability=False)
    road, _ = courier_upsert(code="ROAD", name="Road Cargo", base_days=1, km_per_day=450,
                             cutoff=dt.time(18, 0), excluded_pin_prefixes=["744"], picks_up_sundays=True,
                             refresh_serviceability=False)
    return {"air": air, "road": road}


@pytest.fixture
def delhi(couriers):
    """A warehouse in Okhla, New Delhi (110020), with its routes computed."""
    warehouse = warehouse_create(code="DEL1", name="Delhi Okhla", pin_code="110020", refresh_serviceability=False)
    serviceability_compute(warehouse_code="DEL1")
    return warehouse
