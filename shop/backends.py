"""The one loader that turns a BAZAAR_BACKENDS entry into a backend object."""

from __future__ import annotations

import functools
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string


def backend_config(port: str) -> dict:
    try:
        return settings.BAZAAR_BACKENDS[port]
    except KeyError as exc:
        raise ImproperlyConfigured(f"BAZAAR_BACKENDS has no port named {port!r}.") from exc


@functools.cache
def get_backend(port: str) -> Any:
    conf = backend_config(port)
    return import_string(conf["BACKEND"])(**conf.get("OPTIONS", {}))


def reset_backends() -> None:
    """Forget the built backends, so changed settings take effect (tests, reconfiguration)."""
    get_backend.cache_clear()
