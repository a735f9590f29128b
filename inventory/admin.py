from django import forms
from django.contrib import admin, messages

from inventory.models import Reservation, Stock, StockAdjustment
from inventory.services import InventoryError, stock_set
from shop.admin import ReadOnlyAdmin


class StockAdminForm(forms.ModelForm):
    class Meta:
        model = Stock
        fields = ["item_id", "warehouse_id", "on_hand"]

    def clean_on_hand(self) -> int:
        on_hand = self.cleaned_data["on_hand"]
        if self.instance.pk and on_hand < self.instance.reserved:
            raise forms.ValidationError(
                f"{self.instance.reserved} units are reserved for open orders; on hand can't go below that.")
        return on_hand


@admin.register(Stock)
class StockAdmin(admin.ModelAdmin):
    """Staff set on-hand counts here; each save goes through stock_set, so it is audited."""

    form = StockAdminForm
    list_display = ["item_id", "warehouse_id", "on_hand", "reserved", "available", "updated_at"]
    list_filter = ["warehouse_id"]
    search_fields = ["=item_id"]
    readonly_fields = ["reserved", "updated_at"]
    fields = ["item_id", "warehouse_id", "on_hand", "reserved", "updated_at"]
    show_full_result_count = False

    def get_readonly_fields(self, request, obj=None):
        return [*self.readonly_fields, "item_id", "warehouse_id"] if obj else self.readonly_fields

    def save_model(self, request, obj, form, change):
        try:
            saved = stock_set(item_id=obj.item_id, warehouse_id=obj.warehouse_id, on_hand=obj.on_hand,
                              actor_id=request.user.pk, source=StockAdjustment.Source.ADMIN,
                              reason="changed in admin")
        except InventoryError as exc:
            messages.error(request, str(exc))
            return
        obj.pk = saved.pk

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # set on hand to 0 instead: reservations point at the row


@admin.register(Reservation)
class ReservationAdmin(ReadOnlyAdmin):
    """Read-only: reservations are held, committed and released by services with the stock."""

    list_display = ["order_id", "item_id", "warehouse_id", "quantity", "status", "created_at"]
    list_filter = ["status"]
    search_fields = ["=order_id", "=item_id"]
    readonly_fields = [f.name for f in Reservation._meta.fields]
    show_full_result_count = False


@admin.register(StockAdjustment)
class StockAdjustmentAdmin(ReadOnlyAdmin):
    """The stock audit trail: written by stock_set and the services, never edited or deleted."""

    list_display = ["created_at", "item_id", "warehouse_id", "on_hand_before", "on_hand_after", "actor_id", "source",
                    "reason"]
    list_filter = ["source"]
    search_fields = ["=item_id", "=actor_id"]
    readonly_fields = [f.name for f in StockAdjustment._meta.fields]

