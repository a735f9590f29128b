from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest

from payments.models import Payment, PaymentNotification, SimulatedCharge


class NotificationInline(admin.TabularInline):
    model = PaymentNotification
    extra = 0
    can_delete = False
    readonly_fields = ["gateway_event_id", "outcome", "applied", "received_at"]
    fields = readonly_fields

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


@admin.register(Payment)
class PaymentAdmin(admin.ModelAdmin):
    """Read-only: payments move by the gateway's verified notifications and by services."""

    list_display = ["id", "order_id", "gateway", "status", "amount_paise", "created_at"]
    list_filter = ["gateway", "status"]
    search_fields = ["=id", "=order_id", "=gateway_ref"]
    readonly_fields = [f.name for f in Payment._meta.fields]
    inlines = [NotificationInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


@admin.register(SimulatedCharge)
class SimulatedChargeAdmin(admin.ModelAdmin):
    """The simulated gateway's own records, read-only: what its status check and refunds read."""

    list_display = ["ref", "order_id", "status", "amount_paise", "created_at"]
    list_filter = ["status"]
    readonly_fields = [f.name for f in SimulatedCharge._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False
