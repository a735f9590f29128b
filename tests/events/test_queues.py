"""Money has its own queue; the relay is kicked at most once per interval and drains what it finds
(issue 10, finding 1; decision 0015). The last test runs real worker processes on the configured
broker: the filesystem broker here, Redis when CELERY_BROKER_URL says so."""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings as django_settings
from django.db import transaction

from events.models import OutboxEvent
from events.services import emit, relay_drain
from orders.models import Order
from payments.models import Payment, SimulatedCharge
from shop.celery import app
from tests.events.test_celery_worker import database_url_of_the_test_database
from tests.orders.helpers import place

REPO = Path(__file__).resolve().parents[2]
MONEY_TASKS = ["payments.simulated_callback", "orders.expire_order", "orders.expire_stale",
               "orders.void_payment", "orders.refund_payment"]


def queue_of(task_name: str) -> str:
    return app.amqp.router.route({}, task_name)["queue"].name


def test_payment_notifications_and_expiry_have_a_queue_the_relay_never_uses():
    for config in apps.get_app_configs():  # every app's tasks module, as a worker loads them
        if importlib.util.find_spec(f"{config.name}.tasks"):
            importlib.import_module(f"{config.name}.tasks")
    money = {queue_of(name) for name in MONEY_TASKS}
    assert money == {django_settings.PAYMENTS_TASK_QUEUE}
    others = {queue_of(name) for name in app.tasks if not name.startswith("celery.") and name not in MONEY_TASKS}
    assert "events.relay" in app.tasks and queue_of("events.relay") == app.conf.task_default_queue
    assert django_settings.PAYMENTS_TASK_QUEUE not in others
    # The beat schedule sends the expiry sweep by name, so it lands on the same queue.
    sweep = next(e for e in django_settings.CELERY_BEAT_SCHEDULE.values() if e["task"] == "orders.expire_stale")
    assert queue_of(sweep["task"]) == django_settings.PAYMENTS_TASK_QUEUE


@pytest.fixture
def kicks(settings, monkeypatch):
    """Relay kicks are counted, not run."""
    from events.tasks import relay_events

    settings.EVENTS_RELAY_ON_COMMIT = True
    sent: list[float] = []  # each kick's countdown: 0 for at once
    monkeypatch.setattr(relay_events, "delay", lambda *a, **kw: sent.append(0))
    monkeypatch.setattr(relay_events, "apply_async", lambda *a, countdown=0, **kw: sent.append(countdown))
    return sent


@pytest.mark.django_db(transaction=True)
def test_a_burst_of_commits_kicks_the_relay_once_at_once_and_once_at_the_end_of_the_interval(kicks, settings):
    settings.EVENTS_RELAY_KICK_SECONDS = 1
    for n in range(50):  # a bulk import: one transaction per row
        with transaction.atomic():
            emit("test.bulk.v1", key=f"k{n}", payload={})
    # The first commit's kick runs now; the commits after it get one kick when the interval ends,
    # so none of them waits for the 5-second sweep.
    assert kicks == [0, 1]

    time.sleep(1.2)  # the interval has passed: the next commit kicks at once again
    with transaction.atomic():
        emit("test.bulk.v1", key="later", payload={})
    assert kicks == [0, 1, 0]


@pytest.mark.django_db(transaction=True)
def test_a_kick_of_zero_seconds_means_every_commit_kicks(kicks, settings):
    settings.EVENTS_RELAY_KICK_SECONDS = 0
    for n in range(3):
        with transaction.atomic():
            emit("test.bulk.v1", key=f"k{n}", payload={})
    assert len(kicks) == 3


@pytest.mark.django_db(transaction=True)
def test_one_relay_task_drains_more_than_one_batch(settings):
    settings.EVENTS_RELAY_BATCH = 5
    for n in range(60):
        with transaction.atomic():
            emit("test.bulk.v1", key="one-key", payload={"n": n})  # one key: one lane, in order

    from events.tasks import relay_events

    assert relay_events() == 60
    assert not OutboxEvent.objects.filter(published_at__isnull=True).exists()
    assert relay_drain(budget_seconds=5).published == 0


@pytest.mark.django_db(transaction=True)
def test_a_drain_stops_after_a_pass_that_filled_no_batch(settings, monkeypatch):
    """A steady trickle of commits must not keep a relay passing over every lane for ever: a pass
    that took less than a batch everywhere took all there was, and later commits kick their own."""
    from events import services

    settings.EVENTS_RELAY_BATCH = 5
    passes = []
    real_pass = services.relay_pending

    def counted_pass(**kwargs):
        report = real_pass(**kwargs)
        passes.append(report)
        if len(passes) == 1:  # a commit lands while the relay works
            with transaction.atomic():
                emit("test.bulk.v1", key="late", payload={})
        return report

    monkeypatch.setattr(services, "relay_pending", counted_pass)
    for n in range(7):
        with transaction.atomic():
            emit("test.bulk.v1", key="one-key", payload={"n": n})

    assert relay_drain(budget_seconds=5).published == 8
    assert [(r.published, r.lanes_full) for r in passes] == [(5, 1), (3, 0)]  # the late one rode along
    assert relay_drain(budget_seconds=5).published == 0
    assert len(passes) == 3


