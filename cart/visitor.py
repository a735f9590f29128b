"""The cart of whoever makes a request: a customer's by user id, an anonymous visitor's by a
random token kept in their session (sessions are server-side, so the token never leaves us)."""

from __future__ import annotations

import logging
import secrets

from django.contrib import messages
from django.http import HttpRequest

from cart.selectors import CartOwner, cart_count_get
from cart.services import cart_merge

logger = logging.getLogger(__name__)

SESSION_KEY = "cart_token"


def _session_token(request: HttpRequest) -> str | None:
    session = getattr(request, "session", None)
    return session.get(SESSION_KEY) if session is not None else None


def request_owner(request: HttpRequest) -> CartOwner | None:
    """Whose cart the request shows: None for a visitor who has never added anything."""
    if request.user.is_authenticated:
        return CartOwner.customer(request.user.pk)
    token = _session_token(request)
    return CartOwner.visitor(token) if token else None


def request_owner_for_write(request: HttpRequest) -> CartOwner:
    """Whose cart a write goes to; a first-time visitor gets a new token (remembered in their
    session by `remember_owner` once the write has succeeded)."""
    return request_owner(request) or CartOwner.visitor(secrets.token_urlsafe(32))


def remember_owner(request: HttpRequest, owner: CartOwner) -> None:
    if owner.token and request.session.get(SESSION_KEY) != owner.token:
        request.session[SESSION_KEY] = owner.token


def header_cache_keys(request: HttpRequest, user_id: int | None) -> list[str]:
    """The cache keys `cart_count` and the kept cart page will read for this request, for the page's
    one prefetch (shop.middleware.RequestPrefetchMiddleware); `user_id` is the session's, not yet
    checked."""
    token = _session_token(request)
    owner = CartOwner.customer(user_id) if user_id is not None else CartOwner.visitor(token) if token else None
    return [owner.count_cache_key, owner.version_cache_key] if owner else []


def cart_count(request: HttpRequest) -> int:
    """Units in the visitor's cart, for the header. No query for a visitor without a cart;
    otherwise the cached number or one query."""
    owner = request_owner(request)
    return cart_count_get(owner=owner) if owner else 0


def merge_into_customer(request: HttpRequest, user_id: int) -> None:
    """Carry the session's anonymous cart into the customer's cart, and tell them what happened.

    Called on log-in (and again by the cart page, if the cart database was down at log-in:
    the token stays in the session until a merge succeeds). Never fails the caller.
    """
    token = _session_token(request)
    if not token:
        return
    try:
        result = cart_merge(token=token, user_id=user_id)
    except Exception:
        logger.exception("Could not merge anonymous cart into user %s's cart; will retry", user_id)
        return
    request.session.pop(SESSION_KEY, None)
    if result.merged:
        count = sum(line.added for line in result.merged)
        messages.info(request, f"We added {count} item{'s' if count != 1 else ''} from before you "
                               "logged in to your cart.", fail_silently=True)
    if result.capped or result.dropped:
        messages.warning(request, "Some items from before you logged in are no longer available in "
                                  "the quantity you chose; your cart shows what we could keep.",
                         fail_silently=True)


def merge_on_login(sender, request: HttpRequest | None, user, **kwargs) -> None:
    """django.contrib.auth's user_logged_in receiver (connected in CartConfig.ready)."""
    if request is not None and user is not None:
        merge_into_customer(request, user.pk)
