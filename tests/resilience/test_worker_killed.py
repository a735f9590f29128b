"""Fault 1: the Celery workers are killed (SIGKILL, as when their machine dies) in the middle of a
batch of payment callbacks, and started again.

Thirty customers pay (twenty) or are declined (ten) at the gateway within a second; the gateway's
callbacks and the orders' expiry tasks are in the workers' hands when both workers (payments queue,
default queue) and beat die together. New ones start. Every order must end once: paid ones placed
with their stock sold, declined ones cancelled with their stock back, each payment applied once,
each event handled once, the customer's order page never an error, and the books balanced. Then the
messages the dead workers held are delivered a second time, as Redis does when their visibility
timeout ends, and nothing changes.
"""

from __future__ import annotations

import time
from collections import Counter

import pytest
from django.conf import settings as django_settings
from kombu import Connection

from events.models import HandledEvent, OutboxEvent
from orders.models import Order
from payments.backends.simulated import SimulatedGateway
from payments.models import Payment, PaymentNotification
from shop.celery import app
from tests.celery_broker import celery_publishing_to
from tests.orders.helpers import charge_of, place
from tests.resilience.books import assert_books_balanced, on_hand_now, transitions, unpublished_events
from tests.resilience.customers import Customer, Journal
from tests.resilience.processes import wait_until

pytestmark = [pytest.mark.broker, pytest.mark.xdist_group("resilience"), pytest.mark.django_db(transaction=True)]

PAID, DECLINED = 20, 10
EXPIRY_SECONDS = 8
LEASE_SECONDS = 5  # a dead relay's lanes are free again after this (default 30)


def workers(processes, env, generation: str):
    """What scripts/run starts besides the web: a worker on the payments queue, one on the default
    queue, and beat (the relay's 5 s sweep)."""
    trio = [processes.worker(f"payments-{generation}", queues=[django_settings.PAYMENTS_TASK_QUEUE], env=env),
            processes.worker(f"default-{generation}", queues=[app.conf.task_default_queue], env=env),
            processes.beat(f"beat-{generation}", env=env)]
    processes.ready()
    return trio


def snapshot() -> dict:
    """Everything that must not change when a message is delivered a second time."""
    return {
        "orders": sorted((str(o.pk), o.status, o.cancel_reason, o.timeline.count()) for o in Order.objects.all()),
        "payments": sorted(Payment.objects.values_list("order_id", "status")),
        "applied": PaymentNotification.objects.filter(applied=True).count(),
        # Behaviour events (recommendations) are analytics: emitted by consumers on the batched path and
        # relayed by the 5 s sweep, they trail the orders by seconds, whether or not anything is redelivered.
        "events": Counter(OutboxEvent.objects.exclude(type__startswith="behaviour.").values_list("type", flat=True)),
        "handled": HandledEvent.objects.exclude(consumer__startswith="recommendations.").count(),
        "stock": sorted(on_hand_now().items()),
    }


