"""Errors the logistics interface raises. PIN code errors are ValueErrors with a message a
customer can read as it is."""

from __future__ import annotations


class PinCodeError(ValueError):
    """The PIN code cannot be used; `pin` is what was given, normalised as far as possible."""

    def __init__(self, message: str, *, pin: str) -> None:
        super().__init__(message)
        self.pin = pin


class MalformedPinCode(PinCodeError):
    """Not six digits starting with 1-9."""


class UnknownPinCode(PinCodeError):
    """Well formed, but India Post has not assigned it."""


class UnknownWarehouse(LookupError):
    """No warehouse has this code."""
