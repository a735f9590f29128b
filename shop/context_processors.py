"""What the storefront header of every page needs."""

from __future__ import annotations

from functools import cached_property

from django.http import HttpRequest

from accounts.interface import current_pin_get, session_user_id
from accounts.interface import header_cache_keys as accounts_keys
from cart.interface import cart_count
from cart.interface import header_cache_keys as cart_keys
from catalog.interface import CATEGORY_MENU_VERSION_KEY
from notifications.interface import header_cache_keys as notifications_keys
from notifications.interface import unread_count
from orders.interface import header_cache_keys as orders_keys
from recommendations.interface import RUNS_KEY
from search.interface import INDEX_VERSION_KEY
from wishlist.interface import header_cache_keys as wishlist_keys
from wishlist.interface import wishlist_count


class Storefront:
    """Read lazily, at most once per request: pages that don't show the header pay nothing.

    The PIN comes from the session for anyone (no query) and, for a customer who has not
    chosen one in this session, from their profile (one read through the profile cache).
    The cart count costs no query for a visitor without a cart, the wishlist count none for
    anonymous visitors.
    """

    def __init__(self, request: HttpRequest):
        self._request = request

    @cached_property
    def pin_code(self) -> str:
        return current_pin_get(self._request)

    @cached_property
    def cart_count(self) -> int:
        return cart_count(self._request)

    @cached_property
    def wishlist_count(self) -> int:
        return wishlist_count(self._request)

    @cached_property
    def unread_notifications(self) -> int:
        return unread_count(self._request)

    @cached_property
    def next_url(self) -> str:
        """Where the header's forms (PIN chooser, log-out) send the visitor back to."""
        return self._request.get_full_path()


def storefront(request: HttpRequest) -> dict:
    return {"storefront": Storefront(request)}


def page_cache_keys(request: HttpRequest) -> list[str]:
    """What every storefront page reads that is known from the request alone: the session (by its
    cookie) and the versions pages are built from (search's index, the category menu, the
    recommendation jobs' latest runs)."""
    session_key = getattr(request.session, "cache_key", None) if request.session.session_key else None
    return [key for key in (session_key, INDEX_VERSION_KEY, CATEGORY_MENU_VERSION_KEY, RUNS_KEY) if key]


def storefront_cache_keys(request: HttpRequest) -> list[str]:
    """Every cache key a storefront page's header will read for this visitor (the session's user,
    their PIN, the three counts), and the versions of what kept pages show them (their wishlist,
    their orders): known once the session is read."""
    user_id = session_user_id(request)
    return [key for keys in (accounts_keys, cart_keys, wishlist_keys, notifications_keys, orders_keys)
            for key in keys(request, user_id)]