def test_workers_killed_mid_batch_then_restarted_finish_every_order_once(world_tx, settings, processes):
    settings.ORDER_EXPIRY_SECONDS = EXPIRY_SECONDS
    item = world_tx.add_item("KETTLE", stock={"DEL1": PAID + DECLINED + 5})
    before = on_hand_now()
    broker = processes.redis("broker")
    env = processes.env(CELERY_BROKER_URL=broker.url(), EVENTS_RELAY_LEASE_SECONDS=str(LEASE_SECONDS))
    web = processes.gunicorn(env=env, workers=1)  # where the customers look at their orders
    first = workers(processes, env, "1")
    journal = Journal()
    customer = Customer(web.url, journal, user=world_tx.customer)

    with celery_publishing_to(broker.url()):
        settings.EVENTS_RELAY_ON_COMMIT = True  # the test process kicks the relay as the web process does
        orders = [place(world_tx.customer.pk, item) for _ in range(PAID + DECLINED)]
        paid_at = {}
        for n, order in enumerate(orders):
            decision = "pay" if n < PAID else "fail"
            SimulatedGateway().customer_decides(gateway_ref=charge_of(order).ref, decision=decision)
            paid_at[str(order.pk)] = time.time()
        paid = {str(o.pk) for o in orders[:PAID]}

        # The first callbacks have been applied: kill both workers with the rest of the batch in hand.
        wait_until(lambda: PaymentNotification.objects.count() >= 4, seconds=30, what="the first callbacks",
                   alive=first, interval=0.02)
        for worker in first:
            worker.kill()
        killed_at = time.monotonic()
        applied_before_kill = set(PaymentNotification.objects.filter(applied=True)
                                  .values_list("payment__order_id", flat=True))
        held_by_the_dead = broker.client().hlen("unacked")
        assert len(applied_before_kill) < PAID + DECLINED, "the batch finished before the kill: nothing was tested"
        assert held_by_the_dead > 0, "the dead workers held no message"

        # Meanwhile the customer who paid sees the order waiting for its payment, not an error.
        stuck = next(order_id for order_id in paid if order_id not in applied_before_kill)
        page = customer.get(f"/orders/{stuck}/?payment=pay")
        assert page.status == 200 and 'data-status="pending_payment"' in page.text
        assert "Confirming your payment" in page.text
        assert customer.get("/orders/").status == 200

        second = workers(processes, env, "2")
        restarted_in = time.monotonic() - killed_at

        # What the dead workers held is invisible for Redis's visibility timeout (an hour): the
        # callbacks in it don't come. The orders' own expiry tasks were held too, so beat's expiry
        # sweep (every 30 s) is what moves them: sent here when their expiry has passed. It asks
        # the gateway: paid orders are placed, declined ones cancelled.
        wait_until(lambda: all(time.time() > o.expires_at.timestamp() for o in orders), seconds=EXPIRY_SECONDS + 5,
                   what="the orders' expiry", alive=second, interval=0.2)
        app.send_task("orders.expire_stale")
        wait_until(lambda: not Order.objects.filter(status=Order.Status.PENDING_PAYMENT).exists(), seconds=20,
                   what="every order decided", alive=second, interval=0.1)
        done_at = time.monotonic()
        wait_until(lambda: not unpublished_events(), seconds=LEASE_SECONDS + 15,
                   what="the outbox drained (beat's relay sweep, after the dead relay's leases end)",
                   alive=second, interval=0.2)

        placed = {str(pk): at for pk, at in Order.objects.filter(status=Order.Status.PLACED)
                  .values_list("pk", "placed_at")}
        assert set(placed) == paid
        cancelled = Order.objects.filter(status=Order.Status.CANCELLED)
        assert {str(o.pk) for o in cancelled} == {str(o.pk) for o in orders[PAID:]}
        assert {o.cancel_reason for o in cancelled} <= {"payment_failed", "expired"}
        for order in orders:
            assert transitions(order.pk) == ["pending_payment", "placed" if str(order.pk) in paid else "cancelled"]
        events = Counter(OutboxEvent.objects.values_list("type", flat=True))
        assert events["payments.payment_succeeded.v1"] == PAID
        assert events["orders.order_placed.v1"] == PAID
        assert events["orders.order_cancelled.v1"] == DECLINED
        assert HandledEvent.objects.filter(consumer="orders.mark_paid").count() == PAID
        assert_books_balanced(on_hand_before=before)
        page = customer.get(f"/orders/{stuck}/?payment=pay")
        assert page.status == 200 and 'data-status="placed"' in page.text

        # An hour later Redis gives the dead worker's messages to the live one: brought forward here
        # with kombu's own restore (a visibility timeout of 0), they must change nothing.
        settled = snapshot()
        with Connection(broker.url(), transport_options={"visibility_timeout": 0}) as connection:
            connection.default_channel.qos.restore_visible(num=10_000, interval=1)
        client = broker.client()
        queues = [django_settings.PAYMENTS_TASK_QUEUE, app.conf.task_default_queue]
        wait_until(lambda: sum(client.llen(q) for q in queues) == 0 and client.hlen("unacked") == 0, seconds=30,
                   what="the redelivered messages handled", alive=second, interval=0.2)
        assert snapshot() == settled
        assert_books_balanced(on_hand_before=before)
    assert not journal.server_errors() and not journal.unanswered(), journal.answers

    waits = sorted(round(o.placed_at.timestamp() - paid_at[str(o.pk)], 1)
                   for o in Order.objects.filter(status=Order.Status.PLACED))
    print(f"\nworker restart took {restarted_in:.1f} s; {len(applied_before_kill)} callbacks applied before the "
          f"kill, {held_by_the_dead} messages held by the dead workers; every order decided "
          f"{done_at - killed_at:.1f} s after the kill; paid -> placed waits (s): {waits}")
