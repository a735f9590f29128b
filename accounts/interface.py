"""What other apps use of accounts: profiles (cached), the visitor's current PIN code, and the
rule for a failed log-in."""

from accounts.pin import current_pin_get, current_pin_set
from accounts.selectors import Profile, default_address_get, profile_get
from accounts.services import login_failed
from accounts.validators import validate_pin_code

__all__ = ["Profile", "current_pin_get", "current_pin_set", "default_address_get", "login_failed", "profile_get",
           "validate_pin_code"]
