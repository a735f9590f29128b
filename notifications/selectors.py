"""Reads of the notifications app."""

from __future__ import annotations

from django.core.cache import cache
from django.db.models import QuerySet

from notifications.models import Notification

UNREAD_CACHE_SECONDS = 300
UNREAD_CACHE_VERSION = 1


def unread_cache_key(user_id: int) -> str:
    return f"notifications:unread:v{UNREAD_CACHE_VERSION}:{user_id}"


def notification_list(*, user_id: int) -> QuerySet[Notification]:
    """The customer's inbox, newest first (the (user_id, -created_at) index)."""
    return Notification.objects.filter(user_id=user_id).order_by("-created_at", "-id")


def unread_count_get(*, user_id: int) -> int:
    """Unread notifications: the cached number, else one COUNT (then cached).

    Every write forgets the number once its transaction commits (notifications.services).
    """
    key = unread_cache_key(user_id)
    cached: int | None = cache.get(key)
    if cached is not None:
        return cached
    count = Notification.objects.filter(user_id=user_id, read_at__isnull=True).count()
    cache.set(key, count, timeout=UNREAD_CACHE_SECONDS)
    return count
