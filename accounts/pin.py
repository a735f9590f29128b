"""The PIN code a visitor shops for: on the profile for customers, in the session for anyone."""

from __future__ import annotations

from django.contrib.auth import SESSION_KEY as AUTH_SESSION_KEY
from django.http import HttpRequest

from accounts.selectors import profile_cache_key, profile_get, user_cache_key
from accounts.services import profile_update
from accounts.validators import normalize_pin_code, validate_pin_code

SESSION_KEY = "pin_code"


# The profile's PIN, read once per request: the page's view and the header's context processor
# both ask for it (docs/decisions/0021). Keyed by the user, so a log-in mid-request reads afresh.
_MEMO = "_bazaar_profile_pin"


def _profile_pin(request: HttpRequest) -> str:
    memo = getattr(request, _MEMO, None)
    if memo is not None and memo[0] == request.user.pk:
        return memo[1]
    user_id = request.user.pk
    profile = profile_get(user_id=user_id) if user_id is not None else None
    pin = (profile.pin_code if profile else "") or ""
    setattr(request, _MEMO, (request.user.pk, pin))
    return pin


def session_user_id(request: HttpRequest) -> int | None:
    """The user id the session claims, without loading the user (Django checks the claim when
    `request.user` is first read): for prefetching what that user's page will read."""
    session = getattr(request, "session", None)
    claimed = session.get(AUTH_SESSION_KEY) if session is not None else None
    try:
        return int(claimed) if claimed is not None else None
    except (TypeError, ValueError):
        return None


def header_cache_keys(request: HttpRequest, user_id: int | None) -> list[str]:
    """What the page will read of accounts: the session's user and their profile (the PIN)."""
    return [user_cache_key(user_id), profile_cache_key(user_id)] if user_id is not None else []


def current_pin_get(request: HttpRequest) -> str:
    """A customer's profile PIN wins (they may have changed it elsewhere); else the session's."""
    if request.user.is_authenticated:
        pin = _profile_pin(request)
        if pin:
            return pin
    return request.session.get(SESSION_KEY, "")


def current_pin_set(request: HttpRequest, pin_code: str) -> str:
    """Validate and remember the PIN; raises ValidationError with a message for the visitor."""
    pin = normalize_pin_code(pin_code)
    validate_pin_code(pin)
    request.session[SESSION_KEY] = pin
    if request.user.is_authenticated:
        profile_update(user_id=request.user.pk, pin_code=pin)
        setattr(request, _MEMO, (request.user.pk, pin))
    return pin
