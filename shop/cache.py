"""Cache backends that measure how long a request waits on the cache (for shop.metrics), and
fetch what a page is known to need in one round trip.

Django has no hook for cache calls, so the configured backends are these thin subclasses: each
public call adds its duration to the current request's total, which `RequestMetricsMiddleware`
starts and reads. Outside a request (tasks, commands) nothing is added up.

`request_prefetch(keys)` reads many keys with one `get_many` and keeps the answers (misses
included) for the rest of the request, so the header's five or six reads cost one round trip
instead of one each (docs/decisions/0024). Only prefetched keys are kept: a plain `get` always asks
the server, so nothing that polls the cache within a request can be fooled. Any write through the
cache in the request forgets its key, so a request reads its own writes.
"""

from __future__ import annotations

import contextvars
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.cache.backends.base import DEFAULT_TIMEOUT
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


_prefetched: contextvars.ContextVar[dict[str, Any] | None] = contextvars.ContextVar("bazaar_cache_prefetched",
                                                                                     default=None)
_ABSENT = object()


def request_prefetch_start() -> contextvars.Token:
    return _prefetched.set({})


def request_prefetch_stop(token: contextvars.Token) -> None:
    _prefetched.reset(token)


def request_prefetch(keys: list[str]) -> None:
    """Read `keys` in one round trip and keep the answers until the request ends. Outside a
    request, or on a cache without the mixin, it does nothing (the reads then happen one by one)."""
    from django.core.cache import caches

    cache = caches["default"]
    kept = _prefetched.get()
    if kept is None or not isinstance(cache, PrefetchCacheMixin):
        return
    wanted = [k for k in dict.fromkeys(keys) if k not in kept]
    if wanted:
        found = cache.get_many(wanted)
        kept.update({k: found.get(k, _ABSENT) for k in wanted})


class PrefetchCacheMixin:
    """Put first in a cache backend's bases: `get` and `get_many` answer prefetched keys without a
    round trip;
    writes forget the keys they touch (default version only: a versioned call goes to the server)."""

    def get(self, key: str, default: Any = None, version: int | None = None) -> Any:
        kept = _prefetched.get()
        if kept and version is None and key in kept:
            value = kept[key]
            return default if value is _ABSENT else value
        return super().get(key, default, version)  # type: ignore[misc]

    def get_many(self, keys, version: int | None = None) -> dict[str, Any]:
        kept = _prefetched.get()
        if not kept or version is not None:
            return super().get_many(keys, version)  # type: ignore[misc]
        keys = list(keys)
        found = {key: kept[key] for key in keys if key in kept and kept[key] is not _ABSENT}
        asked = [key for key in keys if key not in kept]
        if asked:
            found.update(super().get_many(asked, version))  # type: ignore[misc]
        return found

    def get_or_set(self, key: str, default: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> Any:
        kept = _prefetched.get()
        if kept and version is None and kept.get(key, _ABSENT) is not _ABSENT:
            return kept[key]
        return super().get_or_set(key, default, timeout, version)  # type: ignore[misc]

    def _forget(self, keys) -> None:
        kept = _prefetched.get()
        if kept:
            for key in keys:
                kept.pop(key, None)


def _forgetting(name: str, *, many: bool = False):
    def method(self, key_or_keys, *args: Any, **kwargs: Any) -> Any:
        self._forget(list(key_or_keys) if many else [key_or_keys])
        return getattr(super(PrefetchCacheMixin, self), name)(key_or_keys, *args, **kwargs)

    method.__name__ = name
    return method


for _name in ("set", "add", "delete", "incr", "decr", "touch"):
    setattr(PrefetchCacheMixin, _name, _forgetting(_name))
for _name in ("set_many", "delete_many"):
    setattr(PrefetchCacheMixin, _name, _forgetting(_name, many=True))


def _clear(self) -> None:
    kept = _prefetched.get()
    if kept:
        kept.clear()
    super(PrefetchCacheMixin, self).clear()


PrefetchCacheMixin.clear = _clear  # type: ignore[attr-defined]


class TimedRedisCache(PrefetchCacheMixin, TimedCacheMixin, RedisCache):
    """django-redis, timed, with request prefetch."""


class TimedSQLiteCache(PrefetchCacheMixin, TimedCacheMixin, SQLiteCache):
    """The embedded default (shop/sqlite_cache.py), timed, with request prefetch."""


@dataclass(frozen=True)
class ViewPrefetch:
    """The cache keys a view reads, given its URL's arguments, that join the page's two prefetches
    (shop.middleware.RequestPrefetchMiddleware): `first` what the URL alone names, read with the
    session; `then` what the first answers name, read with the header's keys (it may read the
    first's keys: they are already here)."""

    first: Callable[..., list[str]]
    then: Callable[..., list[str]] | None = None


def prefetches(first: Callable[..., list[str]], then: Callable[..., list[str]] | None = None):
    """Decorator for a storefront view: its own cache reads come in the page's two round trips
    instead of round trips of their own."""

    def mark(view):
        view.view_prefetch = ViewPrefetch(first=first, then=then)
        return view

    return mark
