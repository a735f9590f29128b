"""Cache backends that also measure how long a request waits on the cache (for shop.metrics).

Django has no hook for cache calls, so the configured backends are these thin subclasses: each
public call adds its duration to the current request's total, which `RequestMetricsMiddleware`
starts and reads. Outside a request (tasks, commands) nothing is added up.
"""

from __future__ import annotations

import contextvars
import time
from typing import Any

from django_redis.cache import RedisCache

from shop.sqlite_cache import SQLiteCache

_cache_seconds: contextvars.ContextVar[list | None] = contextvars.ContextVar("bazaar_cache_seconds",
                                                                                     default=None)

TIMED_METHODS = ("get", "set", "add", "delete", "get_many", "set_many", "delete_many", "incr", "decr",
                 "has_key", "touch", "get_or_set")


def cache_time_start() -> contextvars.Token:
    return _cache_seconds.set([0.0, 0])  # seconds, and how deep in timed calls we are


def cache_time_stop(token: contextvars.Token) -> float:
    total = _cache_seconds.get()
    _cache_seconds.reset(token)
    return total[0] if total else 0.0


def _timed(name: str):
    def method(self, *args: Any, **kwargs: Any) -> Any:
        total = _cache_seconds.get()
        if total is None or total[1]:  # not in a request, or inside a timed call (get_or_set's get)
            return getattr(super(TimedCacheMixin, self), name)(*args, **kwargs)
        started = time.perf_counter()
        total[1] += 1
        try:
            return getattr(super(TimedCacheMixin, self), name)(*args, **kwargs)
        finally:
            total[1] -= 1
            total[0] += time.perf_counter() - started

    method.__name__ = name
    return method


class TimedCacheMixin:
    """Put first in a cache backend's bases: its public calls are timed."""


for _name in TIMED_METHODS:
    setattr(TimedCacheMixin, _name, _timed(_name))


class TimedRedisCache(TimedCacheMixin, RedisCache):
    """django-redis, timed."""


class TimedSQLiteCache(TimedCacheMixin, SQLiteCache):
    """The embedded default (shop/sqlite_cache.py), timed."""
