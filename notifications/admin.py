from django.contrib import admin

from notifications.models import Notification
from shop.admin import ReadOnlyAdmin


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    """Read-only, never deleted: staff look up what a customer was told; handlers write the rows."""

    list_display = ("created_at", "user_id", "kind", "title", "read_at", "emailed_at")
    list_filter = ("kind",)
    search_fields = ("=user_id", "link")
    date_hierarchy = "created_at"
    show_full_result_count = False
