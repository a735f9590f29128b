from django.contrib import admin

from payments.models import Payment, PaymentNotification, SimulatedCharge
from shop.admin import CrossAppLabels, LabelColumn, Lookup, MoneyColumn, ReadOnlyAdmin, ReadOnlyInline, search_by
from shop.references import order_id_prefix, order_ids_by_number, order_references

# By number: orders lends shop.references its lookup (payments and inventory don't import orders).
ORDER = Lookup(order_references, url_name="admin:orders_order_change")
# An order's number, or the start of its id an old reference (#3F2A9C01) shows.
ORDER_SEARCH = (search_by("order_id__in", order_ids_by_number), search_by("order_id__istartswith", order_id_prefix))


class NotificationInline(ReadOnlyInline):
    model = PaymentNotification
    fields = readonly_fields = ("gateway_event_id", "outcome", "applied", "received_at")


@admin.register(Payment)
class PaymentAdmin(CrossAppLabels, ReadOnlyAdmin):
    """Read-only: payments move by the gateway's verified notifications and by services."""

    list_display = ["created_at", "order", "attempt", "amount", "status", "gateway", "gateway_ref"]
    list_filter = ["gateway", "status"]
    search_fields = ["=id", "=order_id", "=gateway_ref"]
    search_help_text = ("An order's number (BZ-26-0001234), old reference (#3F2A9C01) or id, a payment id or the "
                        "gateway's reference.")
    search_also = ORDER_SEARCH
    fields = readonly_fields = ("order", "attempt", "amount", "currency", "status", "failure_reason", "gateway",
                                "gateway_ref", "id", "created_at", "updated_at")
    inlines = [NotificationInline]

    order = LabelColumn("order_id", ORDER, description="order")
    amount = MoneyColumn("amount_paise", description="amount")

    def describe(self, payment: Payment) -> str:
        # An order may have several attempts (decision 0033): the latest is the current one.
        attempt = f" (attempt {payment.attempt})" if payment.attempt > 1 else ""
        return (f"Payment of {self.amount(payment)} for order {self.order.text(payment)}{attempt}, "
                f"{payment.get_status_display().lower()}")


@admin.register(SimulatedCharge)
class SimulatedChargeAdmin(CrossAppLabels, ReadOnlyAdmin):
    """The simulated gateway's own records, read-only: what its status check and refunds read."""

    list_display = ["ref", "order", "status", "amount", "created_at"]
    list_filter = ["status"]
    search_fields = ["=ref", "=order_id"]
    search_also = ORDER_SEARCH
    fields = readonly_fields = ("ref", "order", "amount", "currency", "status", "payment_id", "return_url",
                                "created_at", "updated_at")

    order = LabelColumn("order_id", ORDER, description="order")
    amount = MoneyColumn("amount_paise", description="amount")

    def describe(self, charge: SimulatedCharge) -> str:
        return f"Simulated charge {charge.ref} of {self.amount(charge)} for order {self.order.text(charge)}"
