from __future__ import annotations

import uuid
from collections.abc import Callable

from django.contrib import admin, messages
from django.contrib.admin.utils import flatten_fieldsets
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from accounts.interface import user_emails, user_ids_by_email, user_names
from logistics.interface import warehouse_labels
from orders.backends.base import ArchiveUnavailable
from orders.forms import ArchiveDayForm
from orders.models import (
    ArchivedOrderRecord,
    Order,
    OrderLine,
    OrderStatusChange,
    ReconciliationRun,
    ReturnRequest,
    Shipment,
)
from orders.selectors import InvalidCursor, Position, archived_orders_of_day
from orders.services import (
    OrderError,
    OrderNotFound,
    order_mark_delivered,
    order_mark_packed,
    order_mark_shipped,
    return_approve,
    return_receive,
    shipment_advance,
)
from shop.admin import (
    CrossAppLabels,
    HistoryAdmin,
    LabelColumn,
    Lookup,
    MoneyColumn,
    ReadOnlyAdmin,
    ReadOnlyInline,
    choice_filter,
    inr,
    search_by,
)
from shop.references import order_id_prefix, order_reference, order_references

CUSTOMER = Lookup(lambda ids: user_emails(user_ids=ids), url_name="admin:accounts_user_change",
                  missing="user {id} (deleted)")
SELLER = Lookup(lambda ids: user_names(user_ids=ids), url_name="admin:accounts_user_change",
                missing="user {id} (deleted)")
WAREHOUSE = Lookup(lambda ids: warehouse_labels(warehouse_ids=ids), url_name="admin:logistics_warehouse_change",
                   missing="warehouse {id} (deleted)")

type OrderAction = Callable[[admin.ModelAdmin[Order], HttpRequest, QuerySet[Order]], None]
type ShipmentAction = Callable[[admin.ModelAdmin[Shipment], HttpRequest, QuerySet[Shipment]], None]


def status_words(status: str) -> str:
    """An order status as people say it ("waiting for payment"), not its code."""
    if not status:
        return "-"
    return Order.Status(status).label if status in Order.Status.values else status.replace("_", " ")


def _customers_by_email(text: str) -> list[int] | None:
    return user_ids_by_email(text=text) if "@" in text else None


def _orders(n: int) -> str:
    return f"{n} order" if n == 1 else f"{n} orders"


def _fulfilment_action(mark: Callable[..., Order], to: Order.Status, name: str, verb: str) -> OrderAction:
    def action(modeladmin: admin.ModelAdmin[Order], request: HttpRequest, queryset: QuerySet[Order]) -> None:
        done, refused = 0, []
        for order_id, number in queryset.values_list("pk", "number"):
            try:
                mark(order_id=order_id, reason=f"{verb} by staff ({request.user})")
                done += 1
            except OrderNotFound:
                refused.append(f"Order {order_reference(order_id, number)} is no longer among the live orders: "
                               "it was archived meanwhile.")
            except OrderError as exc:
                refused.append(str(exc))
        if done:
            modeladmin.message_user(request, f"{_orders(done)} marked {to.label}.", messages.SUCCESS)
        for reason in refused:
            modeladmin.message_user(request, reason, messages.WARNING)

    action.__name__ = name
    description = f"Mark selected orders {verb}" + (f" ({to.label})" if verb != to.label else "")
    return admin.action(description=description)(action)


class OrderLineInline(CrossAppLabels, ReadOnlyInline):
    model = OrderLine
    fields = ("item", "title", "seller", "unit_price", "quantity", "line_total", "delivery_date")
    readonly_fields = fields

    seller = LabelColumn("seller_id", SELLER, description="seller")
    unit_price = MoneyColumn("unit_price_paise", description="unit price")

    @admin.display(description="item")
    def item(self, line: OrderLine) -> str:
        """The SKU the line copied, linked to the item in the catalog (no query)."""
        return format_html('<a href="{}">{}</a>', reverse("admin:catalog_item_change", args=[line.item_id]),
                           line.sku)

    @admin.display(description="total")
    def line_total(self, line: OrderLine) -> str:
        return inr(line.total_paise)


def _contents(shipment: Shipment) -> str:
    return ", ".join(f"{part.quantity} × {part.line.sku}" for part in shipment.lines.all())


