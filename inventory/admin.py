from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest

from accounts.interface import user_emails
from catalog.interface import item_ids_by_sku, item_labels
from inventory.models import Allocation, Stock, StockAdjustment
from inventory.services import InventoryError, stock_set
from logistics.interface import warehouse_labels
from shop.admin import CrossAppLabels, LabelColumn, Lookup, ReadOnlyAdmin, choice_filter, search_by
from shop.references import order_id_prefix, order_ids_by_number, order_references

ITEM = Lookup(lambda ids: item_labels(item_ids=ids), url_name="admin:catalog_item_change",
              missing="item {id} (deleted)")
WAREHOUSE = Lookup(lambda ids: warehouse_labels(warehouse_ids=ids), url_name="admin:logistics_warehouse_change",
                   missing="warehouse {id} (deleted)")
STAFF = Lookup(lambda ids: user_emails(user_ids=ids), url_name="admin:accounts_user_change",
               missing="user {id} (deleted)")
# By number: orders lends shop.references its lookup (payments and inventory don't import orders).
ORDER = Lookup(order_references, url_name="admin:orders_order_change")
# An order's number, or the start of its id an old reference (#3F2A9C01) shows.
ORDER_SEARCH = (search_by("order_id__in", order_ids_by_number), search_by("order_id__istartswith", order_id_prefix))

WarehouseFilter = choice_filter("warehouse_id", title="warehouse", choices=lambda: warehouse_labels().items())


def _items_by_sku(text: str) -> list[int] | None:
    return item_ids_by_sku(sku=text) or None


class StockAdminForm(forms.ModelForm):
    class Meta:
        model = Stock
        fields = ["item_id", "warehouse_id", "on_hand"]
        labels = {"item_id": "Item id", "warehouse_id": "Warehouse"}
        help_texts = {"item_id": "The item's number, as in Catalog › Items."}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "warehouse_id" in self.fields:  # adding a row: choose the warehouse by its code and name
            self.fields["warehouse_id"] = forms.TypedChoiceField(
                label="Warehouse", coerce=int, choices=[("", "---------"), *warehouse_labels().items()])

    def clean_on_hand(self) -> int:
        on_hand: int = self.cleaned_data["on_hand"]
        if self.instance.pk and on_hand < self.instance.reserved:
            raise forms.ValidationError(
                f"{self.instance.reserved} units are reserved for open orders; on hand can't go below that.")
        return on_hand


@admin.register(Stock)
class StockAdmin(CrossAppLabels, admin.ModelAdmin):
    """Staff set on-hand counts here; each save goes through stock_set, so it is audited."""

    form = StockAdminForm
    list_display = ["item", "warehouse", "on_hand", "reserved", "available", "updated_at"]
    list_filter = [WarehouseFilter]
    search_fields = ["=item_id"]
    search_help_text = "An item's SKU or id."
    search_also = (search_by("item_id__in", _items_by_sku),)
    readonly_fields = ["reserved", "updated_at"]
    show_full_result_count = False

    # The first column links to the row; the change page links to the item.
    item = LabelColumn("item_id", ITEM, description="item", link=False)
    warehouse = LabelColumn("warehouse_id", WAREHOUSE, description="warehouse", link=False)
    item_link = LabelColumn("item_id", ITEM, description="item")
    warehouse_link = LabelColumn("warehouse_id", WAREHOUSE, description="warehouse")

    def describe(self, stock: Stock) -> str:
        return f"{self.item.text(stock)} at {self.warehouse.text(stock)}"

    def get_fields(self, request: HttpRequest, obj: Stock | None = None) -> tuple[str, ...]:
        if obj is None:
            return ("item_id", "warehouse_id", "on_hand")
        return ("item_link", "warehouse_link", "on_hand", "reserved", "updated_at")

    def get_readonly_fields(self, request: HttpRequest, obj: Stock | None = None) -> list[str] | tuple[str, ...]:
        if obj is None:
            return self.readonly_fields
        return [*self.readonly_fields, "item_link", "warehouse_link", "item_id", "warehouse_id"]

    def save_model(self, request: HttpRequest, obj: Stock, form: forms.ModelForm[Stock], change: bool) -> None:
        try:
            saved = stock_set(item_id=obj.item_id, warehouse_id=obj.warehouse_id, on_hand=obj.on_hand,
                              actor_id=request.user.pk, source=StockAdjustment.Source.ADMIN,
                              reason="changed in admin")
        except InventoryError as exc:
            messages.error(request, str(exc))
            return
        obj.pk = saved.pk

    def has_delete_permission(self, request: HttpRequest, obj: Stock | None = None) -> bool:
        return False  # set on hand to 0 instead: reservations point at the row


@admin.register(Allocation)
class ReservationAdmin(CrossAppLabels, ReadOnlyAdmin):
    """Read-only: reservations are held, committed and released by services with the stock."""

    list_display = ["created_at", "order", "item", "warehouse", "quantity", "status"]
    list_filter = ["status", WarehouseFilter]
    search_fields = ["=order_id", "=item_id"]
    search_help_text = "An order's number (BZ-26-0001234), old reference (#3F2A9C01) or id, an item's SKU or id."
    search_also = (*ORDER_SEARCH, search_by("item_id__in", _items_by_sku))
    fields = ("order", "item", "warehouse", "quantity", "status", "created_at", "updated_at")
    readonly_fields = fields
    show_full_result_count = False

    order = LabelColumn("order_id", ORDER, description="order")
    item = LabelColumn("item_id", ITEM, description="item")
    warehouse = LabelColumn("warehouse_id", WAREHOUSE, description="warehouse")

    def describe(self, reservation: Allocation) -> str:
        return (f"{reservation.quantity} × {self.item.text(reservation)} for order {self.order.text(reservation)}, "
                f"{reservation.get_status_display()}")


@admin.register(StockAdjustment)
class StockAdjustmentAdmin(CrossAppLabels, ReadOnlyAdmin):
    """The stock audit trail: written by stock_set and the services, never edited or deleted."""

    list_display = ["created_at", "item", "warehouse", "on_hand_before", "on_hand_after", "actor", "source",
                    "reason"]
    list_filter = ["source", WarehouseFilter]
    search_fields = ["=item_id", "=actor_id"]
    search_help_text = "An item's SKU or id."
    search_also = (search_by("item_id__in", _items_by_sku),)
    fields = ("created_at", "item", "warehouse", "on_hand_before", "on_hand_after", "actor", "source", "reason")
    readonly_fields = fields

    item = LabelColumn("item_id", ITEM, description="item")
    warehouse = LabelColumn("warehouse_id", WAREHOUSE, description="warehouse")
    actor = LabelColumn("actor_id", STAFF, description="changed by", empty="the system")

    def describe(self, adjustment: StockAdjustment) -> str:
        return (f"{self.item.text(adjustment)} at {self.warehouse.text(adjustment)}: on hand "
                f"{adjustment.on_hand_before} → {adjustment.on_hand_after}")
