"""Fixtures every test may use. Real services only: SQLite or MariaDB, local memory or Redis."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest
from django.core.cache import cache

from shop import header, pagecache, ratelimit
from shop.backends import reset_backends
from tests.brokers import broker_fixture
from tests.celery_broker import celery_publishing_to
from tests.engines import ENGINE_FIXTURES, ENGINE_MARKS, engine_fixture

pytest_plugins = ["tests.shop_world", "tests.xdist_groups"]

# The JVM engines, each started once per run by the first test that asks for it (tests/engines.py).
kafka_engine = engine_fixture("kafka")
cassandra_engine = engine_fixture("cassandra")
opensearch_engine = engine_fixture("opensearch")
# noida-db's imitation of the Elasticsearch API, for the Elasticsearch backend (tests/brokers.py).
elasticsearch = broker_fixture("elasticsearch")


@pytest.fixture(autouse=True)
def _isolated_state(settings, tmp_path):
    """Each test starts with an empty cache, freshly built backends and tasks run in-process."""
    from shop.celery import app

    settings.EVENTS_RELAY_ON_COMMIT = False  # tests relay explicitly, so they can see each step
    # Tests create many users and none tests the hasher's strength: the fast one saves seconds.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Tests change routes and read them back at once: no per-process copy (tested on its own).
    settings.LOGISTICS_LOCAL_ROUTES_SECONDS = 0
    # Each test its own embedded search index (unless it chose Elasticsearch), never var/.
    if settings.BAZAAR_BACKENDS["search"]["BACKEND"].endswith("TantivyBackend"):
        settings.BAZAAR_BACKENDS = {**settings.BAZAAR_BACKENDS, "search": {
            **settings.BAZAAR_BACKENDS["search"], "OPTIONS": {"path": str(tmp_path / "search-index")}}}
    app.conf.task_always_eager = True
    _clear_cache()
    ratelimit.local_counters_clear()  # the limits' fallback counters, kept in this process
    reset_backends()
    yield
    reset_backends()
    _clear_cache()
    ratelimit.local_counters_clear()


def _clear_cache() -> None:
    # django-redis's clear() is FLUSHDB, which would wipe other test workers' keys too.
    if hasattr(cache, "delete_pattern"):
        cache.delete_pattern("*")
    else:
        cache.clear()
    pagecache.recent.clear()  # the process's own copies of kept pages go with the shared ones
    header.drawn.clear()


def pytest_configure(config):
    """Give every xdist worker its own cache key prefix, before any cache is built."""
    import os

    from django.conf import settings

    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    settings.CACHES["default"]["KEY_PREFIX"] = f"bazaar-test-{worker}"
    # Analytics events written at once, so a test sees its searches in the outbox (events/buffer.py).
    settings.EVENTS_ANALYTICS_FLUSH_SECONDS = 0


@pytest.fixture
def user_factory(db):
    from accounts.models import User

    counter = {"n": 0}

    def make(**fields) -> User:
        counter["n"] += 1
        fields.setdefault("email", f"user{counter['n']}@example.com")
        fields.setdefault("password", "a-long-test-password")
        return User.objects.create_user(**fields)

    return make


# Logged-in clients for whichever `customer` a test folder defines.
@pytest.fixture
def customer_client(client, customer):
    client.force_login(customer)
    return client


@pytest.fixture
def api(customer):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(customer)
    return client


def pytest_collection_modifyitems(config, items):
    """Every test that uses a JVM engine runs on one xdist worker (--dist loadgroup): each engine
    then starts once per run, and a journey across several engines shares them with the rest."""
    for item in items:
        if ENGINE_FIXTURES.keys() & set(getattr(item, "fixturenames", ())):
            for mark in ENGINE_MARKS:
                item.add_marker(mark)


# --- The Celery broker, unreachable ---------------------------------------------------------------

@pytest.fixture
def broker_down() -> Iterator[str]:
    """Celery publishes for real (not eagerly) to a Redis address where nothing listens: the port
    is bound by this test and never listened on, so every connection is refused at once."""
    closed = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    closed.bind(("127.0.0.1", 0))
    url = f"redis://127.0.0.1:{closed.getsockname()[1]}/0"
    try:
        with celery_publishing_to(url):
            yield url
    finally:
        closed.close()
