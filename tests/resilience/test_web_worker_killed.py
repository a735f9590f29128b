"""Fault 4: gunicorn web workers are killed (SIGKILL) in the middle of a burst of checkouts for a
scarce item.

Thirty logged-in customers, each with the kettle in their cart, press "Place order" at once for
five kettles, on the shop under gunicorn with two workers; while they do, a worker is killed, then
the other. The customers whose request was cut (no answer at all: a browser shows an error page,
a proxy a 502) press the button again, as people do, and the page's one-time key makes that the
same order. In the end: no kettle sold twice, every order either taken with its units reserved or
never created, no reservation without its order, the books balanced.
"""

from __future__ import annotations

import threading
import time

import pytest
from django.conf import settings as django_settings
from django.db import connection

from cart.interface import CartOwner
from cart.services import cart_add
from inventory.models import Allocation, Stock
from orders.models import Order
from tests.resilience.books import assert_books_balanced, on_hand_now
from tests.resilience.customers import Customer, Journal
from tests.resilience.processes import wait_until

pytestmark = [pytest.mark.broker, pytest.mark.xdist_group("resilience"), pytest.mark.django_db(transaction=True)]

BUYERS, UNITS = 30, 5


def order_transaction_open() -> bool:
    """A server connection to the test database is inside a transaction that has written rows."""
    if connection.vendor != "mysql":
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM information_schema.innodb_trx t JOIN information_schema.processlist p"
                       " ON p.id = t.trx_mysql_thread_id WHERE p.db = DATABASE() AND t.trx_rows_modified > 0"
                       " AND p.id <> CONNECTION_ID()")
        return cursor.fetchone()[0] > 0


def test_web_workers_killed_during_a_burst_of_checkouts_sell_nothing_twice(world_tx, user_factory, processes):
    item = world_tx.add_item("KETTLE", stock={"DEL1": UNITS}, title="Steel kettle")
    before = on_hand_now()
    buyers = [user_factory() for _ in range(BUYERS)]
    for buyer in buyers:
        cart_add(owner=CartOwner.customer(buyer.pk), item_id=item, quantity=1)
    broker = processes.redis("broker")  # the web's expiry tasks and relay kicks go here; no worker
    web = processes.gunicorn(env=processes.env(CELERY_BROKER_URL=broker.url()), workers=2)
    processes.ready()

    journal = Journal()
    customers = [Customer(web.url, journal, user=buyer, timeout=30) for buyer in buyers]
    attempts = {c.user.pk: f"00000000-0000-4000-8000-{c.user.pk:012d}" for c in customers}
    first_answers: dict[int, object] = {}
    go = threading.Barrier(BUYERS + 1)

    def buy(customer: Customer) -> None:
        go.wait()
        first_answers[customer.user.pk] = customer.checkout(attempt=attempts[customer.user.pk])

    threads = [threading.Thread(target=buy, args=(c,), daemon=True) for c in customers]
    for thread in threads:
        thread.start()
    killed = web.worker_pids()
    go.wait()
    # Mid-burst, both workers busy: one is killed as soon as the first order exists (its request is
    # then most likely past the order's commit), the other while an order's transaction is open
    # (on MariaDB, where the server shows it; else after the third order).
    wait_until(lambda: Order.objects.exists(), seconds=30, what="the first order", alive=[web], interval=0.005)
    web.kill_worker(killed[0])
    seen = {"open": False}

    def order_being_placed() -> bool:
        seen["open"] = order_transaction_open()
        return seen["open"] or Order.objects.count() >= 3

    wait_until(order_being_placed, seconds=30, what="an order being placed", alive=[web], interval=0.002)
    web.kill_worker(killed[1])
    for thread in threads:
        thread.join(timeout=60)
    burst_done = time.monotonic()

    cut = [pk for pk, answer in first_answers.items() if answer.status is None]
    assert cut, "no request was cut by the kills: nothing was tested"
    # The cut customers press the button again; gunicorn has started new workers by then.
    wait_until(lambda: len(web.worker_pids()) == web.workers and not set(web.worker_pids()) & set(killed),
               seconds=30, what="gunicorn replacing its workers", alive=[web], interval=0.1)
    replaced_in = time.monotonic() - burst_done
    kept_by_the_cut = set(Order.objects.filter(user_id__in=cut).values_list("user_id", flat=True))
    retried = {c.user.pk: c.checkout(attempt=attempts[c.user.pk]) for c in customers if c.user.pk in cut}

    assert not journal.server_errors(), [(a.path, a.status, a.text[:300]) for a in journal.server_errors()]
    answers = {**first_answers, **retried}
    assert all(a.status is not None for a in answers.values()), "a retry went unanswered"
    took = {pk for pk, a in answers.items() if a.status == 302 and a.location.startswith("/payments/simulated/")}
    refused = {pk for pk, a in answers.items() if a.status == 200 and "sold out" in a.text}
    assert took | refused == set(answers), {pk: (a.status, a.location) for pk, a in answers.items()
                                            if pk not in took | refused}

    orders = list(Order.objects.all())
    assert len(orders) == UNITS, f"{len(orders)} orders for {UNITS} units"
    assert {o.user_id for o in orders} == took  # every buyer told "pay now" has the order, and only they
    assert kept_by_the_cut <= took  # an order committed by a cut request is the one its retry gets
    assert len({o.user_id for o in orders}) == len(orders)  # one order per buyer, retries included
    assert all(o.status == Order.Status.PENDING_PAYMENT and o.payment_url for o in orders)
    stock = Stock.objects.get(item_id=item)
    assert (stock.on_hand, stock.reserved) == (UNITS, UNITS)
    assert Allocation.objects.filter(status=Allocation.Status.HELD).count() == UNITS
    assert_books_balanced(on_hand_before=before)

    timeouts = [round(a.seconds, 2) for a in journal.answers if a.status is None]
    print(f"\n{len(cut)} of {BUYERS} checkouts cut by killing both workers (no answer after {timeouts} s); "
          f"{len(kept_by_the_cut)} of them had committed their order (second kill inside an open transaction: "
          f"{seen['open']}); gunicorn replaced the workers within {replaced_in:.1f} s of the burst's end; retries: "
          f"{sorted((a.status, a.location[:20]) for a in retried.values())}; "
          f"slowest answer {journal.slowest():.2f} s; {django_settings.DATABASES['default']['ENGINE']}")
