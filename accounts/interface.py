"""What other apps use of accounts: profiles (cached) and the visitor's current PIN code."""

from accounts.pin import current_pin_get, current_pin_set
from accounts.selectors import Profile, default_address_get, profile_get
from accounts.validators import validate_pin_code

__all__ = ["Profile", "current_pin_get", "current_pin_set", "default_address_get", "profile_get",
           "validate_pin_code"]