# --- Real workers: a flooded relay queue does not cost a customer who paid in time ------------

EXPIRY_SECONDS = 6
FLOOD = 600  # relay tasks ahead of everything else, like the demo seed's backlog


class Worker:
    """One `celery worker` process, as scripts/run starts it, on its own queue of the shared broker."""

    def __init__(self, queue: str, env: dict[str, str]):
        self.queue = queue
        self.lines: list[str] = []
        self.process = subprocess.Popen(
            [str(Path(sys.executable).with_name("celery")), "-A", "shop", "worker", "--pool=solo", "-Q", queue,
             "-n", f"{queue}@%h", "--without-gossip", "--without-mingle", "--without-heartbeat",
             "--loglevel=INFO"],
            cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.append(line)

    def saw_line(self, *texts: str) -> bool:
        return any(all(text in line for text in texts) for line in self.lines)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


def wait_for(condition, *, seconds: float, workers: list[Worker], what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        for worker in workers:
            assert worker.process.poll() is None, f"worker {worker.queue} died:\n" + "".join(worker.lines)
        if time.monotonic() > deadline:
            logs = "\n".join(f"--- {w.queue}\n" + "".join(w.lines[-40:]) for w in workers)
            pytest.fail(f"{what} did not happen within {seconds} s:\n{logs}")
        time.sleep(0.1)


def purge(queues: list[str]) -> None:
    with app.connection_for_write() as conn:
        for queue in queues:
            with contextlib.suppress(Exception):  # nothing left to purge is fine
                conn.default_channel.queue_purge(queue)


@pytest.mark.broker
@pytest.mark.xdist_group("celery-workers")
@pytest.mark.django_db(transaction=True)
def test_a_customer_who_pays_in_time_keeps_the_order_while_the_relay_queue_is_flooded(world_tx, settings):
    """Finding 1 as reported, with real workers: hundreds of relay tasks queued, the customer pays a
    second after ordering, and the order expires a few seconds later. The order must end placed, never
    cancelled and refunded."""
    settings.ORDER_EXPIRY_SECONDS = EXPIRY_SECONDS
    item = world_tx.add_item("KETTLE", stock={"DEL1": 1})
    tag = uuid.uuid4().hex[:8]
    names = {app.conf.task_default_queue: f"test-default-{tag}",
             django_settings.PAYMENTS_TASK_QUEUE: f"test-payments-{tag}"}
    env = {**os.environ, "DATABASE_URL": database_url_of_the_test_database(),
           "CELERY_DEFAULT_QUEUE": names[app.conf.task_default_queue],
           "CELERY_PAYMENTS_QUEUE": names[django_settings.PAYMENTS_TASK_QUEUE],
           "LATE_PAYMENT_POLICY": "refund",  # a wrongly cancelled order shows as a refund
           "EMAIL_HOST": "", "LOG_LEVEL": "WARNING"}
    workers = [Worker(queue, env) for queue in names.values()]  # one per queue, as in scripts/run

    def send(task_name: str, **options) -> None:
        # Where the shop's own routing puts the task, under this test's queue names.
        app.send_task(task_name, queue=names[queue_of(task_name)], **options)

    try:
        wait_for(lambda: all(w.saw_line(" ready.") for w in workers), seconds=60, workers=workers,
                 what="the workers' start")
        for _ in range(FLOOD):
            send("events.relay")
        order = place(world_tx.customer.pk, item, 1)
        # What order_place does through the broker (the test process itself runs tasks eagerly).
        send("orders.expire_order", args=[str(order.pk)], eta=order.expires_at)

        time.sleep(1)  # the customer pays on the gateway's page a second later...
        charge = SimulatedCharge.objects.get(order_id=str(order.pk))
        SimulatedCharge.objects.filter(pk=charge.pk).update(status=SimulatedCharge.Status.SUCCEEDED)
        body = json.dumps({"event_id": f"evt_{uuid.uuid4().hex}", "ref": charge.ref, "outcome": "succeeded",
                           "reason": "", "amount_paise": charge.amount_paise})
        # ...and the gateway calls back, as the simulated gateway does after a commit.
        send("payments.simulated_callback", args=[body], countdown=settings.PAYMENTS_SIMULATED_CALLBACK_DELAY)

        wait_for(lambda: any(w.saw_line("orders.expire_order[", "succeeded in") for w in workers),
                 seconds=EXPIRY_SECONDS + 20, workers=workers, what="the order's expiry task")
        wait_for(lambda: Order.objects.get(pk=order.pk).status != Order.Status.PENDING_PAYMENT,
                 seconds=10, workers=workers, what="the order's outcome")
    finally:
        for worker in workers:
            worker.stop()
        purge(list(names.values()))

    order = Order.objects.get(pk=order.pk)
    assert (order.status, order.cancel_reason) == (Order.Status.PLACED, "")
    assert list(order.timeline.order_by("id").values_list("to_status", flat=True)) == ["pending_payment", "placed"]
    assert Payment.objects.get(order_id=str(order.pk)).status == "succeeded"  # not refunded
