from django.contrib import admin

from payments.models import Payment, PaymentNotification, SimulatedCharge


class NotificationInline(admin.TabularInline):
    model = PaymentNotification
    extra = 0
    can_delete = False
    readonly_fields = ["gateway_event_id", "outcome", "applied", "received_at"]
    fields = readonly_fields


@admin.register(Payment)
class PaymentAdmin(admin.ModelAdmin):
    list_display = ["id", "order_id", "gateway", "status", "amount_paise", "created_at"]
    list_filter = ["gateway", "status"]
    search_fields = ["=id", "=order_id", "=gateway_ref"]
    readonly_fields = [f.name for f in Payment._meta.fields]
    inlines = [NotificationInline]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(SimulatedCharge)
class SimulatedChargeAdmin(admin.ModelAdmin):
    list_display = ["ref", "order_id", "status", "amount_paise", "created_at"]
    list_filter = ["status"]
    readonly_fields = [f.name for f in SimulatedCharge._meta.fields]
