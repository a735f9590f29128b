"""System checks that guard the production posture."""

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register


@register(Tags.compatibility, deploy=True)
def embedded_backends_when_serving(app_configs, **kwargs):
    """An embedded backend is fine on a laptop; with DEBUG=False it is probably a mistake."""
    if settings.DEBUG:
        return []
    found = []
    db_engine = settings.DATABASES["default"]["ENGINE"]
    if db_engine.endswith("sqlite3"):
        found.append(("database", "DATABASE_URL", "SQLite"))
    if settings.CACHES["default"]["BACKEND"].endswith("LocMemCache"):
        found.append(("cache", "REDIS_URL", "a per-process memory cache"))
    if settings.CELERY_BROKER_URL.startswith("filesystem://"):
        found.append(("task queue", "CELERY_BROKER_URL", "the filesystem broker"))
    for port, conf in settings.BAZAAR_BACKENDS.items():
        if conf.get("EMBEDDED"):
            found.append((port, None, conf["BACKEND"]))
    return [
        Warning(
            f"The {port} port serves with its embedded backend ({what}) while DEBUG is False.",
            hint=f"Set {variable} for the real backend." if variable else
            "Set its variable (see the backend table in docs/ARCHITECTURE.md).",
            id="bazaar.W001",
        )
        for port, variable, what in found
    ]


@register(Tags.security)
def stripe_needs_its_webhook_secret(app_configs, **kwargs):
    conf = settings.BAZAAR_BACKENDS.get("payments", {})
    if conf.get("BACKEND", "").endswith("StripeGateway") and not conf.get("OPTIONS", {}).get("webhook_secret"):
        return [Error("STRIPE_SECRET_KEY is set but STRIPE_WEBHOOK_SECRET is not: every webhook would be "
                      "refused, and paid orders would expire.", hint="Set STRIPE_WEBHOOK_SECRET.",
                      id="bazaar.E001")]
    return []
