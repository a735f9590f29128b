"""The PIN code a visitor shops for: on the profile for customers, in the session for anyone."""

from __future__ import annotations

from django.http import HttpRequest

from accounts.selectors import profile_get
from accounts.services import profile_update
from accounts.validators import normalize_pin_code, validate_pin_code

SESSION_KEY = "pin_code"


def current_pin_get(request: HttpRequest) -> str:
    """A customer's profile PIN wins (they may have changed it elsewhere); else the session's."""
    if request.user.is_authenticated:
        profile = profile_get(user_id=request.user.pk)
        if profile and profile.pin_code:
            return profile.pin_code
    return request.session.get(SESSION_KEY, "")


def current_pin_set(request: HttpRequest, pin_code: str) -> str:
    """Validate and remember the PIN; raises ValidationError with a message for the visitor."""
    pin = normalize_pin_code(pin_code)
    validate_pin_code(pin)
    request.session[SESSION_KEY] = pin
    if request.user.is_authenticated:
        profile_update(user_id=request.user.pk, pin_code=pin)
    return pin
