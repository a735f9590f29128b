"""System checks that guard the production posture."""

from django.conf import settings
from django.core.checks import Tags, Warning, register


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
