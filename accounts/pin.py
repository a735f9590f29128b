"""The PIN code a visitor shops for: on the profile for customers, in the session for anyone."""

from __future__ import annotations

from django.http import HttpRequest

from accounts.selectors import profile_get
from accounts.services import profile_update
from accounts.validators import normalize_pin_code, validate_pin_code

SESSION_KEY = "pin_code"


def current_pin_get(request: HttpRequest) -> str:
    pin = request.session.get(SESSION_KEY, "")
    if pin:
        return pin
    if request.user.is_authenticated:
        profile = profile_get(user_id=request.user.pk)
        return profile.pin_code if profile else ""
    return ""


def current_pin_set(request: HttpRequest, pin_code: str) -> str:
    """Validate and remember the PIN; raises ValidationError with a message for the visitor."""
    pin = normalize_pin_code(pin_code)
    validate_pin_code(pin)
    request.session[SESSION_KEY] = pin
    if request.user.is_authenticated:
        profile_update(user_id=request.user.pk, pin_code=pin)
    return pin