class ShipmentInline(CrossAppLabels, ReadOnlyInline):
    model = Shipment
    fields = ("shipment", "seller", "warehouse", "status", "promised_date", "courier", "tracking_number", "contents")
    readonly_fields = fields

    seller = LabelColumn("seller_id", SELLER, description="seller")
    warehouse = LabelColumn("warehouse_id", WAREHOUSE, description="ships from")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Shipment]:
        return super().get_queryset(request).prefetch_related("lines__line")

    @admin.display(description="shipment")
    def shipment(self, shipment: Shipment) -> str:
        return format_html('<a href="{}">{}</a>', reverse("admin:orders_shipment_change", args=[shipment.pk]),
                           shipment.pk)

    @admin.display(description="contents")
    def contents(self, shipment: Shipment) -> str:
        return _contents(shipment)


def _shipment_action(to: str, name: str, verb: str) -> ShipmentAction:
    def action(modeladmin: admin.ModelAdmin[Shipment], request: HttpRequest, queryset: QuerySet[Shipment]) -> None:
        done, refused = 0, []
        for shipment_id in queryset.values_list("pk", flat=True):
            try:
                shipment_advance(shipment_id=shipment_id, to=to, reason=f"{verb} by staff ({request.user})")
                done += 1
            except OrderError as exc:
                refused.append(str(exc))
        if done:
            modeladmin.message_user(request, f"{done} shipment{'s' if done != 1 else ''} marked "
                                             f"{Shipment.Status(to).label}.", messages.SUCCESS)
        for reason in refused:
            modeladmin.message_user(request, reason, messages.WARNING)

    action.__name__ = name
    return admin.action(description=f"Mark selected shipments {verb}")(action)


@admin.register(Shipment)
class ShipmentAdmin(CrossAppLabels, HistoryAdmin):
    """Shipments move through the same services as the sellers' API; every field is read-only.
    (Handing over to a courier with a tracking number is the seller's API step.)"""

    list_display = ["pk", "order_reference", "seller", "warehouse", "status", "promised_date", "courier",
                    "tracking_number"]
    list_filter = ["status", "promised_date"]
    search_fields = ["=id", "=order__id", "tracking_number", "lines__line__sku"]
    search_also = (search_by("order__id__istartswith", order_id_prefix),)
    fields = ("order_reference", "seller", "warehouse", "status", "promised_date", "courier", "tracking_number",
              "contents", "created_at", "updated_at")
    readonly_fields = fields
    actions = [_shipment_action(Shipment.Status.PACKED, "mark_packed", "packed"),
               _shipment_action(Shipment.Status.DELIVERED, "mark_delivered", "delivered")]
    show_full_result_count = False

    seller = LabelColumn("seller_id", SELLER, description="seller")
    warehouse = LabelColumn("warehouse_id", WAREHOUSE, description="ships from")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Shipment]:
        return super().get_queryset(request).select_related("order").prefetch_related("lines__line")

    @admin.display(description="order")
    def order_reference(self, shipment: Shipment) -> str:
        return format_html('<a href="{}">{}</a>', reverse("admin:orders_order_change", args=[shipment.order_id]),
                           shipment.order.reference)

    @admin.display(description="contents")
    def contents(self, shipment: Shipment) -> str:
        return _contents(shipment)

    def describe(self, shipment: Shipment) -> str:
        return f"Shipment {shipment.pk} of order {shipment.order.reference}, {shipment.get_status_display()}"


@admin.action(description="Approve selected returns")
def approve_returns(modeladmin: admin.ModelAdmin[ReturnRequest], request: HttpRequest,
                    queryset: QuerySet[ReturnRequest]) -> None:
    for return_id in queryset.values_list("pk", flat=True):
        try:
            return_approve(return_id=return_id, note=f"approved by staff ({request.user})")
        except OrderError as exc:
            modeladmin.message_user(request, str(exc), messages.WARNING)


@admin.action(description="Received: restock where they shipped from, and refund")
def receive_returns(modeladmin: admin.ModelAdmin[ReturnRequest], request: HttpRequest,
                    queryset: QuerySet[ReturnRequest]) -> None:
    for ret in queryset.select_related("shipment").prefetch_related("lines__shipment_line__line"):
        restock = {line.shipment_line.line.item_id: ret.shipment.warehouse_id for line in ret.lines.all()}
        try:
            return_receive(return_id=ret.pk, restock_to=restock, actor_id=request.user.pk)
        except OrderError as exc:
            modeladmin.message_user(request, str(exc), messages.WARNING)


