from rest_framework import serializers

from invoicing.models import Invoice, InvoiceLine


class InvoiceLineOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = InvoiceLine
        fields = ("position", "item_id", "sku", "hsn_code", "description", "quantity", "unit_price_paise",
                  "gst_rate", "taxable_paise", "cgst_paise", "sgst_paise", "igst_paise", "total_paise")


class InvoiceOutputSerializer(serializers.ModelSerializer):
    lines = InvoiceLineOutputSerializer(many=True, read_only=True)
    pdf_url = serializers.SerializerMethodField()

    class Meta:
        model = Invoice
        fields = ("id", "number", "financial_year", "issued_at", "shipment_id", "order_id", "order_reference",
                  "supply_type", "seller_gstin", "seller_state", "buyer_state", "taxable_paise", "cgst_paise",
                  "sgst_paise", "igst_paise", "total_paise", "lines", "pdf_url")

    def get_pdf_url(self, obj: Invoice) -> str:
        return f"/api/v1/seller/invoices/{obj.pk}/pdf"
