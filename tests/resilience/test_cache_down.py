"""Fault 2: the Redis that holds the cache (sessions' cache, profiles, routes, rate-limit counters,
relay kicks) dies while customers are on the site, and comes back empty.

The shop runs under gunicorn with its own redis-server as the cache and another as the broker, a
worker and beat behind it. Customers go round every customer page in a thread the whole time.
While the cache is down: no page answers 500, a customer checks out and pays and the order is
placed, and the log-in limit still locks an account after ten failures (decision 0016: the count
moves into the process). The cache comes back: pages use it again, and a second order goes through.
"""

from __future__ import annotations

import statistics
import time

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher

from cart.interface import cart_lines
from orders.models import Order
from shop import ratelimit
from shop.celery import app
from tests.resilience.books import assert_books_balanced, on_hand_now
from tests.resilience.customers import Customer, Journal, order_id_of
from tests.resilience.processes import wait_until
from tests.resilience.traffic import Traffic, product_path

pytestmark = [pytest.mark.broker, pytest.mark.xdist_group("resilience"), pytest.mark.django_db(transaction=True)]

PASSWORD = "a-long-test-password"


class QuickPBKDF2(PBKDF2PasswordHasher):
    """The server's own hasher (pbkdf2_sha256), with few iterations so a log-in costs little; the
    server upgrades the hash on the first successful log-in, as it would an old one."""

    iterations = 1000


def log_in(customer: Customer, email: str, password: str):
    return customer.post("/accounts/login/", {"username": email, "password": password})


def user_with_password(user_factory, email: str):
    user = user_factory(email=email)
    user.password = QuickPBKDF2().encode(PASSWORD, QuickPBKDF2().salt())
    user.save(update_fields=["password"])
    return user


def not_near_the_end_of_a_window(limit: ratelimit.Limit, margin: float = 20) -> None:
    """The limits count in fixed windows aligned to the clock (decision 0016): a guesser whose tries
    straddle two windows gets up to twice the budget. Attempts that must fall in one window start
    in the same one."""
    left = limit.window_seconds - time.time() % limit.window_seconds
    if left < margin:
        time.sleep(left + 0.5)


def checkout_and_pay(customer: Customer, item_id: int) -> tuple[str, float]:
    """Cart, checkout, pay, the order page: every step must answer, none with a 500. Returns the
    order and when the customer pressed Pay."""
    assert customer.post("/cart/add/", {"item_id": item_id, "quantity": 1}).status == 302
    placed = customer.checkout()
    assert placed.status == 302 and placed.location.startswith("/payments/simulated/"), placed
    assert customer.get(placed.location).status == 200
    paid = customer.pay(placed.location)
    paid_at = time.monotonic()
    order_id = order_id_of(paid)
    page = customer.get(paid.location)
    assert page.status == 200, page
    return order_id, paid_at


def wait_placed(order_id: str, *, paid_at: float, user_id: int, alive) -> float:
    """Seconds from paying to the order placed; then waits for the ordered item to leave the cart
    (so the next checkout is of the next item only)."""
    wait_until(lambda: Order.objects.get(pk=order_id).status == Order.Status.PLACED, seconds=20,
               what=f"order {order_id} placed", alive=alive)
    took = time.monotonic() - paid_at
    wait_until(lambda: not cart_lines(user_id=user_id), seconds=20, what="the ordered item out of the cart",
               alive=alive)
    return took


