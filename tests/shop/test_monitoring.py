"""Monitoring a person can act on (issue 11): /readyz, Prometheus metrics at /metrics, and request
ids that follow a request into its log lines and the tasks it queues."""

from __future__ import annotations

import json
import logging
import socket
from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from events.models import OutboxEvent
from events.services import emit
from inventory.models import Allocation
from orders.models import Order, ReconciliationRun
from search.models import StaleItem
from shop import metrics
from shop.observability import JsonFormatter, RequestIdLogFilter, _add_request_id_to_task, _task_ends, _task_starts
from tests.orders.helpers import customer_presses, place


def scrape(client) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """/metrics as {(sample name, sorted labels): value}, with fresh readings."""
    metrics.readings.forget()
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=0.0.4")
    return {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(response.content.decode())
            for sample in family.samples}


def value(samples, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


# --- /readyz -----------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_readyz_is_ready_when_database_cache_and_broker_answer(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ready", "checks": {"database": "ok", "cache": "ok", "broker": "ok"}}


@pytest.mark.django_db
def test_readyz_names_the_broker_when_it_is_down(client, broker_down):
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "not ready"
    assert body["checks"]["database"] == "ok" and body["checks"]["broker"].startswith("failed: ")


@pytest.mark.django_db
def test_readyz_names_the_cache_when_it_is_down(client):
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))  # bound, never listening: every connection is refused
    dead_redis = {"default": {"BACKEND": "django_redis.cache.RedisCache",
                              "LOCATION": f"redis://127.0.0.1:{closed.getsockname()[1]}/0",
                              "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 0.5, "SOCKET_TIMEOUT": 0.5}}}
    try:
        with override_settings(CACHES=dead_redis, SESSION_ENGINE="django.contrib.sessions.backends.db"):
            response = client.get("/readyz")
    finally:
        closed.close()
    assert response.status_code == 503
    assert response.json()["checks"]["cache"].startswith("failed: ")
    assert client.get("/healthz").status_code == 200  # liveness does not depend on it


# --- /metrics ----------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_requests_are_counted_and_timed_per_view_with_their_database_time(client):
    before = scrape(client)
    client.get("/")
    client.get("/no-such-page/")
    after = scrape(client)

    assert value(after, "bazaar_http_requests_total", view="home", method="GET", status="2xx") == \
        value(before, "bazaar_http_requests_total", view="home", method="GET", status="2xx") + 1
    assert value(after, "bazaar_http_requests_total", view="<unmatched>", method="GET", status="4xx") >= 1
    assert value(after, "bazaar_http_request_duration_seconds_count", view="home") >= 1
    assert value(after, "bazaar_http_request_db_seconds_sum", view="home") > \
        value(before, "bazaar_http_request_db_seconds_sum", view="home")
    assert value(after, "bazaar_http_request_cache_seconds_count", view="home") >= 1


@pytest.mark.django_db(transaction=True)
def test_orders_and_payments_are_counted_by_outcome_once_committed(client, world_tx):
    item = world_tx.add_item("PHONE", price_paise=1_999_900, stock={"DEL1": 3})
    before = scrape(client)

    customer_presses(place(world_tx.customer.pk, item), "pay")
    customer_presses(place(world_tx.customer.pk, item), "fail")

    after = scrape(client)
    for name, labels in (("bazaar_orders_total", {"outcome": "placed"}),
                         ("bazaar_orders_total", {"outcome": "payment_failed"}),
                         ("bazaar_payments_total", {"outcome": "succeeded"}),
                         ("bazaar_payments_total", {"outcome": "failed"})):
        assert value(after, name, **labels) == value(before, name, **labels) + 1, (name, labels)


@pytest.mark.django_db(transaction=True)
def test_readings_show_backlogs_and_lags_as_they_are(client, world_tx):
    item = world_tx.add_item("PHONE", stock={"DEL1": 3})
    order = place(world_tx.customer.pk, item, quantity=2)  # waiting for payment: stock held
    now = timezone.now()
    Order.objects.filter(pk=order.pk).update(expires_at=now - timedelta(seconds=90))  # expiry is late
    OutboxEvent.objects.update(published_at=now)
    with timezone.override("UTC"):
        emit("test.metrics_check.v1", key="k", payload={}, relay_now=False)
    OutboxEvent.objects.filter(type="test.metrics_check.v1").update(occurred_at=now - timedelta(seconds=40))
    StaleItem.objects.create(item_id=item, marked_at=now - timedelta(seconds=12))
    ReconciliationRun.objects.create(finished_at=now - timedelta(seconds=30), unresolved=2)

    samples = scrape(client)

    assert value(samples, "bazaar_outbox_pending_events") == 1
    assert 40 <= value(samples, "bazaar_outbox_oldest_pending_age_seconds") < 100
    assert value(samples, "bazaar_reservations_held") == Allocation.objects.filter(status="held").count() == 1
    assert value(samples, "bazaar_reserved_units") == 2
    assert 90 <= value(samples, "bazaar_order_expiry_lag_seconds") < 150
    assert value(samples, "bazaar_orders_by_status", status="pending_payment") == 1
    assert value(samples, "bazaar_orders_by_status", status="delivered") == 0
    assert value(samples, "bazaar_search_stale_items") >= 1
    assert 12 <= value(samples, "bazaar_search_index_lag_seconds") < 100
    assert value(samples, "bazaar_reconciliation_unresolved_findings") == 2
    assert 30 <= value(samples, "bazaar_reconciliation_last_run_age_seconds") < 100
    assert ("bazaar_celery_queue_depth", (("queue", "payments"),)) in samples


@pytest.mark.django_db
def test_in_production_metrics_need_the_token(client, settings):
    settings.PRODUCTION = True
    settings.METRICS_TOKEN = ""
    assert client.get("/metrics").status_code == 404  # no token set: not served at all

    settings.METRICS_TOKEN = "s3cret-metrics-token"
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 404
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret-metrics-token").status_code == 200


# --- request ids ---------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_each_response_carries_its_request_id_and_a_sane_incoming_one_is_kept(client):
    first, second = client.get("/healthz")["X-Request-ID"], client.get("/healthz")["X-Request-ID"]
    assert len(first) == 32 and first != second
    assert client.get("/healthz", HTTP_X_REQUEST_ID="lb-7f3a.1")["X-Request-ID"] == "lb-7f3a.1"
    hostile = client.get("/healthz", HTTP_X_REQUEST_ID="<script>" + "x" * 100)["X-Request-ID"]
    assert hostile != "<script>" + "x" * 100 and len(hostile) == 32


@pytest.mark.django_db
def test_log_lines_of_a_request_are_json_with_its_id(client, caplog):
    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record):
            records.append(record)

    keep = Keep()
    keep.addFilter(RequestIdLogFilter())
    logging.getLogger("django.request").addHandler(keep)
    try:
        response = client.get("/no-such-page/", HTTP_X_REQUEST_ID="req-404-check")
    finally:
        logging.getLogger("django.request").removeHandler(keep)

    assert response.status_code == 404
    (line,) = [json.loads(JsonFormatter().format(r)) for r in records]
    assert line["request_id"] == "req-404-check"
    assert line["level"] == "WARNING" and line["logger"] == "django.request" and "Not Found" in line["message"]


def test_a_task_queued_in_a_request_carries_its_id_into_the_worker():
    from shop.observability import request_id_get, request_id_reset, request_id_set

    token = request_id_set("req-123")
    headers: dict = {}
    _add_request_id_to_task(headers=headers)
    request_id_reset(token)
    assert headers == {"bazaar_request_id": "req-123"}

    class Task:  # what Celery hands task_prerun: the message's headers are on task.request
        class request:
            bazaar_request_id = "req-123"

    _task_starts(task_id="t1", task=Task)
    assert request_id_get() == "req-123"
    _task_ends(task_id="t1")
    assert request_id_get() == ""


def test_several_processes_add_up_in_multiprocess_mode(tmp_path):
    """Under `make run` (PROMETHEUS_MULTIPROC_DIR set) gunicorn's workers and Celery's count apart;
    /metrics in any one of them shows the sum."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "shop.settings"}
    count = ("import django; django.setup(); from shop import metrics; "
             "metrics.count_committed_event('orders.order_placed.v1', {})")
    for _ in range(2):
        subprocess.run([sys.executable, "-c", count], env=env, check=True, timeout=60)
    shown = subprocess.run([sys.executable, "-c", "import django; django.setup(); from shop import metrics; "
                            "print(metrics.exposition().decode())"], env=env, check=True, timeout=60,
                           capture_output=True, text=True).stdout
    assert 'bazaar_orders_total{outcome="placed"} 2.0' in shown


@pytest.mark.django_db
def test_made_up_methods_do_not_grow_the_label_set(client):
    for method in ("BREW", "PROPFIND", "X" * 50):
        client.generic(method, "/healthz")
    samples = scrape(client)
    methods = {dict(labels).get("method") for (name, labels) in samples if name == "bazaar_http_requests_total"}
    assert methods <= {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "other"}
    assert value(samples, "bazaar_http_requests_total", view="healthz", method="other", status="2xx") >= 3
