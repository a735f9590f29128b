"""Turning environment variables into settings.

Kept apart from settings.py so the choices can be tested with any environment,
not only the one the test process happens to run with.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off", ""}


def env_bool(environ: Mapping[str, str], name: str, default: bool) -> bool:
    raw = environ.get(name)
    if raw is None:
        return default
    word = raw.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean (use 1/0, true/false).")


def env_int(environ: Mapping[str, str], name: str, default: int) -> int:
    raw = environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name}={raw!r} is not an integer.") from exc


def env_list(environ: Mapping[str, str], name: str, default: list[str]) -> list[str]:
    raw = environ.get(name)
    if raw is None:
        return default
    return [part.strip() for part in raw.split(",") if part.strip()]


def trusted_proxies_from_env(environ: Mapping[str, str]) -> int:
    """TRUSTED_PROXIES: how many proxies of ours stand in front of the application, each adding
    the address it received from to X-Forwarded-For. 0 (the default): none, so the header is
    the visitor's own text and only REMOTE_ADDR counts (`shop.http.client_address`)."""
    hops = env_int(environ, "TRUSTED_PROXIES", 0)
    if hops < 0:
        raise ImproperlyConfigured(f"TRUSTED_PROXIES={hops}: the number of proxies in front of the "
                                   "application, 0 or more.")
    return hops


def database_from_url(url: str | None, *, base_dir: Path) -> dict:
    """`mysql://user:pass@host:port/name` or `sqlite:///path`; None means the embedded SQLite."""
    if not url:
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": base_dir / "var" / "bazaar.sqlite3",
            "OPTIONS": {
                # WAL lets the web server and the worker read while the other writes;
                # IMMEDIATE makes writers queue on the lock instead of failing mid-transaction.
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
            # A file, not memory, so a worker process started by a test sees the test's data;
            # one per test process, so concurrent test runs never share it.
            "TEST": {"NAME": base_dir / "var" / f"test-{os.getpid()}.sqlite3"},
        }
    parts = urlsplit(url)
    if parts.scheme == "sqlite":
        name = unquote(parts.path[1:]) if parts.path.startswith("//") else unquote(parts.path)
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": name or ":memory:",
                "OPTIONS": {"transaction_mode": "IMMEDIATE", "timeout": 20}}
    if parts.scheme in {"mysql", "mariadb"}:
        options = dict(parse_qsl(parts.query))
        return {
            # Django's MySQL backend, pinging only connections that have been idle (shop/mysql).
            "ENGINE": "shop.mysql",
            "NAME": unquote(parts.path.lstrip("/")),
            "USER": unquote(parts.username or ""),
            "PASSWORD": unquote(parts.password or ""),
            "HOST": parts.hostname or "127.0.0.1",
            "PORT": str(parts.port or 3306),
            "CONN_MAX_AGE": 60,
            "CONN_HEALTH_CHECKS": True,
            "OPTIONS": {
                "charset": "utf8mb4",
                "isolation_level": "read committed",
                "init_command": "SET sql_mode='STRICT_TRANS_TABLES'",
                **options,
            },
            "TEST": {"CHARSET": "utf8mb4", "COLLATION": "utf8mb4_unicode_ci"},
        }
    raise ImproperlyConfigured(f"DATABASE_URL scheme {parts.scheme!r} is not supported (mysql, sqlite).")


def backends_from_env(environ: Mapping[str, str]) -> dict[str, dict]:
    """The port registry: each port's embedded default, or its real backend when its variable is set.

    `shop.backends.get_backend(port)` turns an entry into an object. Ports whose
    implementation lands in a later issue are listed here already, so the table in
    docs/ARCHITECTURE.md and this function stay one and the same.
    """
    kafka = environ.get("KAFKA_BOOTSTRAP_SERVERS")
    elasticsearch = environ.get("ELASTICSEARCH_URL")
    opensearch = environ.get("OPENSEARCH_URL")
    mongodb = environ.get("MONGODB_URL")
    cassandra = environ.get("CASSANDRA_HOSTS")
    stripe_key = environ.get("STRIPE_SECRET_KEY")
    spark_master = environ.get("SPARK_MASTER")
    return {
        "event_bus": (
            {
                "BACKEND": "events.backends.kafka.KafkaEventBus",
                "EMBEDDED": False,
                "OPTIONS": {
                    "bootstrap_servers": kafka,
                    "topic": environ.get("KAFKA_EVENTS_TOPIC", "bazaar.events"),
                },
            }
            if kafka
            else {"BACKEND": "events.backends.in_process.InProcessEventBus", "EMBEDDED": True}
        ),
        "search": (
            {"BACKEND": "search.backends.opensearch.OpenSearchBackend", "EMBEDDED": False,
             "OPTIONS": {"url": opensearch}}
            if opensearch
            else {"BACKEND": "search.backends.elasticsearch.ElasticsearchBackend", "EMBEDDED": False,
                  "OPTIONS": {"url": elasticsearch}}
            if elasticsearch
            else {"BACKEND": "search.backends.tantivy.TantivyBackend", "EMBEDDED": True,
                  "OPTIONS": {"path": environ.get("SEARCH_INDEX_DIR", "var/search-index")}}
        ),
        "item_documents": (
            {"BACKEND": "catalog.backends.mongodb.MongoItemDocuments", "EMBEDDED": False,
             "OPTIONS": {"url": mongodb}}
            if mongodb
            else {"BACKEND": "catalog.backends.relational.RelationalItemDocuments", "EMBEDDED": True}
        ),
        "order_archive": (
            {"BACKEND": "orders.backends.cassandra.CassandraOrderArchive", "EMBEDDED": False,
             "OPTIONS": {"hosts": env_list(environ, "CASSANDRA_HOSTS", []),
                         "port": env_int(environ, "CASSANDRA_PORT", 9042),
                         "keyspace": environ.get("CASSANDRA_KEYSPACE", "bazaar")}}
            if cassandra
            else {"BACKEND": "orders.backends.relational.RelationalOrderArchive", "EMBEDDED": True}
        ),
        "payments": (
            {"BACKEND": "payments.backends.stripe.StripeGateway", "EMBEDDED": False,
             "OPTIONS": {"secret_key": stripe_key,
                         "publishable_key": environ.get("STRIPE_PUBLISHABLE_KEY", ""),
                         "webhook_secret": environ.get("STRIPE_WEBHOOK_SECRET", ""),
                         "api_base": environ.get("STRIPE_API_BASE", "https://api.stripe.com")}}
            if stripe_key
            else {"BACKEND": "payments.backends.simulated.SimulatedGateway", "EMBEDDED": True}
        ),
        "analytics": (
            {"BACKEND": "recommendations.backends.spark.SparkAnalytics", "EMBEDDED": False,
             "OPTIONS": {"master": spark_master}}
            if spark_master
            else {"BACKEND": "recommendations.backends.spark.SparkAnalytics", "EMBEDDED": True,
                  "OPTIONS": {"master": "local[2]"}}
        ),
    }