def test_pages_log_in_limits_and_checkout_hold_while_the_cache_is_down(world_tx, user_factory, processes):
    item = world_tx.add_item("KETTLE", stock={"DEL1": 10}, title="Steel kettle")
    before = on_hand_now()
    user_with_password(user_factory, "asha@example.com")  # logs in before the outage
    user_with_password(user_factory, "meera@example.com")  # whose password is guessed during it

    cache = processes.redis("cache")
    broker = processes.redis("broker")
    env = processes.env(REDIS_URL=cache.url(), CELERY_BROKER_URL=broker.url())
    # One web worker: the limits count per process while the cache is down (decision 0016), so
    # with one the lock comes at exactly the eleventh attempt.
    web = processes.gunicorn(env=env, workers=1)
    worker = processes.worker("worker", env=env,
                              queues=[django_settings.PAYMENTS_TASK_QUEUE, app.conf.task_default_queue])
    beat = processes.beat(env=env)
    processes.ready()
    alive = [web, worker, beat, broker]

    journal = Journal()
    shopper = Customer(web.url, journal, user=world_tx.customer)
    visitor = Customer(web.url, journal)
    traffic = Traffic([shopper, visitor], item_path=product_path(item, "Steel kettle")).start()
    try:
        wait_until(lambda: traffic.completed() >= 1, seconds=30, what="a round of pages", alive=alive)
        assert log_in(Customer(web.url, journal), "asha@example.com", PASSWORD).status == 302
        order_up, paid_up = checkout_and_pay(shopper, item)
        placed_with_cache = wait_placed(order_up, paid_at=paid_up, user_id=shopper.user.pk, alive=alive)
        assert cache.client().dbsize() > 0  # the pages use it

        cache.kill()
        killed_at = time.monotonic()
        down_from = len(journal.answers)
        rounds = traffic.completed()

        # Log-in limits hold, in the web process's own counters.
        guesser = Customer(web.url, journal)
        allowed = ratelimit.LOGIN_PER_ACCOUNT
        not_near_the_end_of_a_window(allowed)
        failures = [log_in(guesser, "meera@example.com", "wrong").status for _ in range(allowed.limit)]
        assert failures == [200] * allowed.limit  # the form again, with its error
        locked = log_in(guesser, "meera@example.com", PASSWORD)
        assert locked.status == 429, locked
        assert "Too many failed log-ins" in locked.text
        assert log_in(guesser, "ravi@example.com", "wrong").status == 200  # the address is not locked

        order_down, paid_down = checkout_and_pay(shopper, item)
        placed_without_cache = wait_placed(order_down, paid_at=paid_down, user_id=shopper.user.pk,
                                            alive=alive)
        wait_until(lambda: traffic.completed() >= rounds + 2, seconds=60, what="a whole round of pages with "
                   "the cache down", alive=alive)
        down_answers = journal.answers[down_from:]

        cache.start()  # empty, on the same port
        outage = time.monotonic() - killed_at
        rounds = traffic.completed()
        order_back, paid_back = checkout_and_pay(shopper, item)
        placed_back = wait_placed(order_back, paid_at=paid_back, user_id=shopper.user.pk, alive=alive)
        wait_until(lambda: traffic.completed() >= rounds + 2, seconds=60, what="a whole round of pages after "
                   "the cache came back", alive=alive)
        assert cache.client().dbsize() > 0, "the pages did not use the cache again"
    finally:
        traffic.stop()

    assert not journal.server_errors(), [(a.method, a.path, a.status) for a in journal.server_errors()]
    assert not journal.unanswered(), [(a.method, a.path, a.error) for a in journal.unanswered()]
    log = web.log_text()
    # One warning when the limits move into the process; one more each time the cache is tried again
    # (every FALLBACK_SECONDS) and is still down.
    assert 1 <= log.count("Rate limits: the cache") <= 1 + outage // ratelimit.FALLBACK_SECONDS
    assert_books_balanced(on_hand_before=before)
    assert Order.objects.filter(status=Order.Status.PLACED).count() == 3

    # The customer stayed logged in: sessions are kept in the database too (cached_db).
    mine = [a for a in down_answers if a.who == shopper.name and a.path == "/orders/"]
    assert mine and all(a.status == 200 for a in mine), [(a.status, a.location) for a in mine]

    def median(answers) -> float:
        return statistics.median(a.seconds for a in answers if a.method == "GET")

    pages = sorted({a.path.split("?")[0] for a in down_answers})
    print(f"\ncache down: {len(down_answers)} answers on {len(pages)} pages, slowest "
          f"{max(a.seconds for a in down_answers):.2f} s; median page {median(journal.answers[:down_from]):.3f} s "
          f"before, {median(down_answers):.3f} s during; paid -> placed: {placed_with_cache:.1f} s with the "
          f"cache, {placed_without_cache:.1f} s without it, {placed_back:.1f} s after it came back; "
          f"outage {outage:.0f} s")
