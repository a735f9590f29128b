"""Invoices are read-only for staff: issued once, never edited. Sellers' GSTINs are kept here."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html

from invoicing.models import Invoice, InvoiceLine, SellerGstin
from shop.admin import MoneyColumn


class InvoiceLineInline(admin.TabularInline):
    model = InvoiceLine
    extra = 0
    can_delete = False
    fields = ("position", "description", "sku", "hsn_code", "quantity", "unit_price_paise", "gst_rate",
              "taxable_paise", "cgst_paise", "sgst_paise", "igst_paise", "total_paise")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Invoice | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


@admin.register(Invoice)
class InvoiceAdmin(admin.ModelAdmin):
    list_display = ("number", "issued_at", "seller_id", "user_id", "order_reference", "supply_type", "total",
                    "documents")
    list_filter = ("supply_type", "financial_year")
    search_fields = ("number", "order_reference", "=shipment_id", "buyer_name")
    date_hierarchy = "issued_at"
    inlines = [InvoiceLineInline]

    total = MoneyColumn("total_paise", description="Total")

    @admin.display(description="Open")
    def documents(self, obj: Invoice) -> str:
        return format_html('<a href="{}">HTML</a> · <a href="{}">PDF</a>',
                           reverse("invoicing:detail", args=[obj.pk]), reverse("invoicing:pdf", args=[obj.pk]))

    def get_readonly_fields(self, request: HttpRequest, obj: Invoice | None = None) -> list[str]:
        return [f.name for f in Invoice._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Invoice | None = None) -> bool:
        return False  # staff with the view permission see it read-only

    def has_delete_permission(self, request: HttpRequest, obj: Invoice | None = None) -> bool:
        return False


@admin.register(SellerGstin)
class SellerGstinAdmin(admin.ModelAdmin):
    list_display = ("gstin", "seller_id", "state")
    search_fields = ("gstin", "=seller_id", "state")
