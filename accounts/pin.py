"""The PIN code a visitor shops for: on the profile for customers, in the session for anyone."""

from __future__ import annotations

from django.http import HttpRequest

from accounts.selectors import profile_get
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
    profile = profile_get(user_id=request.user.pk)
    pin = (profile.pin_code if profile else "") or ""
    setattr(request, _MEMO, (request.user.pk, pin))
    return pin


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
