"""Timings of the delivery promise, as ratios to a primary-key lookup measured in the same run.

Used by `manage.py bench_logistics` (and meant for the project's `make bench`). Needs routes:
run `seed_demo` (or load_pincodes + compute_serviceability) first.
"""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.core.cache import cache

from logistics.models import PinCode, Route
from logistics.selectors import delivery_estimates, earliest_delivery, routes_cache_key, warehouse_ids_active


@dataclass(frozen=True)
class Timing:
    name: str
    p50_us: float
    p95_us: float


def _time(name: str, fn: Callable[[int], object], n: int) -> Timing:
    samples = []
    for i in range(n):
        started = time.perf_counter_ns()
        fn(i)
        samples.append((time.perf_counter_ns() - started) / 1000)
    samples.sort()
    return Timing(name, statistics.median(samples), samples[int(len(samples) * 0.95)])


def bench_delivery(*, n: int = 2000, seed: int = 1) -> list[Timing]:
    ids = warehouse_ids_active()
    if not ids or not Route.objects.exists():
        raise RuntimeError("No routes: run seed_demo or compute_serviceability first.")
    rng = random.Random(seed)
    pins = list(PinCode.objects.values_list("pin", flat=True))
    hot = rng.sample(pins, min(200, len(pins)))  # a working set that stays cached
    twenty = (ids * 20)[:20]

    def promise(warehouse_ids, pin):
        return earliest_delivery(delivery_estimates(warehouse_ids=warehouse_ids, pin_code=pin))

    for pin in hot:  # warm the cache
        promise(ids[:1], pin)
    results = [
        _time("pk lookup (ORM, PinCode by pk)",
              lambda i: PinCode.objects.filter(pk=hot[i % len(hot)]).values_list("pin", flat=True).first(), n),
        _time("cache.get (one key)", lambda i: cache.get(routes_cache_key(hot[i % len(hot)])), n),
        _time("promise, 1 warehouse, cached", lambda i: promise(ids[:1], hot[i % len(hot)]), n),
        _time(f"promise, 20 warehouses ({len(set(twenty))} distinct), cached",
              lambda i: promise(twenty, hot[i % len(hot)]), n),
    ]
    cold = rng.sample(pins, min(n, len(pins)))
    cache.delete_many([routes_cache_key(p) for p in cold])
    results.append(_time("promise, 20 warehouses, cache miss (1 query)",
                         lambda i: promise(twenty, cold[i % len(cold)]), min(n, len(cold))))
    return results
