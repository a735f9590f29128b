"""Writes of the logistics app: load PIN codes, keep warehouses and couriers, precompute routes.

Transit days for a courier over a route:

    road_km      = great-circle distance(warehouse, PIN centroid) * DETOUR_FACTOR
    transit_days = max(1, courier.base_days + ceil(road_km / courier.km_per_day))

A route exists when some active courier serves both the warehouse's PIN and the customer's;
the table keeps the fastest one (ties: the later cut-off, then the courier code).
See docs/decisions/0005-serviceability.md.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Field, Model
from django.utils import timezone

from events.interface import emit
from logistics import pindata
from logistics.errors import PinCodeError, UnknownWarehouse
from logistics.models import Courier, PinCode, Route, Warehouse
from logistics.selectors import pin_cache_key, pin_code_check, routes_cache_invalidate
from logistics.validators import normalise_prefixes, normalise_states
from shop.queue import enqueue

DETOUR_FACTOR = 1.3  # road distance over great-circle distance, a common rule of thumb for India
EARTH_RADIUS_KM = 6371.0088
PIN_BATCH = 2000
ROUTE_BATCH = 5000
KEEP: Any = object()  # "leave this field as it is" in warehouse_update


# --- PIN codes ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class PinLoadReport:
    loaded: int
    created: int
    total: int
    seconds: float
    data_version: str


@transaction.atomic
def pin_codes_load(*, prefixes: Sequence[str] = ()) -> PinLoadReport:
    """Upsert the packaged India Post PIN codes (all of them, or those starting with `prefixes`).

    Idempotent: a second run rewrites the same values. PIN codes that disappear from a newer
    data version are kept (warehouses may point at them); run compute_serviceability after a
    data update so routes follow moved centroids.
    """
    started = time.perf_counter()
    wanted = tuple(str(p) for p in prefixes)
    records = [r for r in pindata.all_pins() if not wanted or r.pin.startswith(wanted)]
    before = PinCode.objects.count()
    fields = ["office_name", "district", "state", "lat", "lon", "coords_source"]
    # MySQL/MariaDB's ON DUPLICATE KEY UPDATE takes no conflict target; SQLite's ON CONFLICT needs one.
    target = ["pin"] if connection.features.supports_update_conflicts_with_target else None
    for start in range(0, len(records), PIN_BATCH):
        PinCode.objects.bulk_create(
            [PinCode(pin=r.pin, office_name=r.office_name[:100], district=r.district, state=r.state,
                     lat=r.lat, lon=r.lon, coords_source=r.coords_source)
             for r in records[start:start + PIN_BATCH]],
            update_conflicts=True, unique_fields=target, update_fields=fields,
        )
    total = PinCode.objects.count()
    keys = [pin_cache_key(r.pin) for r in records]
    cache.delete_many(keys)
    transaction.on_commit(lambda: cache.delete_many(keys))
    return PinLoadReport(loaded=len(records), created=total - before, total=total,
                         seconds=time.perf_counter() - started, data_version=pindata.data_version())


def _pin_row(pin: object) -> tuple[PinCode, float, float]:
    """The loaded PIN code and its coordinates (latitude, longitude)."""
    try:
        text = pin_code_check(pin)
    except PinCodeError as exc:
        raise ValidationError({"pin_code": str(exc)}) from exc
    row = PinCode.objects.filter(pin=text).first()
    if row is None or row.lat is None or row.lon is None:  # both or neither (a check constraint)
        raise ValidationError({"pin_code": f"PIN code {text} is not loaded: run manage.py load_pincodes."})
    return row, row.lat, row.lon


# --- Warehouses and couriers -------------------------------------------------------------------

def _queue_serviceability(warehouse_code: str | None) -> None:
    """After commit, ask a worker to recompute routes; the nightly run catches a lost request."""
    enqueue("logistics.compute_serviceability", warehouse_code)


def _warehouse_payload(w: Warehouse) -> dict:
    return {"warehouse_id": w.pk, "code": w.code, "seller_id": w.seller_id, "pin_code": w.pin_code_id,
            "active": w.active}


@transaction.atomic
def warehouse_create(*, code: str, name: str, pin_code: str, seller_id: int | None = None,
                     city: str = "", active: bool = True, refresh_serviceability: bool = True) -> Warehouse:
    """A warehouse at a loaded PIN code; coordinates and state come from the PIN code."""
    code = str(code).strip().upper()
    pin, lat, lon = _pin_row(pin_code)
    warehouse = Warehouse(code=code, name=name, seller_id=seller_id, pin_code=pin, lat=lat, lon=lon,
                          city=city or pin.district.title(), state=pin.state, active=active)
    warehouse.full_clean()
    warehouse.save()
    emit("logistics.warehouse_created.v1", key=warehouse.pk, payload=_warehouse_payload(warehouse))
    if refresh_serviceability and active:
        _queue_serviceability(code)
    return warehouse


@transaction.atomic
def warehouse_update(*, code: str, name: str = KEEP, pin_code: str = KEEP, seller_id: int | None = KEEP,
                     city: str = KEEP, active: bool = KEEP, refresh_serviceability: bool = True) -> Warehouse:
    """Change what is given; a new PIN code moves the warehouse (and its routes, recomputed)."""
    code = str(code).strip().upper()
    warehouse = Warehouse.objects.select_for_update().filter(code=code).first()
    if warehouse is None:
        raise UnknownWarehouse(f"No warehouse has the code {code}.")
    changed: list[str] = []
    for field, value in (("name", name), ("seller_id", seller_id), ("city", city), ("active", active)):
        if value is not KEEP and getattr(warehouse, field) != value:
            setattr(warehouse, field, value)
            changed.append(field)
    moved = False
    if pin_code is not KEEP:
        pin, lat, lon = _pin_row(pin_code)
        if pin.pin != warehouse.pin_code_id:
            warehouse.pin_code, warehouse.state = pin, pin.state
            warehouse.lat, warehouse.lon = lat, lon
            changed += ["pin_code", "lat", "lon", "state"]
            moved = True
    if not changed:
        return warehouse
    warehouse.full_clean()
    warehouse.save(update_fields=[*changed, "updated_at"])
    emit("logistics.warehouse_updated.v1", key=warehouse.pk,
         payload={**_warehouse_payload(warehouse), "changed": changed})
    if "active" in changed or moved:
        routes_cache_invalidate()
    if moved and refresh_serviceability:
        _queue_serviceability(code)
    return warehouse


@transaction.atomic
def courier_upsert(*, code: str, name: str, cutoff: Any, base_days: int = 1, km_per_day: int = 500,
                   states: Sequence[str] = (), excluded_pin_prefixes: Sequence[str] = (),
                   picks_up_sundays: bool = False, active: bool = True,
                   refresh_serviceability: bool = True) -> tuple[Courier, bool]:
    """Create or change a courier; returns (courier, whether anything changed).

    A change makes cached promises stale at once and, unless told not to, queues a recompute of
    every warehouse's routes (speeds and regions decide who is fastest).
    """
    code = str(code).strip().upper()
    values = {
        "name": name, "cutoff": cutoff, "base_days": base_days, "km_per_day": km_per_day,
        "states": normalise_states(list(states)),
        "excluded_pin_prefixes": normalise_prefixes(list(excluded_pin_prefixes)),
        "picks_up_sundays": picks_up_sundays, "active": active,
    }
    courier = Courier.objects.select_for_update().filter(code=code).first() or Courier(code=code)
    for field, value in values.items():
        setattr(courier, field, value)
    courier.full_clean()  # also turns a "14:00" cut-off into a time
    if courier.pk is not None:
        stored = Courier.objects.filter(pk=courier.pk).values(*values).get()
        if all(stored[f] == getattr(courier, f) for f in values):
            return courier, False
    courier.save()
    routes_cache_invalidate()
    if refresh_serviceability:
        _queue_serviceability(None)
    return courier, True


# --- Serviceability ----------------------------------------------------------------------------

@dataclass(frozen=True)
class ServiceabilityReport:
    warehouse_code: str
    routes: int
    unserviceable_pins: int
    seconds: float


def serviceability_compute(*, warehouse_code: str | None = None) -> list[ServiceabilityReport]:
    """Recompute the routes of one warehouse (by code) or of every active one.

    Each warehouse's rows are replaced in a transaction of their own, so readers see the old
    routes or the new ones, never a mix. Nothing here runs at request time.
    """
    if warehouse_code is not None:
        code = str(warehouse_code).strip().upper()
        warehouses = list(Warehouse.objects.filter(code=code))
        if not warehouses:
            raise UnknownWarehouse(f"No warehouse has the code {code}.")
    else:
        warehouses = list(Warehouse.objects.filter(active=True).order_by("code"))
    if not warehouses:
        return []
    grid = _PinGrid.load()
    couriers = list(Courier.objects.filter(active=True).order_by("code"))
    serving = grid.serving(couriers)
    return [_warehouse_routes_replace(warehouse=w, grid=grid, couriers=couriers, serving=serving)
            for w in warehouses]


class _PinGrid:
    """Every PIN code with coordinates, as parallel lists ready for the distance loop."""

    def __init__(self, rows: list[tuple[str, str, float, float]]) -> None:
        self.pins = [r[0] for r in rows]
        self.states = [r[1] for r in rows]
        self.lat = [math.radians(r[2]) for r in rows]
        self.lon = [math.radians(r[3]) for r in rows]
        self.cos_lat = [math.cos(x) for x in self.lat]
        self.without_coords = PinCode.objects.filter(lat__isnull=True).count()

    @classmethod
    def load(cls) -> _PinGrid:
        rows = [(pin, state, lat, lon)
                for pin, state, lat, lon in PinCode.objects.filter(lat__isnull=False).order_by("pin")
                .values_list("pin", "state", "lat", "lon")
                if lat is not None and lon is not None]  # both or neither (a check constraint)
        if not rows:
            raise RuntimeError("No PIN codes are loaded: run manage.py load_pincodes first.")
        return cls(rows)

    def serving(self, couriers: list[Courier]) -> list[tuple[int, ...]]:
        """For each PIN, the indexes (into `couriers`) of the couriers that deliver there.
        Identical tuples are shared, so the distance loop can cache work per distinct set."""
        shared: dict[tuple[int, ...], tuple[int, ...]] = {}
        rules = [(frozenset(c.states), tuple(c.excluded_pin_prefixes)) for c in couriers]
        out = []
        for pin, state in zip(self.pins, self.states, strict=True):
            key = tuple(i for i, (states, excluded) in enumerate(rules)
                        if (not states or state in states) and not pin.startswith(excluded))
            out.append(shared.setdefault(key, key))
        return out


def courier_serves(courier: Courier, *, pin: str, state: str) -> bool:
    return (not courier.states or state in courier.states) and not pin.startswith(
        tuple(courier.excluded_pin_prefixes))


def _warehouse_routes_replace(*, warehouse: Warehouse, grid: _PinGrid, couriers: list[Courier],
                              serving: list[tuple[int, ...]]) -> ServiceabilityReport:
    started = time.perf_counter()
    # Couriers that can pick up at this warehouse, fastest-first on ties: later cut-off, then code.
    origin = {i for i, c in enumerate(couriers)
              if courier_serves(c, pin=warehouse.pin_code_id, state=warehouse.state)}
    preference = sorted(origin, key=lambda i: (-_minutes(couriers[i].cutoff), couriers[i].code))
    candidates: dict[tuple[int, ...], list[tuple[int, int, int]]] = {}
    for key in set(serving):
        candidates[key] = [(couriers[i].base_days, couriers[i].km_per_day, couriers[i].pk)
                           for i in preference if i in key]

    wlat, wlon = math.radians(warehouse.lat), math.radians(warehouse.lon)
    wcos = math.cos(wlat)
    scale = 2 * EARTH_RADIUS_KM * DETOUR_FACTOR
    sin, asin, sqrt, ceil = math.sin, math.asin, math.sqrt, math.ceil
    wid = warehouse.pk
    rows: list[tuple[str, int, int, int, int]] = []
    unserviceable = 0
    for pin, lat, lon, cos_lat, key in zip(grid.pins, grid.lat, grid.lon, grid.cos_lat, serving, strict=True):
        options = candidates[key]
        if not options:
            unserviceable += 1
            continue
        a = sin((lat - wlat) / 2) ** 2 + wcos * cos_lat * sin((lon - wlon) / 2) ** 2
        road_km = scale * asin(min(1.0, sqrt(a)))
        best_days, best_courier = 1 << 15, 0
        for base_days, km_per_day, courier_id in options:
            days = base_days + ceil(road_km / km_per_day)
            if days < best_days:
                best_days, best_courier = days, courier_id
        rows.append((pin, wid, best_courier, max(1, best_days), round(road_km)))

    with transaction.atomic():
        # One recompute per warehouse at a time: a second one waits here, then replaces ours.
        Warehouse.objects.select_for_update().filter(pk=wid).first()
        Route.objects.filter(warehouse_id=wid).delete()
        _routes_insert(rows)
        emit("logistics.serviceability_refreshed.v1", key=wid, payload={
            "warehouse_id": wid, "warehouse_code": warehouse.code, "routes": len(rows),
            "unserviceable_pins": unserviceable + grid.without_coords,
            "computed_at": timezone.now().isoformat(),
        })
        routes_cache_invalidate()
    return ServiceabilityReport(warehouse_code=warehouse.code, routes=len(rows),
                                unserviceable_pins=unserviceable + grid.without_coords,
                                seconds=time.perf_counter() - started)


def _column(model: type[Model], name: str) -> str:
    """The database column of one of the model's concrete fields."""
    field = model._meta.get_field(name)
    if not isinstance(field, Field) or field.column is None:
        raise TypeError(f"{model.__name__}.{name} is not a concrete field.")
    return field.column


def _routes_insert(rows: list[tuple[str, int, int, int, int]]) -> None:
    """A plain parameterised executemany. bulk_create spends 80% of its time building model
    instances and compiling SQL for these 19,000 five-column rows; this is 5x faster on SQLite.
    mysqlclient turns executemany into multi-row INSERTs."""
    meta = Route._meta
    quote = connection.ops.quote_name
    columns = ", ".join(quote(_column(Route, name))
                        for name in ("pin_code", "warehouse", "courier", "transit_days", "distance_km"))
    sql = f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES (%s, %s, %s, %s, %s)"  # noqa: S608
    with connection.cursor() as cursor:
        for start in range(0, len(rows), ROUTE_BATCH):
            cursor.executemany(sql, rows[start:start + ROUTE_BATCH])


def _minutes(t) -> int:
    return t.hour * 60 + t.minute
