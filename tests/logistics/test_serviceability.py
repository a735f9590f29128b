"""Serviceability and the delivery promise, with real PIN codes and fixed Indian times."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.core.management import CommandError, call_command

from events.models import OutboxEvent
from logistics.errors import UnknownWarehouse
from logistics.interface import (
    MalformedPinCode,
    UnknownPinCode,
    delivery_estimates,
    earliest_delivery,
    warehouse_get_by_code,
    warehouse_ids_active,
    warehouses_for_seller,
    warehouses_get,
)
from logistics.models import Route
from logistics.selectors import ROUTES_GEN_KEY
from logistics.services import courier_upsert, serviceability_compute, warehouse_create, warehouse_update
from logistics.tasks import compute_serviceability

from .conftest import at

WEDNESDAY_NOON = at("2025-01-08 12:00")


def routes_of(code: str) -> list[tuple]:
    return list(Route.objects.filter(warehouse__code=code).order_by("pin_code")
                .values_list("pin_code", "courier__code", "transit_days", "distance_km"))


# --- The acceptance test -----------------------------------------------------------------------

def test_a_delhi_warehouse_promises_new_delhi_sooner_than_thiruvananthapuram_and_not_port_blair(delhi):
    def promise(pin):
        return delivery_estimates(warehouse_ids=[delhi.pk], pin_code=pin, now=WEDNESDAY_NOON).get(delhi.pk)

    new_delhi, trivandrum, port_blair = promise("110001"), promise("695001"), promise("744101")

    assert new_delhi.delivery_date < trivandrum.delivery_date
    assert new_delhi.delivery_date == dt.date(2025, 1, 9)  # next day, by air, ordered before 13:00
    assert trivandrum.transit_days >= 3
    assert port_blair is None  # no courier serves the Andaman and Nicobar Islands


# --- Cut-off and calendar ----------------------------------------------------------------------

def test_an_order_before_the_cut_off_ships_today_and_after_it_tomorrow(delhi):
    def estimate(now):
        return delivery_estimates(warehouse_ids=[delhi.pk], pin_code="110001", now=now)[delhi.pk]

    before, at_cutoff, after = estimate(at("2025-01-08 12:59")), estimate(at("2025-01-08 13:00")), \
        estimate(at("2025-01-08 17:30"))

    assert before.courier_code == "AIR"
    assert (before.ship_date, before.delivery_date) == (dt.date(2025, 1, 8), dt.date(2025, 1, 9))
    assert before.order_by == at("2025-01-08 13:00")
    assert at_cutoff.ship_date == after.ship_date == dt.date(2025, 1, 9)
    assert after.delivery_date == dt.date(2025, 1, 10)
    assert after.order_by == at("2025-01-09 13:00")


def test_the_cut_off_is_indian_time_whatever_zone_now_is_given_in(delhi):
    utc_0729 = dt.datetime(2025, 1, 8, 7, 29, tzinfo=dt.UTC)  # 12:59 in India
    utc_0731 = dt.datetime(2025, 1, 8, 7, 31, tzinfo=dt.UTC)  # 13:01 in India

    assert delivery_estimates(warehouse_ids=[delhi.pk], pin_code="110001", now=utc_0729)[delhi.pk] \
        .ship_date == dt.date(2025, 1, 8)
    assert delivery_estimates(warehouse_ids=[delhi.pk], pin_code="110001", now=utc_0731)[delhi.pk] \
        .ship_date == dt.date(2025, 1, 9)


def test_a_courier_that_rests_on_sundays_ships_a_saturday_evening_order_on_monday(delhi):
    estimate = delivery_estimates(warehouse_ids=[delhi.pk], pin_code="110001",
                                  now=at("2025-01-11 15:00"))[delhi.pk]  # Saturday, after AIR's cut-off

    assert estimate.ship_date == dt.date(2025, 1, 13)  # Monday
    assert estimate.delivery_date == dt.date(2025, 1, 14)


def test_now_must_be_aware(delhi):
    with pytest.raises(ValueError, match="naive"):
        delivery_estimates(warehouse_ids=[delhi.pk], pin_code="110001", now=dt.datetime(2025, 1, 8, 12))


# --- The hot path ------------------------------------------------------------------------------

def test_delivery_estimates_for_twenty_warehouses_is_one_query_then_none(couriers, django_assert_num_queries):
    pins = ["110020", "400001", "560001", "695001", "781001"]
    ids = [warehouse_create(code=f"W{i:02d}", name=f"Warehouse {i}", pin_code=pins[i % 5],
                            refresh_serviceability=False).pk for i in range(20)]
    serviceability_compute()
    delivery_estimates(warehouse_ids=ids, pin_code="560001", now=WEDNESDAY_NOON)  # couriers now known

    with django_assert_num_queries(1):
        estimates = delivery_estimates(warehouse_ids=ids, pin_code="110001", now=WEDNESDAY_NOON)
    with django_assert_num_queries(0):
        again = delivery_estimates(warehouse_ids=ids, pin_code="110001", now=WEDNESDAY_NOON)

    assert set(estimates) == set(ids) and again == estimates
    best = earliest_delivery(estimates)
    assert warehouses_get([best.warehouse_id])[best.warehouse_id].pin_code == "110020"


def test_a_cold_process_and_cache_need_at_most_three_queries(delhi, django_assert_max_num_queries):
    cache.delete(ROUTES_GEN_KEY)  # every cached route map is now stale, and so is the courier memo
    with django_assert_max_num_queries(3):
        assert delivery_estimates(warehouse_ids=[delhi.pk], pin_code="110001", now=WEDNESDAY_NOON)


def test_malformed_and_unknown_pins_raise_before_any_query(delhi, django_assert_num_queries):
    with django_assert_num_queries(0):
        with pytest.raises(MalformedPinCode):
            delivery_estimates(warehouse_ids=[delhi.pk], pin_code="11001")
        with pytest.raises(UnknownPinCode):
            delivery_estimates(warehouse_ids=[delhi.pk], pin_code="999999")


def test_warehouses_that_cannot_reach_the_pin_are_absent(delhi, couriers):
    courier_upsert(code="KERALA", name="Kerala Local", cutoff=dt.time(20, 0),
                                    states=["KERALA"], refresh_serviceability=False)
    courier_upsert(code="ROAD", name="Road Cargo", cutoff=dt.time(18, 0), active=False,
                   refresh_serviceability=False)
    courier_upsert(code="AIR", name="Air Express", cutoff=dt.time(13, 0), active=False,
                   refresh_serviceability=False)
    serviceability_compute(warehouse_code="DEL1")

    # The Kerala courier delivers in Kerala but cannot pick up in Delhi.
    assert delivery_estimates(warehouse_ids=[delhi.pk], pin_code="695001", now=WEDNESDAY_NOON) == {}
    assert delivery_estimates(warehouse_ids=[delhi.pk, 999_999], pin_code="110001", now=WEDNESDAY_NOON) == {}


def test_earliest_delivery_prefers_the_earliest_date_then_the_later_deadline(delhi, couriers):
    mumbai = warehouse_create(code="BOM1", name="Mumbai", pin_code="400001", refresh_serviceability=False)
    serviceability_compute(warehouse_code="BOM1")

    estimates = delivery_estimates(warehouse_ids=[mumbai.pk, delhi.pk], pin_code="110001", now=WEDNESDAY_NOON)

    assert earliest_delivery(estimates).warehouse_id == delhi.pk
    assert earliest_delivery(list(estimates.values())).warehouse_id == delhi.pk
    assert earliest_delivery({}) is None


# --- Computing and replacing routes ------------------------------------------------------------

def test_compute_serviceability_replaces_a_warehouses_routes_and_is_idempotent(delhi, couriers):
    first = routes_of("DEL1")
    call_command("compute_serviceability", "--warehouse", "del1", verbosity=0)

    assert routes_of("DEL1") == first
    assert len(first) == Route.objects.count() > 500
    assert not any(pin.startswith("744") for pin, *_ in first)
    assert OutboxEvent.objects.filter(type="logistics.serviceability_refreshed.v1", key=str(delhi.pk)).count() == 2


def test_a_courier_change_shows_in_the_promise_after_the_recompute(delhi, couriers):
    before = delivery_estimates(warehouse_ids=[delhi.pk], pin_code="695001", now=WEDNESDAY_NOON)[delhi.pk]
    courier_upsert(code="AIR", name="Air Express", base_days=0, km_per_day=400, cutoff=dt.time(13, 0),
                   states=["DELHI", "MAHARASHTRA", "KARNATAKA", "KERALA"], refresh_serviceability=False)
    compute_serviceability.delay(warehouse_code="DEL1")  # the Celery task, run in-process by the tests

    after = delivery_estimates(warehouse_ids=[delhi.pk], pin_code="695001", now=WEDNESDAY_NOON)[delhi.pk]
    assert after.transit_days > before.transit_days


def test_a_deactivated_warehouse_makes_no_promise(delhi):
    assert delivery_estimates(warehouse_ids=[delhi.pk], pin_code="110001")
    warehouse_update(code="DEL1", active=False)

    assert delivery_estimates(warehouse_ids=[delhi.pk], pin_code="110001") == {}
    assert warehouse_ids_active() == []


def test_compute_serviceability_for_an_unknown_warehouse_says_so(pins):
    with pytest.raises(UnknownWarehouse):
        serviceability_compute(warehouse_code="NOPE")
    with pytest.raises(CommandError, match="No warehouse has the code NOPE"):
        call_command("compute_serviceability", "--warehouse", "NOPE")


# --- Warehouses --------------------------------------------------------------------------------

def test_warehouse_lookups(couriers):
    warehouse_create(code="BLR1", name="Bengaluru", pin_code="560001", seller_id=7, refresh_serviceability=False)
    warehouse_create(code="BOM1", name="Mumbai", pin_code="400001", refresh_serviceability=False)

    blr = warehouse_get_by_code("blr1")
    assert (blr.code, blr.seller_id, blr.state, blr.pin_code, blr.active) == ("BLR1", 7, "KARNATAKA", "560001", True)
    assert blr.lat == pytest.approx(12.97, abs=0.1)
    assert [w.code for w in warehouses_for_seller(7)] == ["BLR1"]
    assert [w.code for w in warehouses_for_seller(None)] == ["BOM1"]
    assert warehouse_get_by_code("NOPE") is None
    assert len(warehouse_ids_active()) == 2


def test_warehouse_create_explains_a_bad_pin(pins):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="enter 6 digits"):
        warehouse_create(code="X1", name="X", pin_code="1100")
    with pytest.raises(ValidationError, match="not loaded: run manage\\.py load_pincodes"):
        warehouse_create(code="X1", name="X", pin_code="600001")


def test_courier_upsert_validates_states_and_reports_no_change(couriers):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="Unknown state"):
        courier_upsert(code="BAD", name="Bad", cutoff=dt.time(12), states=["ATLANTIS"])
    _, changed = courier_upsert(code="ROAD", name="Road Cargo", base_days=1, km_per_day=450,
                                cutoff=dt.time(18, 0), excluded_pin_prefixes=["744"], picks_up_sundays=True)
    assert changed is False


def test_a_new_warehouse_gets_its_routes_once_committed(couriers, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        blr = warehouse_create(code="BLR1", name="Bengaluru", pin_code="560001")

    assert Route.objects.filter(warehouse=blr).count() == Route.objects.count() > 500


def test_moving_a_warehouse_moves_its_promises(delhi, django_capture_on_commit_callbacks):
    assert delivery_estimates(warehouse_ids=[delhi.pk], pin_code="695001", now=WEDNESDAY_NOON)[delhi.pk] \
        .transit_days > 1
    with django_capture_on_commit_callbacks(execute=True):
        warehouse_update(code="DEL1", pin_code="695001")

    moved = warehouse_get_by_code("DEL1")
    assert (moved.state, moved.pin_code) == ("KERALA", "695001")
    assert delivery_estimates(warehouse_ids=[delhi.pk], pin_code="695001", now=WEDNESDAY_NOON)[delhi.pk] \
        .transit_days == 1


def test_a_process_keeps_hot_route_maps_locally_for_a_few_seconds(delhi, settings, django_assert_num_queries):
    from django.core.cache import cache

    from logistics.selectors import _local_routes, routes_cache_invalidate, routes_cache_key, routes_for_pin

    settings.LOGISTICS_LOCAL_ROUTES_SECONDS = 60
    routes_cache_invalidate()
    first = routes_for_pin("110001")
    cache.delete(routes_cache_key("110001"))  # even with the shared copy gone, the local one answers
    with django_assert_num_queries(0):
        assert routes_for_pin("110001") == first
    routes_cache_invalidate()  # a recompute in this process forgets the local copies at once
    assert "110001" not in _local_routes