@admin.register(ReturnRequest)
class ReturnRequestAdmin(CrossAppLabels, HistoryAdmin):
    """Returns move through the services (approve, receive: restock and refund); read-only here.
    Declining needs a note the customer reads: the seller API's `reject`."""

    list_display = ["pk", "order_link", "shipment_id", "customer", "status", "refund", "created_at"]
    list_filter = ["status", "created_at"]
    search_fields = ["=id", "=order__id", "reason"]
    fields = ("order_link", "shipment_id", "customer", "status", "reason", "decision_note", "refund", "contents",
              "created_at", "updated_at")
    readonly_fields = fields
    actions = [approve_returns, receive_returns]

    customer = LabelColumn("user_id", CUSTOMER, description="customer")
    refund = MoneyColumn("refund_paise", description="refunded")

    def get_queryset(self, request: HttpRequest) -> QuerySet[ReturnRequest]:
        return super().get_queryset(request).select_related("order").prefetch_related("lines__shipment_line__line")

    @admin.display(description="order")
    def order_link(self, ret: ReturnRequest) -> str:
        return format_html('<a href="{}">{}</a>', reverse("admin:orders_order_change", args=[ret.order_id]),
                           ret.order.reference)

    @admin.display(description="items")
    def contents(self, ret: ReturnRequest) -> str:
        return ", ".join(f"{x.quantity} × {x.shipment_line.line.sku} ({x.get_outcome_display()})"
                         for x in ret.lines.all())


class StatusChangeInline(ReadOnlyInline):
    model = OrderStatusChange
    fields = ("shipment", "from_words", "to_words", "reason", "at")
    readonly_fields = fields

    @admin.display(description="from")
    def from_words(self, change: OrderStatusChange) -> str:
        return status_words(change.from_status) if change.from_status else "new"

    @admin.display(description="to")
    def to_words(self, change: OrderStatusChange) -> str:
        return status_words(change.to_status)


@admin.register(Order)
class OrderAdmin(CrossAppLabels, HistoryAdmin):
    """Orders are made by checkout and moved by services; what happened to them is never deleted
    here, not even by a superuser (archival moves finished ones out; cancelling is a service)."""

    list_display = ["reference", "customer", "status", "total", "pin_code", "created_at", "expires_at", "placed_at"]
    list_filter = ["status", choice_filter("cancel_reason", title="why cancelled",
                                           choices=lambda: Order.CANCEL_REASONS.items()), "created_at"]
    search_fields = ["=number", "=id", "=user_id", "ship_name", "pin_code", "lines__sku"]
    search_help_text = ("An order's number (BZ-26-0001234), old reference (#3F2A9C01) or id, the customer's email, "
                        "a name, PIN code or SKU.")
    search_also = (search_by("id__istartswith", order_id_prefix), search_by("user_id__in", _customers_by_email))
    date_hierarchy = "created_at"
    inlines = [OrderLineInline, ShipmentInline, StatusChangeInline]
    show_full_result_count = False
    fieldsets = [
        (None, {"fields": ["reference", "customer", "status", "cancelled_because", "created_at", "placed_at",
                           "expires_at", "updated_at"]}),
        ("Money", {"fields": ["subtotal", "shipping", "total", "currency"]}),
        ("Ship to", {"fields": ["ship_name", "ship_phone", "ship_line1", "ship_line2", "ship_city", "ship_state",
                                "pin_code"]}),
        ("Checkout", {"fields": ["id", "idempotency_key", "request_fingerprint", "payment_url"],
                      "classes": ["collapse"]}),
    ]
    # Status changes go through services (they lock, release stock, talk to the gateway): every
    # field on the page is read-only.
    readonly_fields = flatten_fieldsets(fieldsets)
    # Staff move orders along through the same services as sellers (any seller's order, though).
    actions = [_fulfilment_action(order_mark_packed, Order.Status.PACKED, "mark_packed", "packed"),
               _fulfilment_action(order_mark_shipped, Order.Status.IN_TRANSIT, "mark_shipped", "shipped"),
               _fulfilment_action(order_mark_delivered, Order.Status.DELIVERED, "mark_delivered", "delivered")]

    customer = LabelColumn("user_id", CUSTOMER, description="customer")
    total = MoneyColumn("total_paise", description="total")
    subtotal = MoneyColumn("subtotal_paise", description="items")
    shipping = MoneyColumn("shipping_paise", description="shipping")

    @admin.display(description="order")
    def reference(self, order: Order) -> str:
        return order.reference

    def describe(self, order: Order) -> str:
        return f"Order {order.reference}, {order.get_status_display()}"

    @admin.display(description="why cancelled")
    def cancelled_because(self, order: Order) -> str:
        return order.cancel_reason_text if order.cancel_reason else "-"


