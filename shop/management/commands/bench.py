"""`make bench`: the project's benchmarks, each a ratio to a floor measured in the same run.

Two parts, each named for what it times: `in-process` calls the shop's functions inside this process
(no HTTP, no template for the search figure); `http` serves the shop as `make run` does and measures
what a customer receives (shop.httpbench). `caches` compares the cache options for several processes
(shop.bench_caches, decision 0018). `manage.py bench` runs in-process and http.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import subprocess
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import connection
from django.test.utils import setup_databases, teardown_databases

from shop import bench


class Command(BaseCommand):
    help = "Benchmarks as ratios to floors measured in the same run, in a database of their own."

    def add_arguments(self, parser):
        parser.add_argument("parts", nargs="*", choices=["in-process", "http", "caches"],
                            help="Which benchmarks (default: in-process and http).")
        parser.add_argument("-n", type=int, default=2000, help="Samples per latency figure.")
        parser.add_argument("--seconds", type=float, default=5.0, help="Duration of each throughput figure.")
        parser.add_argument("--buyers", type=int, default=16, help="Concurrent buyers on the hot item.")
        parser.add_argument("--search-items", type=int, default=100_000, help="Documents in the search index.")
        parser.add_argument("--http-seconds", type=float, default=15.0, help="wrk's duration per path.")
        parser.add_argument("--http-warmup", type=float, default=3.0, help="wrk's warm-up per path.")
        parser.add_argument("--http-connections", type=int, default=8, help="wrk's connections per path.")
        parser.add_argument("--http-buyers", type=int, default=200, help="Buyers in the HTTP checkout figures.")
        parser.add_argument("--http-embedded", action="store_true",
                            help="Serve on SQLite and the embedded cache and broker even if MariaDB and Redis answer.")

    def handle(self, *args, parts: list[str], n: int, seconds: float, buyers: int, search_items: int,
               http_seconds: float, http_warmup: float, http_connections: int, http_buyers: int,
               http_embedded: bool, **options):
        parts = parts or ["in-process", "http"]
        if "in-process" in parts:
            self.in_process(n=n, seconds=seconds, buyers=buyers, search_items=search_items)
        if "http" in parts:
            from shop import httpbench

            self.stdout.write("")
            httpbench.run(seconds=http_seconds, warmup=http_warmup, connections=http_connections,
                          buyers=http_buyers, embedded=http_embedded, out=self.stdout.write)
        if "caches" in parts:
            self.stdout.write("")
            subprocess.run([sys.executable, "-m", "shop.bench_caches"], check=True, env=os.environ,
                           cwd=settings.BASE_DIR)

    def in_process(self, *, n: int, seconds: float, buyers: int, search_items: int) -> None:
        settings.EVENTS_RELAY_ON_COMMIT = False
        from shop.celery import app

        app.conf.task_always_eager = True  # gateway callbacks and expiry run in-process
        self.stdout.write("In-process: the shop's functions called inside this process (no HTTP), on a database "
                          f"of their own; database: {connection.vendor}, cache: "
                          f"{settings.CACHES['default']['BACKEND']}")
        old = setup_databases(verbosity=0, interactive=False, aliases={"default"})  # type: ignore[arg-type]  # Django only tests `in`; the stubs ask for a Mapping
        try:
            figures = self.run_all(n=n, seconds=seconds, buyers=buyers, search_items=search_items)
        finally:
            teardown_databases(old, verbosity=0)
        self.stdout.write("")
        width = max(len(f.name) for f in figures)
        for f in figures:
            self.stdout.write(f"{f.name:<{width}} {f.value:10.1f} {f.unit:<3} = {f.ratio:6.2f} x {f.floor_name}")

    def run_all(self, *, n: int, seconds: float, buyers: int, search_items: int) -> list[bench.Figure]:
        from tests.shop_world import World, build_world  # the same small shop the tests use

        started = time.perf_counter()
        world: World = build_world(lambda **fields: _user(**fields))
        items = [world.add_item(f"B{i}", stock={"DEL1": 50, "BLR1": 50}) for i in range(20)]
        self.stdout.write(f"seeded in {time.perf_counter() - started:.1f} s")
        figures: list[bench.Figure] = []
        figures += self.delivery_promise(items, n)
        figures += self.search(search_items, n)
        figures += self.hot_item_orders(world, buyers=buyers, seconds=seconds)
        return figures

    def search(self, search_items: int, n: int) -> list[bench.Figure]:
        from search.bench import bench_search

        floor = bench.p50(bench.trivial_view_floor(n))
        figures = bench_search(n_items=search_items, samples=n, floor_us=floor)
        # search_run() composes the results a page shows; it is not the page (no view, no template).
        return [dataclasses.replace(f, name=f.name.replace(": page", ": search_run(), the page's results"),
                                    floor_name="/healthz through the test client (p50)"
                                    if f.floor_name == "trivial view p50" else f.floor_name)
                for f in figures]

    def delivery_promise(self, items: list[int], n: int) -> list[bench.Figure]:
        from inventory.interface import delivery_promises

        pk = bench.p50(bench.pk_lookup_floor(n))
        one = bench.latencies_us(lambda i: delivery_promises(item_ids=items[i % 20:i % 20 + 1], pin_code="560001"), n)
        twenty = bench.latencies_us(lambda i: delivery_promises(item_ids=items, pin_code="560001"), n)
        return [
            bench.Figure("delivery_promises(), 1 item (p50)", bench.p50(one), "µs", "pk lookup p50", pk),
            bench.Figure("delivery_promises(), 20 items at a time (p50)", bench.p50(twenty), "µs", "pk lookup p50",
                         pk),
        ]

    def hot_item_orders(self, world, *, buyers: int, seconds: float) -> list[bench.Figure]:
        from inventory.models import Stock
        from orders.services import OrderLineRequest, ShippingAddress, order_place

        hot = world.add_item("HOT", stock={"DEL1": 10_000_000})
        stock_id = Stock.objects.get(item_id=hot).pk
        users = [_user(email=f"bench-buyer-{i}@example.com") for i in range(buyers)]
        address = ShippingAddress(name="Bench Buyer", line1="1 Janpath", city="New Delhi", pin_code="110001")

        raw = bench.conditional_update_rate(stock_id, threads=buyers, seconds=seconds)
        Stock.objects.filter(pk=stock_id).update(reserved=0)

        def buy(index: int, call: int) -> bool:
            order_place(user_id=users[index].pk, idempotency_key=f"{index}-{call}-{bench.unique_key()}",
                        lines=[OrderLineRequest(hot, 1)], address=address, now=_fixed_now())
            return True

        orders = bench.rate_per_second(buy, threads=buyers, seconds=seconds)
        return [bench.Figure(f"order_place() calls/s, one hot item, {buyers} threads", orders, "/s",
                             f"raw guarded UPDATE/s ({raw:.0f}/s)", raw)]


def _user(**fields):
    from accounts.models import User

    fields.setdefault("password", "bench-password-123")
    return User.objects.create_user(**fields)


def _fixed_now() -> dt.datetime:
    return bench.today_noon()
