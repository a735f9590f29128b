"""System checks that guard the production posture."""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, Warning, register
from django.db import connections

from shop.config import env_bool

# The demo opt-in: a shop served with BAZAAR_ENV=production where anyone may press Pay on the
# simulated gateway's page (a public demo, a staging site). Never for a shop that takes orders.
SIMULATED_PAYMENTS_OPT_IN = "ALLOW_SIMULATED_PAYMENTS_IN_PRODUCTION"
TIME_ZONE_TABLES_FIX = "mysql_tzinfo_to_sql /usr/share/zoneinfo | mysql -uroot mysql"


def _serving() -> bool:
    """BAZAAR_ENV=production: the shop serves customers (DEBUG is off everywhere but `make dev`, so
    it tells nothing)."""
    return bool(getattr(settings, "PRODUCTION", False))


def _simulated_payments_in_production() -> bool:
    """The simulated gateway serves payments where customers could order for real."""
    backend = settings.BAZAAR_BACKENDS.get("payments", {}).get("BACKEND", "")
    return _serving() and backend.endswith(".SimulatedGateway")


def _simulated_payments_allowed() -> bool:
    return env_bool(os.environ, SIMULATED_PAYMENTS_OPT_IN, False)


@register(Tags.compatibility, deploy=True)
def embedded_backends_when_serving(app_configs: Sequence[Any] | None, **kwargs: Any) -> list[CheckMessage]:
    """An embedded backend is fine on a laptop; in production it is probably a mistake."""
    if not _serving():
        return []
    found: list[tuple[str, str | None, str]] = []
    db_engine = settings.DATABASES["default"]["ENGINE"]
    if db_engine.endswith("sqlite3"):
        found.append(("database", "DATABASE_URL", "SQLite"))
    if not settings.REDIS_URL:
        found.append(("cache", "REDIS_URL", "a cache on this machine only"))
    if settings.CELERY_BROKER_URL.startswith("filesystem://"):
        found.append(("task queue", "CELERY_BROKER_URL", "the filesystem broker"))
    refused_payments = _simulated_payments_in_production() and not _simulated_payments_allowed()
    for port, conf in settings.BAZAAR_BACKENDS.items():
        if conf.get("EMBEDDED") and not (port == "payments" and refused_payments):  # E002 says it
            found.append((port, None, conf["BACKEND"]))
    return [
        Warning(
            f"The {port} port serves with its embedded backend ({what}) in production.",
            hint=f"Set {variable} for the real backend." if variable else
            "Set its variable (see the backend table in docs/ARCHITECTURE.md).",
            id="bazaar.W001",
        )
        for port, variable, what in found
    ]


@register(Tags.security, deploy=True)
def simulated_payments_when_serving(app_configs: Sequence[Any] | None, **kwargs: Any) -> list[CheckMessage]:
    """Anyone can press Pay on the simulated gateway's page: orders placed without money."""
    if not _simulated_payments_in_production() or _simulated_payments_allowed():
        return []
    return [Error(
        "Payments go through the simulated gateway: anyone can press Pay on its page, and the order is "
        "placed without any money taken.",
        hint=f"Set STRIPE_SECRET_KEY (and STRIPE_WEBHOOK_SECRET) for real payments; for a demo shop only, "
             f"{SIMULATED_PAYMENTS_OPT_IN}=1 accepts the simulated gateway.",
        id="bazaar.E002",
    )]


@register(Tags.security)
def stripe_needs_its_webhook_secret(app_configs: Sequence[Any] | None, **kwargs: Any) -> list[CheckMessage]:
    conf = settings.BAZAAR_BACKENDS.get("payments", {})
    if conf.get("BACKEND", "").endswith("StripeGateway") and not conf.get("OPTIONS", {}).get("webhook_secret"):
        return [Error("STRIPE_SECRET_KEY is set but STRIPE_WEBHOOK_SECRET is not: every webhook would be "
                      "refused, and paid orders would expire.", hint="Set STRIPE_WEBHOOK_SECRET.",
                      id="bazaar.E001")]
    return []


@register(Tags.database)
def mysql_time_zone_tables(app_configs: Sequence[Any] | None, databases: Iterable[str] | None = None,
                           **kwargs: Any) -> list[CheckMessage]:
    """With USE_TZ, Django's date functions on MySQL/MariaDB use CONVERT_TZ with named zones, which
    answers NULL while the server's time-zone tables are empty: admin's date filters, "by day" and
    date_hierarchy pages would fail. Runs under `check --database <alias>` and in `migrate`."""
    if not settings.USE_TZ:
        return []
    errors: list[CheckMessage] = []
    for alias in databases or ():
        connection = connections[alias]
        if connection.vendor != "mysql":
            continue
        with connection.cursor() as cursor:
            cursor.execute("SELECT CONVERT_TZ('2000-01-01 00:00:00', 'UTC', %s)", [settings.TIME_ZONE])
            (converted,) = cursor.fetchone()
        if converted is None:
            errors.append(Error(
                f"The database {alias!r} ({connection.display_name}) has no time-zone tables: "
                f"CONVERT_TZ to {settings.TIME_ZONE} answers NULL, so admin's date filters and every "
                "date in a time zone fail.",
                hint=f"Load them once per server: {TIME_ZONE_TABLES_FIX}",
                id="bazaar.E003",
            ))
    return errors
