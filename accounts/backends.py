"""Django's ModelBackend, reading a session's user through the cache (accounts.selectors)."""

from __future__ import annotations

from django.contrib.auth.backends import ModelBackend

from accounts.models import User
from accounts.selectors import session_user_get


class CachedModelBackend(ModelBackend):
    """Logs in like ModelBackend; `get_user`, called on every request of a logged-in visitor,
    costs a cache read instead of a query. Permissions are still read from the database, once
    per request that asks for them (admin pages), as ModelBackend does."""

    def get_user(self, user_id) -> User | None:
        try:
            user = session_user_get(user_id=int(user_id))
        except (TypeError, ValueError):
            return None
        return user if user is not None and self.user_can_authenticate(user) else None
