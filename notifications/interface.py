"""What other apps may use of notifications.

- the storefront header: `unread_count(request)` (no query for a visitor who is not logged in;
  else the cached number or one COUNT);
- everything else arrives as events (notifications/handlers.py): no app calls in.
"""

from notifications.visitor import unread_count

__all__ = ["unread_count"]
