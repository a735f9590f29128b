from django.contrib import admin

from notifications.models import Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    """Read-only: staff look up what a customer was told; handlers write the rows."""

    list_display = ("created_at", "user_id", "kind", "title", "read_at", "emailed_at")
    list_filter = ("kind",)
    search_fields = ("=user_id", "link")
    date_hierarchy = "created_at"
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
