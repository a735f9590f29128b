"""The wishlist as a request sees it."""

from __future__ import annotations

from django.http import HttpRequest

from wishlist.selectors import wishlist_count_get


def wishlist_count(request: HttpRequest) -> int:
    """Items on the customer's wishlist, for the header: 0 without a query for a visitor who is
    not logged in; else the cached number or one query."""
    if not request.user.is_authenticated:
        return 0
    return wishlist_count_get(user_id=request.user.pk)
