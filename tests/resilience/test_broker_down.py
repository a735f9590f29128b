"""Fault 3: the Celery broker (a Redis of its own, nothing kept on disk) dies while customers check
out and pay, and comes back empty.

The shop runs as scripts/run starts it: gunicorn, a worker on the payments queue, one on the default
queue and beat, all on that broker. One customer orders and pays before the broker dies; two more do it while
it is down; one after it is back. While it is down no page answers 500: the order is taken, the
payment page takes the payment (the simulated gateway calls back in the request when it can't
queue the callback: issue 10, finding 5), and the payment's event waits in the outbox. When the
broker is back, beat's relay sweep publishes the outbox and the orders are placed, each once.
"""

from __future__ import annotations

import time

import pytest
from django.conf import settings as django_settings

from events.models import HandledEvent, OutboxEvent
from orders.models import Order
from payments.models import Payment
from shop.celery import app
from tests.resilience.books import assert_books_balanced, on_hand_now, transitions, unpublished_events
from tests.resilience.customers import Customer, Journal, order_id_of
from tests.resilience.processes import wait_until
from tests.resilience.traffic import product_path

pytestmark = [pytest.mark.broker, pytest.mark.xdist_group("resilience"), pytest.mark.django_db(transaction=True)]


def checkout_and_pay(customer: Customer) -> tuple[str, float, float]:
    """The order and how long checkout and Pay each took for the customer."""
    placed = customer.checkout()
    assert placed.status == 302 and placed.location.startswith("/payments/simulated/"), placed
    assert customer.get(placed.location).status == 200
    paid = customer.pay(placed.location)
    order_id = order_id_of(paid)
    page = customer.get(paid.location)
    assert page.status == 200, page
    return order_id, placed.seconds, paid.seconds


def test_checkout_and_payment_while_the_broker_is_down_lose_nothing(world_tx, user_factory, processes):
    item = world_tx.add_item("KETTLE", stock={"DEL1": 10}, title="Steel kettle")
    before = on_hand_now()
    broker = processes.redis("broker")
    env = processes.env(CELERY_BROKER_URL=broker.url())
    web = processes.gunicorn(env=env, workers=2)
    workers = [processes.worker("payments", queues=[django_settings.PAYMENTS_TASK_QUEUE], env=env),
               processes.worker("default", queues=[app.conf.task_default_queue], env=env)]
    beat = processes.beat(env=env)
    processes.ready()
    everyone = [web, *workers, beat]

    journal = Journal()
    customers = [Customer(web.url, journal, user=user_factory()) for _ in range(4)]
    for customer in customers:
        assert customer.post("/cart/add/", {"item_id": item, "quantity": 1}).status == 302
    early, during, late = customers[0], customers[1:3], customers[3]

    first, *normal = checkout_and_pay(early)
    paid_at = time.monotonic()
    wait_until(lambda: Order.objects.get(pk=first).status == Order.Status.PLACED, seconds=20,
               what="the first order placed", alive=everyone)
    placed_with_broker = time.monotonic() - paid_at

    broker.kill()
    # A relay already running drains the outbox whatever the broker does (it reads the database);
    # once the workers notice the loss, nothing relays until the broker is back.
    wait_until(lambda: all("Connection to broker lost" in w.log_text() for w in workers), seconds=20,
               what="the workers noticing the broker is gone", alive=everyone)
    down_from = len(journal.answers)
    waiting = [checkout_and_pay(customer) for customer in during]
    for page in during[0].browse(item_path=product_path(item, "Steel kettle")):
        assert page.status is not None and page.status < 500, page
    down_answers = journal.answers[down_from:]
    for order_id, _, _ in waiting:
        # Paid and known to be paid; the order waits for its event, which waits in the outbox.
        assert Order.objects.get(pk=order_id).status == Order.Status.PENDING_PAYMENT
        assert Payment.objects.get(order_id=order_id).status == Payment.Status.SUCCEEDED
        assert OutboxEvent.objects.filter(type="payments.payment_succeeded.v1", key=order_id,
                                          published_at__isnull=True).count() == 1
    assert all(process.running for process in everyone), "a process gave up on the broker"

    broker.start()  # empty, on the same port
    back_at = time.monotonic()
    wait_until(lambda: all(Order.objects.get(pk=o).status == Order.Status.PLACED for o, _, _ in waiting),
               seconds=30, what="the orders paid while the broker was down placed", alive=everyone,
               interval=0.1)
    caught_up = time.monotonic() - back_at

    last, *after = checkout_and_pay(late)
    paid_at = time.monotonic()
    wait_until(lambda: Order.objects.get(pk=last).status == Order.Status.PLACED, seconds=20,
               what="an order after the broker came back placed", alive=everyone)
    placed_after = time.monotonic() - paid_at
    wait_until(lambda: not unpublished_events(), seconds=20, what="the outbox drained", alive=everyone)

    assert not journal.server_errors(), [(a.method, a.path, a.status) for a in journal.server_errors()]
    assert not journal.unanswered(), [(a.method, a.path, a.error) for a in journal.unanswered()]
    orders = [first, *(o for o, _, _ in waiting), last]
    for order_id in orders:
        assert transitions(order_id) == ["pending_payment", "placed"]
    assert OutboxEvent.objects.filter(type="payments.payment_succeeded.v1").count() == len(orders)
    assert HandledEvent.objects.filter(consumer="orders.mark_paid").count() == len(orders)
    assert_books_balanced(on_hand_before=before)

    checkouts, pays = [round(c, 2) for _, c, _ in waiting], [round(p, 2) for _, _, p in waiting]
    print(f"\nbroker down: checkout {checkouts} s, Pay {pays} s (with the broker: {normal[0]:.2f} and "
          f"{normal[1]:.2f} s before, {after[0]:.2f} and {after[1]:.2f} s after), "
          f"slowest page {max(a.seconds for a in down_answers):.2f} s; paid -> placed: {placed_with_broker:.1f} s "
          f"before, {caught_up:.1f} s after the broker came back for those paid meanwhile, {placed_after:.1f} s after")
