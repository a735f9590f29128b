"""`make bench`: each figure is a ratio to a floor measured in the same run, on the same database.

Bare timings drift ±25% from run to run on these machines; ratios taken side by side don't.
The benchmarks run in a database of their own (created and dropped like a test database), so
they never touch the shop's data.
"""

from __future__ import annotations

import datetime as dt
import statistics
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from django.db import connection, connections
from django.test import Client

from accounts.models import User


@dataclass(frozen=True)
class Figure:
    name: str
    value: float
    unit: str
    floor_name: str
    floor: float

    @property
    def ratio(self) -> float:
        return self.value / self.floor if self.floor else float("nan")


def latencies_us(fn: Callable[[int], object], n: int, warmup: int = 50) -> list[float]:
    for i in range(warmup):
        fn(i)
    samples = []
    for i in range(n):
        started = time.perf_counter_ns()
        fn(i)
        samples.append((time.perf_counter_ns() - started) / 1000)
    samples.sort()
    return samples


def p50(samples: list[float]) -> float:
    return statistics.median(samples)


def p99(samples: list[float]) -> float:
    return samples[min(len(samples) - 1, int(len(samples) * 0.99))]


def rate_per_second(fn: Callable[[int, int], bool], *, threads: int, seconds: float) -> float:
    """Successful calls per second of `fn(thread_index, call_index)` from `threads` threads."""
    done = [0] * threads
    stop = threading.Event()
    barrier = threading.Barrier(threads + 1)

    def worker(index: int) -> None:
        try:
            barrier.wait()
            calls = 0
            while not stop.is_set():
                if fn(index, calls):
                    done[index] += 1
                calls += 1
        finally:
            connections.close_all()

    pool = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
    for thread in pool:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    time.sleep(seconds)
    stop.set()
    for thread in pool:
        thread.join()
    return sum(done) / (time.perf_counter() - started)


def pk_lookup_floor(n: int) -> list[float]:
    ids = list(User.objects.values_list("pk", flat=True)[:100])
    return latencies_us(lambda i: User.objects.filter(pk=ids[i % len(ids)]).values_list("email", flat=True).first(),
                        n)


def trivial_view_floor(n: int) -> list[float]:
    client = Client()
    return latencies_us(lambda i: client.get("/healthz"), n)


def conditional_update_rate(stock_id: int, *, threads: int, seconds: float) -> float:
    """The database's own limit on one hot row: a bare guarded UPDATE in autocommit."""
    table = "inventory_stock"

    def update(index: int, call: int) -> bool:
        with connection.cursor() as cursor:
            cursor.execute(f"UPDATE {table} SET reserved = reserved + 1 WHERE id = %s AND on_hand >= reserved + 1",  # noqa: S608
                           [stock_id])
            return cursor.rowcount == 1

    return rate_per_second(update, threads=threads, seconds=seconds)


def unique_key() -> str:
    return uuid.uuid4().hex


def today_noon() -> dt.datetime:
    from django.utils import timezone

    return timezone.localtime().replace(hour=12, minute=0, second=0, microsecond=0)
