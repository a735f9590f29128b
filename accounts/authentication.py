"""The API's token authentication, reading a token's user through the cache.

DRF's `TokenAuthentication` reads the token and its user with a query on every API call. Here the
token's user id is kept in the cache (by a digest of the key: the cache never holds a key that
opens an account), and the user row comes from the same cache as a logged-in session's
(`session_user_get`, forgotten on every save of the user). A deleted token is forgotten by a
signal (accounts.signals), at once and again on commit. A reader that read the row just before
the delete and stores it just after is bounded by TOKEN_CACHE_SECONDS.
"""

from __future__ import annotations

from hashlib import blake2b

from django.core.cache import cache
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token

from accounts.models import User
from accounts.selectors import session_user_get

TOKEN_CACHE_SECONDS = 120


def token_cache_key(key: str) -> str:
    return "accounts:token:" + blake2b(key.encode(), digest_size=16).hexdigest()


def token_user_id(key: str) -> int | None:
    """The id of the user the token belongs to (None: no such token)."""
    cache_key = token_cache_key(key)
    user_id = cache.get(cache_key)
    if user_id is None:
        user_id = Token.objects.filter(key=key).values_list("user_id", flat=True).first()
        if user_id is not None:
            cache.set(cache_key, user_id, timeout=TOKEN_CACHE_SECONDS)
    return user_id


class CachedTokenAuthentication(TokenAuthentication):
    """`Authorization: Token <key>` as DRF reads it (the same answers, errors and header), without a
    query per call. `request.auth` is the key."""

    def authenticate_credentials(self, key: str) -> tuple[User, str]:
        user_id = token_user_id(key)
        user = session_user_get(user_id=user_id) if user_id is not None else None
        if user is None:
            raise exceptions.AuthenticationFailed("Invalid token.")
        if not user.is_active:
            raise exceptions.AuthenticationFailed("User inactive or deleted.")
        return user, key
