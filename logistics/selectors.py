"""Reads of the logistics app: PIN codes, warehouses and the delivery promise.

The delivery promise is on the search page's hot path (20-50 items a page), so it reads one
cached map per PIN code: {warehouse_id: (transit_days, courier code, courier name, cut-off,
picks up on Sundays)} for every active warehouse that reaches the PIN. A miss costs one query
(plus two tiny ones per process when couriers or warehouses have changed).

The map is stamped with a generation token kept in the cache; recomputing serviceability, or
changing a warehouse or courier, sets a new token, so every PIN's map is stale at once without
deleting 19,000 keys. Both keys come back in one cache round trip (`get_many`, MGET on Redis).
"""

from __future__ import annotations

import datetime as dt
import time
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from logistics import pindata
from logistics.errors import MalformedPinCode, UnknownPinCode
from logistics.models import Courier, PinCode, Route, Warehouse

# Cut-off times are Indian local times, whatever the server's TIME_ZONE.
INDIA = ZoneInfo("Asia/Kolkata")
ROUTES_GEN_KEY = "logistics:routes:gen"


def _default_cache_seconds() -> int:
    """A shared cache (Redis) sees every new generation token, so entries may live long. The
    embedded local-memory cache is private to each process: a recompute in the worker cannot
    reach the web server's copy, so there entries live a minute and staleness is bounded by it."""
    backend = settings.CACHES["default"]["BACKEND"]
    return 60 if backend.endswith(("LocMemCache", "DummyCache")) else 24 * 3600


ROUTES_CACHE_SECONDS = getattr(settings, "LOGISTICS_ROUTES_CACHE_SECONDS", _default_cache_seconds())
PIN_CACHE_SECONDS = getattr(settings, "LOGISTICS_PIN_CACHE_SECONDS", _default_cache_seconds())
_NO_PIN = "-"  # cached "this PIN is not in the table", told apart from a cache miss (None)


@dataclass(frozen=True, slots=True)
class PinCodeInfo:
    pin: str
    office_name: str
    district: str
    state: str
    lat: float | None
    lon: float | None


@dataclass(frozen=True, slots=True)
class WarehouseInfo:
    id: int
    code: str
    name: str
    seller_id: int | None  # None: run by the platform
    pin_code: str
    city: str
    state: str
    lat: float
    lon: float
    active: bool


@dataclass(frozen=True, slots=True)
class DeliveryEstimate:
    warehouse_id: int
    courier_code: str
    courier_name: str
    transit_days: int
    ship_date: dt.date  # the courier's pick-up day, in India
    delivery_date: dt.date  # ship_date + transit_days
    order_by: dt.datetime  # order before this (aware, Asia/Kolkata) to keep this ship date


# --- PIN codes ---------------------------------------------------------------------------------

def pin_code_normalise(pin: object) -> str:
    """`" 110 001 "` → `"110001"`; no check that it is a PIN code."""
    return "".join(str(pin).split())


def pin_code_check(pin: object) -> str:
    """The normalised PIN code, or MalformedPinCode / UnknownPinCode with a readable message.

    Answered from the packaged India Post data in memory: no query, no cache round trip.
    """
    text = pin_code_normalise(pin)
    if not pindata.is_well_formed(text):
        raise MalformedPinCode(
            f"{text or 'An empty value'!s} is not a PIN code: enter 6 digits, like 110001.", pin=text)
    if not pindata.exists(text):
        raise UnknownPinCode(f"{text} is not an Indian PIN code we know.", pin=text)
    return text


def cash_on_delivery_available(*, pin_code: str) -> bool:
    """Whether our couriers collect cash at the door at this PIN code: every PIN code except those
    starting with one of COD_EXCLUDED_PIN_PREFIXES (remote islands, say). A setting, not a courier
    field, while no courier of ours differs from the others in it (decision 0034)."""
    text = pin_code_normalise(pin_code)
    return pindata.is_well_formed(text) and not any(
        text.startswith(prefix) for prefix in settings.COD_EXCLUDED_PIN_PREFIXES)


def pin_cache_key(pin: str) -> str:
    return f"logistics:pin:v1:{pin}"


def pin_code_get(pin: object) -> PinCodeInfo | None:
    """The PIN code's place and coordinates, or None if malformed, unknown or not loaded."""
    text = pin_code_normalise(pin)
    if not pindata.is_well_formed(text):
        return None
    key = pin_cache_key(text)
    cached = cache.get(key)
    if cached == _NO_PIN:
        return None
    if cached is not None:
        return PinCodeInfo(*cached)
    row = (PinCode.objects.filter(pin=text)
           .values_list("pin", "office_name", "district", "state", "lat", "lon").first())
    cache.set(key, row or _NO_PIN, PIN_CACHE_SECONDS)
    return PinCodeInfo(*row) if row else None


