"""Version tokens: one cache key per thing a kept page shows for a visitor (their wishlist, their
orders), naming its current state in the page's key without reading the thing itself.

A token is random, made on first read, and forgotten when the thing changes: at once and again
when the change commits, so a page built meanwhile from the old state is kept under a token no
one reads again. A token the cache evicted is made anew, which only costs a rebuild.
"""

from __future__ import annotations

import uuid

from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, transaction

TOKEN_SECONDS = 7 * 24 * 3600


def version_token(key: str) -> str:
    token = cache.get(key)
    if token is None:
        token = uuid.uuid4().hex[:16]
        if not cache.add(key, token, TOKEN_SECONDS):  # another request made one first: theirs
            token = cache.get(key) or token
    return token


def version_forget(*keys: str, using: str = DEFAULT_DB_ALIAS) -> None:
    """Forget these keys now and again when `using`'s transaction commits (one round trip each)."""
    forgotten = list(keys)
    cache.delete_many(forgotten)
    transaction.on_commit(lambda: cache.delete_many(forgotten), using=using)
