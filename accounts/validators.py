"""The rules for what people type into an address: PIN code, phone, state. Forms of every app use
these, so an address is checked the same at checkout as in the address book."""

import re

import indian_pincode
from django.core.exceptions import ValidationError


def normalize_pin_code(value: str) -> str:
    return "".join(str(value).split())


def validate_pin_code(value: str) -> None:
    """A real Indian PIN code: six digits that India Post has assigned (offline data)."""
    pin = normalize_pin_code(value)
    if not indian_pincode.is_well_formed(pin):
        raise ValidationError("Enter a 6-digit PIN code, like 110001.", code="malformed_pin")
    if not indian_pincode.validate(pin):
        raise ValidationError("%(pin)s is not an Indian PIN code we know.", code="unknown_pin",
                              params={"pin": pin})


def normalize_phone(value: str) -> str:
    """An Indian phone number as its ten digits: accepts spaces, dashes and a +91 or 0 prefix."""
    digits = re.sub(r"[\s\-()]", "", value)
    if digits.startswith("+91"):
        digits = digits[3:]
    elif len(digits) == 12 and digits.startswith("91"):
        digits = digits[2:]
    elif len(digits) == 11 and digits.startswith("0"):
        digits = digits[1:]
    if not re.fullmatch(r"[1-9][0-9]{9}", digits):
        raise ValidationError("Enter a 10-digit phone number, like 98765 43210.", code="invalid_phone")
    return digits


def state_display_name(state: str) -> str:
    """'ANDAMAN AND NICOBAR ISLANDS' -> 'Andaman and Nicobar Islands'."""
    small = {"and", "of", "the"}
    words = state.lower().split()
    return " ".join(w if (i and w in small) else w.capitalize() for i, w in enumerate(words))


def state_choices() -> list[tuple[str, str]]:
    names = [state_display_name(s) for s in indian_pincode.list_states()]
    return [("", "Choose a state")] + [(name, name) for name in names]


def validate_pin_in_state(pin: str, state: str) -> None:
    """The PIN code belongs to the state (when India Post's data knows where the PIN is)."""
    details = indian_pincode.get_details(pin)
    states = details["states"] if details else []
    if states and state.upper() not in states:
        where = " or ".join(state_display_name(s) for s in states)
        raise ValidationError(
            "PIN code %(pin)s is in %(where)s, not %(state)s. Check the PIN code or the state.",
            code="pin_state_mismatch", params={"pin": pin, "where": where, "state": state})
