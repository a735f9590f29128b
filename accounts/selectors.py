"""Reads of the accounts app. The profile read is the design's "User service": read-through cache."""

from __future__ import annotations

import zlib
from collections.abc import Iterable
from dataclasses import asdict, dataclass

from django.conf import settings
from django.core.cache import cache

from accounts.models import Address, User

PROFILE_CACHE_VERSION = 1


@dataclass(frozen=True)
class Profile:
    user_id: int
    email: str
    full_name: str
    phone: str
    pin_code: str
    is_seller: bool
    is_staff: bool


def profile_cache_key(user_id: int) -> str:
    return f"accounts:profile:v{PROFILE_CACHE_VERSION}:{user_id}"


def profile_get(*, user_id: int) -> Profile | None:
    """The cache first; on a miss, the database, and the answer goes into the cache."""
    key = profile_cache_key(user_id)
    cached = cache.get(key)
    if cached is not None:
        return Profile(**cached)
    row = (
        User.objects.filter(pk=user_id, is_active=True)
        .values("id", "email", "full_name", "phone", "pin_code", "is_seller", "is_staff")
        .first()
    )
    if row is None:
        return None
    profile = Profile(user_id=row["id"], email=row["email"], full_name=row["full_name"], phone=row["phone"],
                      pin_code=row["pin_code"], is_seller=row["is_seller"], is_staff=row["is_staff"])
    cache.set(key, asdict(profile), timeout=settings.PROFILE_CACHE_SECONDS)
    return profile


# The user row behind a logged-in session, read on every page by Django's authentication
# middleware: kept in the cache as its column values, so a page costs no query for it
# (docs/decisions/0024). The key carries the columns' names, so a deploy that changes the table
# reads afresh. Forgotten on every save and delete of a user (accounts.signals).
USER_CACHE_SECONDS = 300
_USER_COLUMNS = tuple(f.attname for f in User._meta.concrete_fields)
_USER_SHAPE = format(zlib.crc32(",".join(_USER_COLUMNS).encode()), "08x")


def user_cache_key(user_id: int) -> str:
    return f"accounts:user:{_USER_SHAPE}:{user_id}"


def session_user_get(*, user_id: int) -> User | None:
    """The user of a session: from the cache, else one query (then cached). Deactivated users
    too: the authentication backend decides what they may do."""
    key = user_cache_key(user_id)
    values = cache.get(key)
    if values is not None:
        return User.from_db("default", _USER_COLUMNS, values)
    user = User._default_manager.filter(pk=user_id).first()
    if user is not None:
        cache.set(key, [getattr(user, name) for name in _USER_COLUMNS], timeout=USER_CACHE_SECONDS)
    return user


def address_list(*, user_id: int) -> list[Address]:
    return list(Address.objects.filter(user_id=user_id))


def default_address_get(*, user_id: int) -> Address | None:
    """The address checkout starts from: the default one, else the newest."""
    return Address.objects.filter(user_id=user_id).order_by("-is_default", "-created_at").first()


# --- For staff screens (admin lists of other apps' rows): many users at once, deactivated ones too.

def _known_ids(user_ids: Iterable[int | None]) -> set[int]:
    return {int(i) for i in user_ids if i is not None and 0 < int(i) < 2**63}


def user_emails(*, user_ids: Iterable[int]) -> dict[int, str]:
    """{user id: email} in one query, whatever the number of ids; unknown ids are left out."""
    ids = _known_ids(user_ids)
    if not ids:
        return {}
    return dict(User.objects.filter(pk__in=ids).values_list("pk", "email"))


def user_names(*, user_ids: Iterable[int]) -> dict[int, str]:
    """{user id: "Full Name (email)"}, or just the email when no name is given; one query."""
    ids = _known_ids(user_ids)
    if not ids:
        return {}
    rows = User.objects.filter(pk__in=ids).values_list("pk", "email", "full_name")
    return {pk: f"{name} ({email})" if name else email for pk, email, name in rows}


def user_ids_by_email(*, text: str, limit: int = 1000) -> list[int]:
    """Ids of the users whose email contains `text` (any case), at most `limit` of them."""
    text = text.strip()
    if not text:
        return []
    return list(User.objects.filter(email__icontains=text).order_by("pk").values_list("pk", flat=True)[:limit])
