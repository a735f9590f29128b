"""What other apps use of accounts: profiles (cached), the visitor's current PIN code, and the
rule for a failed log-in."""

from accounts.pin import current_pin_get, current_pin_set
from accounts.selectors import Profile, address_list, default_address_get, profile_get
from accounts.services import login_failed
from accounts.validators import (
    normalize_phone,
    normalize_pin_code,
    state_choices,
    validate_pin_code,
    validate_pin_in_state,
)

__all__ = ["Profile", "address_list", "current_pin_get", "current_pin_set", "default_address_get", "login_failed",
           "normalize_phone", "normalize_pin_code", "profile_get", "state_choices", "validate_pin_code",
           "validate_pin_in_state"]