@admin.register(ReconciliationRun)
class ReconciliationRunAdmin(HistoryAdmin):
    list_display = ["started_at", "finished_at", "repaired", "unresolved"]
    readonly_fields = ["started_at", "finished_at", "repaired", "unresolved", "findings_table"]
    exclude = ["findings"]

    @admin.display(description="findings")
    def findings_table(self, run: ReconciliationRun) -> SafeString:
        return format_html_join(
            "\n", "<p><strong>{}</strong> {} — {} ({})</p>",
            ((f["check"].replace("_", " ").capitalize(), _subject(f["subject"]), f["detail"],
              "repaired" if f["repaired"] else "needs a person")
             for f in run.findings),
        )


def _subject(subject: str) -> str:
    """A finding's subject: an order id becomes its reference (its number), linked to the order."""
    try:
        order_id = uuid.UUID(str(subject))
    except ValueError:
        return subject
    return format_html('<a href="{}">order {}</a>', reverse("admin:orders_order_change", args=[order_id]),
                       order_references([order_id])[order_id])


@admin.register(ArchivedOrderRecord)
class ArchivedOrderRecordAdmin(CrossAppLabels, ReadOnlyAdmin):
    """The embedded archive, read-only (with Cassandra, this table stays empty). "Archived orders
    of a day" reads whichever archive is configured, Cassandra included."""

    change_list_template = "admin/orders/archivedorderrecord/change_list.html"

    def get_urls(self) -> list[URLPattern]:
        return [path("by-day/", self.admin_site.admin_view(self.by_day_view), name="orders_archive_by_day"),
                *super().get_urls()]

    def by_day_view(self, request: HttpRequest) -> TemplateResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        form = ArchiveDayForm(request.GET or None)
        page, error, rows = None, None, []
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
        if page:
            emails = user_emails(user_ids={order.user_id for order in page.orders})
            rows = [(order, emails.get(order.user_id) or f"user {order.user_id} (deleted)", inr(order.total_paise))
                    for order in page.orders]
        context = {**self.admin_site.each_context(request), "opts": self.model._meta, "form": form, "page": page,
                   "rows": rows, "older": page.next.encode() if page and page.next else None, "error": error,
                   "title": "Archived orders of a day"}
        return TemplateResponse(request, "admin/orders/archive_by_day.html", context)

    list_display = ["reference", "customer", "status", "total", "created_at", "archived_at"]
    search_fields = ["=number", "=order_id", "=user_id"]
    search_help_text = "An order's number (BZ-26-0001234), old reference (#3F2A9C01) or id, or the customer's email."
    search_also = (search_by("order_id__istartswith", order_id_prefix),
                   search_by("user_id__in", _customers_by_email))
    readonly_fields = ("reference", "order_id", "customer", "status", "total", "created_at", "archived_at",
                       "snapshot")
    fields = readonly_fields

    customer = LabelColumn("user_id", CUSTOMER, description="customer")

    @admin.display(description="order")
    def reference(self, record: ArchivedOrderRecord) -> str:
        return order_reference(record.order_id, record.number)

    def describe(self, record: ArchivedOrderRecord) -> str:
        return f"Archived order {self.reference(record)}, {self.status(record)}"

    @admin.display(description="status")
    def status(self, record: ArchivedOrderRecord) -> str:
        return status_words(record.snapshot.get("status", ""))

    @admin.display(description="total")
    def total(self, record: ArchivedOrderRecord) -> str:
        return inr(record.snapshot.get("total_paise"))
