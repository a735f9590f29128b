from django.contrib import admin

from accounts.interface import user_emails, user_ids_by_email
from notifications.models import Notification
from shop.admin import CrossAppLabels, LabelColumn, Lookup, ReadOnlyAdmin, search_by

CUSTOMER = Lookup(lambda ids: user_emails(user_ids=ids), url_name="admin:accounts_user_change",
                  missing="user {id} (deleted)")


@admin.register(Notification)
class NotificationAdmin(CrossAppLabels, ReadOnlyAdmin):
    """Read-only, never deleted: staff look up what a customer was told; handlers write the rows."""

    list_display = ("created_at", "customer", "kind", "title", "read_at", "emailed_at")
    list_filter = ("kind",)
    search_fields = ("=user_id", "link")
    search_help_text = "The customer's email, or a link (e.g. an order's id)."
    search_also = (search_by("user_id__in", lambda text: user_ids_by_email(text=text) if "@" in text else None),)
    fields = ("customer", "kind", "title", "body", "link", "created_at", "read_at", "emailed_at")
    readonly_fields = fields
    date_hierarchy = "created_at"
    show_full_result_count = False

    customer = LabelColumn("user_id", CUSTOMER, description="customer")

    def describe(self, notification: Notification) -> str:
        return f"“{notification.title}” to {self.customer.text(notification)}"
