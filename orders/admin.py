from django.contrib import admin
from django.utils.html import format_html_join

from orders.models import Order, OrderLine, OrderStatusChange, ReconciliationRun


class OrderLineInline(admin.TabularInline):
    model = OrderLine
    extra = 0
    can_delete = False
    readonly_fields = ["item_id", "sku", "title", "seller_id", "unit_price_paise", "quantity", "warehouse_id",
                       "delivery_date"]
    fields = readonly_fields


class StatusChangeInline(admin.TabularInline):
    model = OrderStatusChange
    extra = 0
    can_delete = False
    readonly_fields = ["from_status", "to_status", "reason", "at"]


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = ["id", "user_id", "status", "total_paise", "pin_code", "created_at", "expires_at", "placed_at"]
    list_filter = ["status", "cancel_reason", "created_at"]
    search_fields = ["=id", "=user_id", "ship_name", "pin_code", "lines__sku"]
    date_hierarchy = "created_at"
    inlines = [OrderLineInline, StatusChangeInline]
    show_full_result_count = False
    # Status changes go through services (they lock, release stock, talk to the gateway).
    readonly_fields = [f.name for f in Order._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(ReconciliationRun)
class ReconciliationRunAdmin(admin.ModelAdmin):
    list_display = ["started_at", "finished_at", "repaired", "unresolved"]
    readonly_fields = ["started_at", "finished_at", "repaired", "unresolved", "findings_table"]
    exclude = ["findings"]

    @admin.display(description="findings")
    def findings_table(self, run: ReconciliationRun):
        return format_html_join(
            "\n", "<p><strong>{}</strong> {} — {} ({})</p>",
            ((f["check"], f["subject"], f["detail"], "repaired" if f["repaired"] else "needs a person")
             for f in run.findings),
        )

    def has_add_permission(self, request) -> bool:
        return False
