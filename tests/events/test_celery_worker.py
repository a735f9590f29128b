"""A real Celery worker, on the configured broker (the filesystem broker here, Redis in CI),
runs the relay task and publishes what the outbox holds."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection, transaction

from events.models import OutboxEvent
from events.services import emit
from shop.celery import app

REPO = Path(__file__).resolve().parents[2]


def database_url_of_the_test_database() -> str:
    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    return f"mysql://{db['USER']}{password}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


@pytest.mark.broker
@pytest.mark.django_db(transaction=True)
def test_a_worker_process_runs_the_relay_task_sent_through_the_broker():
    if connection.vendor == "sqlite" and "memory" in str(settings.DATABASES["default"]["NAME"]):
        pytest.fail("The worker needs a file or server database to share with the test.")
    with transaction.atomic():
        emit("test.worker_check.v1", key="k", payload={})
    queue = f"test-{uuid.uuid4().hex[:8]}"
    env = {**os.environ, "DATABASE_URL": database_url_of_the_test_database(), "EVENTS_RELAY_ON_COMMIT": "0"}
    worker = subprocess.Popen(
        [str(Path(sys.executable).with_name("celery")), "-A", "shop", "worker", "--pool=solo",
         "-Q", queue, "--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel=INFO"],
        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        app.send_task("events.relay", queue=queue)  # send_task always goes through the broker
        deadline = time.monotonic() + 45
        while time.monotonic() < deadline:
            if OutboxEvent.objects.filter(published_at__isnull=False).exists():
                break
            assert worker.poll() is None, worker.stdout.read()
            time.sleep(0.2)
        else:
            worker.terminate()
            pytest.fail("The worker did not relay within 45 s:\n" + worker.communicate(timeout=10)[0])
    finally:
        if worker.poll() is None:
            worker.terminate()
            worker.wait(timeout=20)
    assert OutboxEvent.objects.get().published_at is not None
