"""What other apps use of accounts: profiles (cached), the visitor's current PIN code, the rule
for a failed log-in, for staff screens users' emails and names by id (one query for many), and for
the page's one cache prefetch the session's claimed user id and the keys its header reads; and
the API's token authentication (`CachedTokenAuthentication`, no query per call)."""

from accounts.authentication import CachedTokenAuthentication
from accounts.pin import current_pin_get, current_pin_set, header_cache_keys, session_user_id
from accounts.selectors import (
    Profile,
    address_list,
    default_address_get,
    profile_cache_key,
    profile_get,
    user_emails,
    user_ids_by_email,
    user_names,
)
from accounts.services import login_failed
from accounts.validators import (
    normalize_phone,
    normalize_pin_code,
    state_choices,
    validate_pin_code,
    validate_pin_in_state,
)

__all__ = ["CachedTokenAuthentication", "Profile", "address_list", "current_pin_get", "current_pin_set",
           "default_address_get", "header_cache_keys", "login_failed", "normalize_phone", "normalize_pin_code",
           "profile_cache_key", "profile_get",
           "session_user_id", "state_choices", "user_emails", "user_ids_by_email", "user_names",
           "validate_pin_code", "validate_pin_in_state"]
