"""The wishlist as a request sees it."""

from __future__ import annotations

from django.http import HttpRequest

from wishlist.selectors import count_cache_key, version_cache_key, wishlist_count_get


def wishlist_count(request: HttpRequest) -> int:
    """Items on the customer's wishlist, for the header: 0 without a query for a visitor who is
    not logged in; else the cached number or one query."""
    if not request.user.is_authenticated:
        return 0
    return wishlist_count_get(user_id=request.user.pk)


def header_cache_keys(request: HttpRequest, user_id: int | None) -> list[str]:
    """The cache keys `wishlist_count` and `wishlist_version` read, for the page's one prefetch
    (shop.middleware)."""
    return [count_cache_key(user_id), version_cache_key(user_id)] if user_id is not None else []