def pin_code_states() -> dict[str, str]:
    """{PIN: STATE} for every loaded PIN code with a state, in one query: for a job that maps many
    PINs at once (the live reports' orders by state) rather than one `pin_code_get` each."""
    return dict(PinCode.objects.exclude(state="").values_list("pin", "state"))


# --- Warehouses --------------------------------------------------------------------------------

_WAREHOUSE_FIELDS = (
    "id", "code", "name", "seller_id", "pin_code_id", "city", "state", "lat", "lon", "active",
)


def _warehouse_infos(queryset) -> list[WarehouseInfo]:
    return [WarehouseInfo(*row) for row in queryset.order_by("code").values_list(*_WAREHOUSE_FIELDS)]


def warehouse_get(warehouse_id: int) -> WarehouseInfo | None:
    found = _warehouse_infos(Warehouse.objects.filter(pk=warehouse_id))
    return found[0] if found else None


def warehouse_get_by_code(code: str) -> WarehouseInfo | None:
    found = _warehouse_infos(Warehouse.objects.filter(code=str(code).strip().upper()))
    return found[0] if found else None


def warehouses_get(warehouse_ids: Iterable[int]) -> dict[int, WarehouseInfo]:
    """Several warehouses by id, in one query; ids that do not exist are absent."""
    ids = set(warehouse_ids)
    if not ids:
        return {}
    return {w.id: w for w in _warehouse_infos(Warehouse.objects.filter(pk__in=ids))}


def warehouses_for_seller(seller_id: int | None) -> list[WarehouseInfo]:
    """A seller's warehouses, active or not, by code; None lists the platform's own."""
    if seller_id is None:
        return _warehouse_infos(Warehouse.objects.filter(seller_id__isnull=True))
    return _warehouse_infos(Warehouse.objects.filter(seller_id=seller_id))


def warehouse_ids_active() -> list[int]:
    return list(Warehouse.objects.filter(active=True).order_by("pk").values_list("pk", flat=True))


def warehouse_labels(*, warehouse_ids: Iterable[int] | None = None) -> dict[int, str]:
    """{warehouse id: "DEL1 (Delhi North)"} by code, in one query: the given ids (unknown ones
    are left out), or every warehouse, active or not, with None (for a filter's choices)."""
    warehouses = Warehouse.objects.order_by("code")
    if warehouse_ids is not None:
        ids = {int(i) for i in warehouse_ids if i is not None and 0 < int(i) < 2**63}
        if not ids:
            return {}
        warehouses = warehouses.filter(pk__in=ids)
    return {pk: code if name in ("", code) else f"{code} ({name})"
            for pk, code, name in warehouses.values_list("pk", "code", "name")}


# --- Serviceability and the delivery promise ---------------------------------------------------

def routes_cache_key(pin: str) -> str:
    return f"logistics:routes:v1:{pin}"


def routes_cache_invalidate() -> None:
    """Make every cached route map stale: now, and again once the current transaction commits
    (a reader between the two may have cached what it read before the commit). Other
    processes' local copies follow within LOGISTICS_LOCAL_ROUTES_SECONDS."""
    _routes_generation_bump()
    transaction.on_commit(_routes_generation_bump)


def _routes_generation_bump() -> None:
    _local_routes.clear()
    cache.set(ROUTES_GEN_KEY, uuid.uuid4().hex, timeout=None)


# Hot PIN codes' route maps, kept in this process for a few seconds: a promise then costs no
# cache round trip at all. Routes change nightly; a recompute elsewhere shows here within the TTL.
_local_routes: dict[str, tuple[float, dict[int, tuple]]] = {}
LOCAL_ROUTES_MAX = 5000


def _routes_generation_start() -> str:
    token = uuid.uuid4().hex
    if cache.add(ROUTES_GEN_KEY, token, timeout=None):
        return token
    return cache.get(ROUTES_GEN_KEY) or token


@dataclass(frozen=True)
class _Fleet:
    couriers: dict[int, tuple[str, str, dt.time, bool, bool]]  # code, name, cut-off, Sundays, active
    inactive_warehouses: frozenset[int]  # a set of the few, so a brand-new warehouse counts as active
    loaded_at: float


_fleet_memo: tuple[str, _Fleet] | None = None


def _fleet(generation: str, *, reload: bool = False) -> _Fleet:
    """Couriers and inactive warehouses, kept in process memory for one cache generation (every
    change to them sets a new one) and at most as long as a cache entry lives. Two small
    queries, once per process and generation."""
    global _fleet_memo
    memo = _fleet_memo
    if (not reload and memo is not None and memo[0] == generation
            and time.monotonic() - memo[1].loaded_at < ROUTES_CACHE_SECONDS):
        return memo[1]
    fleet = _Fleet(
        couriers={pk: (code, name, cutoff, sundays, active) for pk, code, name, cutoff, sundays, active in
                  Courier.objects.values_list("pk", "code", "name", "cutoff", "picks_up_sundays", "active")},
        inactive_warehouses=frozenset(Warehouse.objects.filter(active=False).values_list("pk", flat=True)),
        loaded_at=time.monotonic(),
    )
    _fleet_memo = (generation, fleet)
    return fleet


