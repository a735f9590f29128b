"""Point the test process's own Celery at another broker, for real (not eager) publishing: the
broker-down tests and the resilience suite."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator


@contextlib.contextmanager
def celery_publishing_to(url: str) -> Iterator[None]:
    """The test process's Celery publishes to `url` for real (not eagerly), as the web process does:
    order_place's expiry task, the gateway's callback, relay kicks. Celery resolves the read and
    write URLs from CELERY_BROKER_URL when it is set (CI: Redis), so all three are replaced."""
    from shop.celery import app

    keys = ("broker_url", "broker_write_url", "broker_read_url")
    saved = {key: app.conf[key] for key in keys}
    app.conf.update({key: url for key in keys})
    app.conf.task_always_eager = False
    _forget_broker_connections(app)
    try:
        yield
    finally:
        app.conf.update(saved)
        app.conf.task_always_eager = True
        _forget_broker_connections(app)


def _forget_broker_connections(app) -> None:
    """Celery keeps its connection and producer pools; a new broker URL needs new ones. The old ones
    are dropped, not closed: whatever still holds one (another test's producer) keeps a working pool
    instead of failing with "Acquire on closed pool"."""
    app._pool = None
    app.amqp._producer_pool = None
