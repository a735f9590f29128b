"""`make bench`: the project's benchmarks, each a ratio to a floor measured in the same run."""

from __future__ import annotations

import datetime as dt
import time

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import connection
from django.test.utils import setup_databases, teardown_databases

from shop import bench


class Command(BaseCommand):
    help = "Benchmarks as ratios to floors measured in the same run, in a database of their own."

    def add_arguments(self, parser):
        parser.add_argument("-n", type=int, default=2000, help="Samples per latency figure.")
        parser.add_argument("--seconds", type=float, default=5.0, help="Duration of each throughput figure.")
        parser.add_argument("--buyers", type=int, default=16, help="Concurrent buyers on the hot item.")
        parser.add_argument("--search-items", type=int, default=100_000, help="Documents in the search index.")

    def handle(self, *args, n: int, seconds: float, buyers: int, search_items: int, **options):
        settings.EVENTS_RELAY_ON_COMMIT = False
        from shop.celery import app

        app.conf.task_always_eager = True  # gateway callbacks and expiry run in-process
        self.stdout.write(f"database: {connection.vendor}, cache: {settings.CACHES['default']['BACKEND']}")
        old = setup_databases(verbosity=0, interactive=False, aliases={"default"})
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
        return bench_search(n_items=search_items, samples=n, floor_us=floor)

    def delivery_promise(self, items: list[int], n: int) -> list[bench.Figure]:
        from inventory.interface import delivery_promises

        pk = bench.p50(bench.pk_lookup_floor(n))
        one = bench.latencies_us(lambda i: delivery_promises(item_ids=items[i % 20:i % 20 + 1], pin_code="560001"), n)
        twenty = bench.latencies_us(lambda i: delivery_promises(item_ids=items, pin_code="560001"), n)
        return [
            bench.Figure("delivery promise, 1 item (p50)", bench.p50(one), "µs", "pk lookup p50", pk),
            bench.Figure("delivery promise, 20 items at a time (p50)", bench.p50(twenty), "µs", "pk lookup p50", pk),
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
        return [bench.Figure(f"orders placed/s, one hot item, {buyers} buyers", orders, "/s",
                             f"raw guarded UPDATE/s ({raw:.0f}/s)", raw)]


def _user(**fields):
    from accounts.models import User

    fields.setdefault("password", "bench-password-123")
    return User.objects.create_user(**fields)


def _fixed_now() -> dt.datetime:
    return bench.today_noon()
