from django.contrib import admin

from payments.models import Payment, PaymentNotification, SimulatedCharge
from shop.admin import ReadOnlyAdmin, ReadOnlyInline


class NotificationInline(ReadOnlyInline):
    model = PaymentNotification
    readonly_fields = ["gateway_event_id", "outcome", "applied", "received_at"]
    fields = readonly_fields


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    """Read-only: payments move by the gateway's verified notifications and by services."""

    list_display = ["id", "order_id", "gateway", "status", "amount_paise", "created_at"]
    list_filter = ["gateway", "status"]
    search_fields = ["=id", "=order_id", "=gateway_ref"]
    readonly_fields = [f.name for f in Payment._meta.fields]
    inlines = [NotificationInline]


@admin.register(SimulatedCharge)
class SimulatedChargeAdmin(ReadOnlyAdmin):
    """The simulated gateway's own records, read-only: what its status check and refunds read."""

    list_display = ["ref", "order_id", "status", "amount_paise", "created_at"]
    list_filter = ["status"]
    readonly_fields = [f.name for f in SimulatedCharge._meta.fields]

