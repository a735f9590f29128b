"""What other apps may use of notifications.

- the storefront header: `unread_count(request)` (no query for a visitor who is not logged in;
  else the cached number or one COUNT), and `header_cache_keys(request, user_id)`, the key it
  reads, for the page's one prefetch;
- everything else arrives as events (notifications/handlers.py): no app calls in.
"""

from notifications.visitor import header_cache_keys, unread_count

__all__ = ["header_cache_keys", "unread_count"]
