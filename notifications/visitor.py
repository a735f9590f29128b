from django.http import HttpRequest

from notifications.selectors import unread_count_get


def unread_count(request: HttpRequest) -> int:
    """Unread notifications, for the header badge: 0 without a query for a visitor who is not
    logged in; else the cached number or one COUNT (cached for five minutes, forgotten on change)."""
    if not request.user.is_authenticated:
        return 0
    return unread_count_get(user_id=request.user.pk)
