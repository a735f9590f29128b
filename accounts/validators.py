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