def routes_for_pin(pin: str) -> dict[int, tuple]:
    """{warehouse_id: (transit_days, courier_code, courier_name, cutoff, picks_up_sundays)} for the
    active warehouses that reach `pin` (normalised). One cache round trip; on a miss, one query.

    The query reads the route table alone, by the leading column of its unique index: a plan
    the optimiser cannot get wrong. (Joining couriers and warehouses in the same query let
    MariaDB, with statistics taken while the table was being refilled, start from the courier
    table and take 10 ms instead of 0.3.)
    """
    ttl = settings.LOGISTICS_LOCAL_ROUTES_SECONDS
    local = _local_routes.get(pin) if ttl else None
    if local is not None and time.monotonic() - local[0] < ttl:
        return local[1]
    routes = _routes_for_pin_shared(pin)
    if ttl:
        if len(_local_routes) >= LOCAL_ROUTES_MAX:
            _local_routes.clear()
        _local_routes[pin] = (time.monotonic(), routes)
    return routes


def _routes_for_pin_shared(pin: str) -> dict[int, tuple]:
    key = routes_cache_key(pin)
    found = cache.get_many([ROUTES_GEN_KEY, key])
    generation = found.get(ROUTES_GEN_KEY) or _routes_generation_start()
    cached = found.get(key)
    if cached is not None and cached[0] == generation:
        return cached[1]
    rows = list(Route.objects.filter(pin_code_id=pin).values_list("warehouse_id", "transit_days", "courier_id"))
    fleet = _fleet(generation)
    if any(courier_id not in fleet.couriers for _, _, courier_id in rows):
        fleet = _fleet(generation, reload=True)  # a courier added by another process
    routes = {}
    for wid, days, courier_id in rows:
        courier = fleet.couriers.get(courier_id)
        if courier is not None and courier[4] and wid not in fleet.inactive_warehouses:
            routes[wid] = (days, *courier[:4])
    cache.set(key, (generation, routes), ROUTES_CACHE_SECONDS)
    return routes


def ship_date_for(*, local_now: dt.datetime, cutoff: dt.time,
                  picks_up_sundays: bool) -> tuple[dt.date, dt.datetime]:
    """The pick-up day for an order placed at `local_now` (Indian time) and the deadline for it.

    Before the cut-off the parcel goes today, at or after it the next day; a courier that does
    not pick up on Sundays moves a Sunday pick-up to Monday. Public holidays are not modelled.
    """
    day = local_now.date()
    if local_now.time() >= cutoff:
        day += dt.timedelta(days=1)
    if not picks_up_sundays and day.weekday() == 6:
        day += dt.timedelta(days=1)
    return day, dt.datetime.combine(day, cutoff, tzinfo=INDIA)


def delivery_estimates(*, warehouse_ids: Iterable[int], pin_code: str,
                       now: dt.datetime | None = None) -> dict[int, DeliveryEstimate]:
    """For each of `warehouse_ids` that some courier connects to `pin_code`, when it would arrive.

    Warehouses that cannot reach the PIN (or are inactive, or unknown) are absent. Raises
    MalformedPinCode / UnknownPinCode. One cache round trip, and one query on a cache miss,
    whatever the number of warehouses. `now` must be aware; it defaults to the current time.
    """
    pin = pin_code_check(pin_code)
    routes = routes_for_pin(pin)
    if not routes:
        return {}
    local_now = timezone.localtime(now or timezone.now(), INDIA)  # a naive `now` raises ValueError
    ships: dict[tuple, tuple[dt.date, dt.datetime]] = {}
    estimates: dict[int, DeliveryEstimate] = {}
    for wid in warehouse_ids:
        route = routes.get(wid)
        if route is None:
            continue
        days, code, name, cutoff, sundays = route
        ship = ships.get((cutoff, sundays))
        if ship is None:
            ship = ships[(cutoff, sundays)] = ship_date_for(local_now=local_now, cutoff=cutoff,
                                                            picks_up_sundays=sundays)
        estimates[wid] = DeliveryEstimate(
            warehouse_id=wid, courier_code=code, courier_name=name, transit_days=days,
            ship_date=ship[0], delivery_date=ship[0] + dt.timedelta(days=days), order_by=ship[1],
        )
    return estimates


def earliest_delivery(
    estimates: Mapping[int, DeliveryEstimate] | Iterable[DeliveryEstimate],
) -> DeliveryEstimate | None:
    """The estimate that arrives first; on a tie the one whose order-by deadline is later, then
    the lower warehouse id (so the answer does not depend on the order of the input)."""
    values = estimates.values() if isinstance(estimates, Mapping) else estimates
    best: DeliveryEstimate | None = None
    for e in values:
        if best is None or (e.delivery_date, -e.order_by.timestamp(), e.warehouse_id) < (
                best.delivery_date, -best.order_by.timestamp(), best.warehouse_id):
            best = e
    return best
