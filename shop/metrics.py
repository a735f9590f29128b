"""Prometheus metrics: what a person watching the shop acts on. Served at /metrics (shop.views).

Three kinds:

- **Request metrics**, recorded by `shop.middleware.RequestMetricsMiddleware` per view: latency, and
  the time each request spent in the database and in the cache.
- **Business counters** (orders by outcome, payments by outcome), counted when the transaction that
  emitted their event commits (`count_committed_event`, called by `events.services.emit`).
- **State gauges** read at scrape time from the apps' own tables (outbox backlog and its oldest
  event, reservations held, orders past their payment deadline, search index lag, reconciliation
  findings, Celery queue depth): each app registers its readings with `gauge` in its `ready()`, so
  this module imports no app. Readings are cached for `READINGS_CACHE_SECONDS` so that several
  scrapers cost the database one round of queries.

Several processes (gunicorn workers, Celery workers) share counters and histograms through
prometheus_client's multiprocess mode when PROMETHEUS_MULTIPROC_DIR is set (scripts/run sets it);
without it each process counts alone, which is right for tests and `make dev`. See
docs/decisions/0019-monitoring.md.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Histogram,
    disable_created_metrics,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import REGISTRY, Collector

logger = logging.getLogger(__name__)
disable_created_metrics()  # the *_created samples only double the output

READINGS_CACHE_SECONDS = 5.0
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 10.0)
PART_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)

REQUESTS = Counter("bazaar_http_requests", "HTTP requests answered, by view, method and status code class.",
                   ["view", "method", "status"])
REQUEST_SECONDS = Histogram("bazaar_http_request_duration_seconds", "Time to answer a request, by view.",
                            ["view"], buckets=LATENCY_BUCKETS)
REQUEST_DB_SECONDS = Histogram("bazaar_http_request_db_seconds",
                               "Time a request spent waiting on the database, by view.", ["view"],
                               buckets=PART_BUCKETS)
REQUEST_CACHE_SECONDS = Histogram("bazaar_http_request_cache_seconds",
                                  "Time a request spent waiting on the cache, by view.", ["view"],
                                  buckets=PART_BUCKETS)
ORDERS = Counter("bazaar_orders", "Orders by outcome: placed (paid), or cancelled as expired, payment_failed or "
                 "late_payment_refund.", ["outcome"])
PAYMENTS = Counter("bazaar_payments", "Payment outcomes reported by the gateway: succeeded, failed, voided, "
                   "refunded.", ["outcome"])


HTTP_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
# labels() validates and locks on every call; a request's metrics reuse the children it returned.
_view_children: dict[str, tuple[Histogram, Histogram, Histogram]] = {}
_request_children: dict[tuple[str, str, str], Counter] = {}


def observe_request(view: str, method: str, status: int, *, seconds: float, db_seconds: float,
                    cache_seconds: float) -> None:
    children = _view_children.get(view)
    if children is None:
        children = _view_children.setdefault(view, (
            REQUEST_SECONDS.labels(view), REQUEST_DB_SECONDS.labels(view), REQUEST_CACHE_SECONDS.labels(view)))
    children[0].observe(seconds)
    children[1].observe(db_seconds)
    children[2].observe(cache_seconds)
    # Any string can arrive as a method; only the known ones become label values.
    key = (view, method if method in HTTP_METHODS else "other", f"{status // 100}xx")
    counter = _request_children.get(key)
    if counter is None:
        counter = _request_children.setdefault(key, REQUESTS.labels(*key))
    counter.inc()


def count_committed_event(event_type: str, payload: Mapping[str, object]) -> None:
    """Count a business event whose transaction committed (orders and payments outcomes)."""
    if event_type == "orders.order_placed.v1":
        ORDERS.labels("placed").inc()
    elif event_type == "orders.order_cancelled.v1":
        ORDERS.labels(str(payload.get("reason") or "other")).inc()
    elif event_type.startswith("payments.payment_") and event_type.endswith(".v1"):
        PAYMENTS.labels(event_type.removeprefix("payments.payment_").removesuffix(".v1")).inc()


COUNTED_EVENT_PREFIXES = ("orders.order_placed.", "orders.order_cancelled.", "payments.payment_")


# --- gauges read at scrape time --------------------------------------------------------------------

@dataclass(frozen=True)
class Gauge:
    name: str
    documentation: str
    read: Callable[[], float | dict[tuple[str, ...], float]]  # a value, or values by label values
    labels: tuple[str, ...] = ()


_gauges: dict[str, Gauge] = {}


def gauge(name: str, documentation: str, *, labels: Iterable[str] = ()):
    """Register a reading for scrape time: `@gauge("bazaar_outbox_pending", "…")` on a function that
    returns a number (or, with `labels`, a dict from label values to numbers)."""
    def register(read: Callable[[], float | dict[tuple[str, ...], float]]):
        _gauges[name] = Gauge(name, documentation, read, tuple(labels))
        return read
    return register


class ReadingsCollector(Collector):
    """The registered gauges, each read at most once per READINGS_CACHE_SECONDS per process. A
    reading that fails is left out (and logged) rather than failing the whole scrape."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._cached: tuple[float, list[Metric]] | None = None

    def collect(self) -> Iterator[Metric]:
        with self._lock:
            if self._cached is None or time.monotonic() - self._cached[0] > READINGS_CACHE_SECONDS:
                self._cached = (time.monotonic(), list(self._read_all()))
            yield from self._cached[1]

    def forget(self) -> None:
        with self._lock:
            self._cached = None

    def _read_all(self) -> Iterator[Metric]:
        for spec in _gauges.values():
            try:
                value = spec.read()
            except Exception:
                logger.warning("Metric %s could not be read", spec.name, exc_info=True)
                continue
            family = GaugeMetricFamily(spec.name, spec.documentation, labels=list(spec.labels) or None)
            if isinstance(value, dict):
                for label_values, number in sorted(value.items()):
                    family.add_metric(list(label_values), float(number))
            else:
                family.add_metric([], float(value))
            yield family


readings = ReadingsCollector()


def exposition() -> bytes:
    """The text a scraper gets: counters and histograms of every process of this machine (in
    multiprocess mode) or of this one, then the readings."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    readings_registry = CollectorRegistry()
    readings_registry.register(readings)
    return generate_latest(registry) + generate_latest(readings_registry)


@gauge("bazaar_celery_queue_depth", "Tasks waiting in each Celery queue (the event relay and the rest; payments).",
       labels=["queue"])
def celery_queue_depth() -> dict[tuple[str, ...], float]:
    from django.conf import settings

    from shop.celery import app

    depths: dict[tuple[str, ...], float] = {}
    with app.connection_for_read() as connection:
        connection.ensure_connection(max_retries=1, timeout=2)
        with connection.channel() as channel:
            for queue in (settings.CELERY_TASK_DEFAULT_QUEUE, settings.PAYMENTS_TASK_QUEUE):
                try:
                    depths[(queue,)] = channel.queue_declare(queue=queue, passive=True).message_count
                except Exception:  # a queue nobody declared yet holds nothing
                    depths[(queue,)] = 0
    return depths
