"""A fixed-window counter in the cache, for the pages a bot would hammer (log-in, password reset).

The API has DRF's throttles; HTML forms use this. With the cache down, nothing is limited
rather than everything refused.
"""

from __future__ import annotations

from django.core.cache import cache
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR", "unknown")


def rate_limited(scope: str, key: str, *, limit: int, window_seconds: int) -> bool:
    """Count one attempt for (scope, key); True once more than `limit` fell in this window."""
    name = f"ratelimit:{scope}:{key}"
    cache.add(name, 0, window_seconds)
    try:
        count = cache.incr(name)
    except ValueError:  # the window ended between add and incr
        cache.set(name, 1, window_seconds)
        count = 1
    return count > limit
