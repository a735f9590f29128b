"""Reads of the accounts app. The profile read is the design's "User service": read-through cache."""

from __future__ import annotations

from dataclasses import dataclass

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
    row["user_id"] = row.pop("id")
    cache.set(key, row, timeout=settings.PROFILE_CACHE_SECONDS)
    return Profile(**row)


def address_list(*, user_id: int) -> list[Address]:
    return list(Address.objects.filter(user_id=user_id))


def default_address_get(*, user_id: int) -> Address | None:
    """The address checkout starts from: the default one, else the newest."""
    return Address.objects.filter(user_id=user_id).order_by("-is_default", "-created_at").first()
