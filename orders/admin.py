from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.html import format_html_join

from orders.backends.base import ArchiveUnavailable
from orders.forms import ArchiveDayForm
from orders.models import ArchivedOrderRecord, Order, OrderLine, OrderStatusChange, ReconciliationRun
from orders.selectors import InvalidCursor, Position, archived_orders_of_day
from orders.services import OrderError, order_mark_delivered, order_mark_packed, order_mark_shipped
from shop.admin import HistoryAdmin, ReadOnlyAdmin, ReadOnlyInline


def _fulfilment_action(mark, label: str):
    def action(modeladmin, request, queryset):
        done, refused = 0, []
        for order_id in queryset.values_list("pk", flat=True):
            try:
                mark(order_id=order_id, reason=f"{label} by staff ({request.user})")
                done += 1
            except OrderError as exc:
                refused.append(str(exc))
        if done:
            modeladmin.message_user(request, f"{done} orders marked {label}.", messages.SUCCESS)
        for reason in refused:
            modeladmin.message_user(request, reason, messages.WARNING)

    action.__name__ = f"mark_{label.replace(' ', '_')}"
    return admin.action(description=f"Mark selected orders {label}")(action)


class OrderLineInline(ReadOnlyInline):
    model = OrderLine
    readonly_fields = ["item_id", "sku", "title", "seller_id", "unit_price_paise", "quantity", "warehouse_id",
                       "delivery_date"]
    fields = readonly_fields


class StatusChangeInline(ReadOnlyInline):
    model = OrderStatusChange
    readonly_fields = ["from_status", "to_status", "reason", "at"]


@admin.register(Order)
class OrderAdmin(HistoryAdmin):
    """Orders are made by checkout and moved by services; what happened to them is never deleted
    here, not even by a superuser (archival moves finished ones out; cancelling is a service)."""

    list_display = ["id", "user_id", "status", "total_paise", "pin_code", "created_at", "expires_at", "placed_at"]
    list_filter = ["status", "cancel_reason", "created_at"]
    search_fields = ["=id", "=user_id", "ship_name", "pin_code", "lines__sku"]
    date_hierarchy = "created_at"
    inlines = [OrderLineInline, StatusChangeInline]
    show_full_result_count = False
    # Status changes go through services (they lock, release stock, talk to the gateway).
    readonly_fields = [f.name for f in Order._meta.fields]
    # Staff move orders along through the same services as sellers (any seller's order, though).
    actions = [_fulfilment_action(order_mark_packed, "packed"), _fulfilment_action(order_mark_shipped, "shipped"),
               _fulfilment_action(order_mark_delivered, "delivered")]


@admin.register(ReconciliationRun)
class ReconciliationRunAdmin(HistoryAdmin):
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


@admin.register(ArchivedOrderRecord)
class ArchivedOrderRecordAdmin(ReadOnlyAdmin):
    """The embedded archive, read-only (with Cassandra, this table stays empty). "Archived orders
    of a day" reads whichever archive is configured, Cassandra included."""

    change_list_template = "admin/orders/archivedorderrecord/change_list.html"

    def get_urls(self):
        return [path("by-day/", self.admin_site.admin_view(self.by_day_view), name="orders_archive_by_day"),
                *super().get_urls()]

    def by_day_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        form = ArchiveDayForm(request.GET or None)
        page, error = None, None
        if form.is_valid():
            cursor = request.GET.get("before")
            try:
                before = Position.decode(cursor) if cursor else None
            except InvalidCursor as exc:
                raise Http404("No such page.") from exc
            try:
                page = archived_orders_of_day(day=form.cleaned_data["day"], status=form.cleaned_data["status"],
                                              before=before, limit=50)
            except ArchiveUnavailable as exc:
                error = f"The order archive can't be reached just now: {exc}"
        context = {**self.admin_site.each_context(request), "opts": self.model._meta, "form": form, "page": page,
                   "older": page.next.encode() if page and page.next else None, "error": error,
                   "title": "Archived orders of a day"}
        return TemplateResponse(request, "admin/orders/archive_by_day.html", context)

    list_display = ["order_id", "user_id", "created_at", "archived_at"]
    search_fields = ["=order_id", "=user_id"]
    readonly_fields = ["order_id", "user_id", "created_at", "archived_at", "snapshot"]

