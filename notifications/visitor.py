from django.http import HttpRequest

from notifications.selectors import unread_cache_key, unread_count_get


def unread_count(request: HttpRequest) -> int:
    """Unread notifications, for the header badge: 0 without a query for a visitor who is not
    logged in; else the cached number or one COUNT (cached for five minutes, forgotten on change)."""
    if not request.user.is_authenticated:
        return 0
    return unread_count_get(user_id=request.user.pk)


def header_cache_keys(request: HttpRequest, user_id: int | None) -> list[str]:
    """The cache key `unread_count` reads, for the page's one prefetch (shop.middleware)."""
    return [unread_cache_key(user_id)] if user_id is not None else []
