"""Field validators shared by the models (admin forms) and the services."""

from __future__ import annotations

import re
from functools import cache

import indian_pincode
from django.core.exceptions import ValidationError

WAREHOUSE_CODE = re.compile(r"^[A-Z0-9][A-Z0-9_-]{0,19}$")
PIN_PREFIX = re.compile(r"^[1-9][0-9]{0,5}$")


@cache
def known_states() -> frozenset[str]:
    return frozenset(indian_pincode.list_states())


def validate_code(value: str) -> None:
    if not WAREHOUSE_CODE.match(value or ""):
        raise ValidationError("Use 1-20 capital letters, digits, '-' or '_', like DEL1.", code="bad_code")


def validate_states(value: object) -> None:
    if not isinstance(value, list) or not all(isinstance(s, str) for s in value):
        raise ValidationError('Give a list of state names, like ["DELHI", "HARYANA"].', code="bad_states")
    unknown = sorted(set(value) - known_states())
    if unknown:
        raise ValidationError(
            "Unknown state(s): %(unknown)s. Use India Post's names, e.g. TAMIL NADU, JAMMU AND KASHMIR.",
            code="unknown_state", params={"unknown": ", ".join(unknown)},
        )


def validate_pin_prefixes(value: object) -> None:
    if not isinstance(value, list) or not all(isinstance(p, str) and PIN_PREFIX.match(p) for p in value):
        raise ValidationError('Give a list of PIN prefixes of 1-6 digits, like ["744", "682559"].',
                              code="bad_prefixes")


def normalise_states(value: object) -> object:
    """Upper-case and de-duplicate a list of state names; anything else is left for the validator."""
    if isinstance(value, list) and all(isinstance(s, str) for s in value):
        return sorted({" ".join(s.split()).upper() for s in value})
    return value


def normalise_prefixes(value: object) -> object:
    if isinstance(value, list):
        return sorted({str(p).strip() for p in value})
    return value
