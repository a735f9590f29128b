"""Mounted beside the catalog's seller API: /api/v1/seller/invoices..."""

from django.urls import path

from invoicing.api.views import InvoiceListApi, InvoicePdfApi

urlpatterns = [
    path("invoices", InvoiceListApi.as_view(), name="seller-invoices"),
    path("invoices/<id:invoice_id>/pdf", InvoicePdfApi.as_view(), name="seller-invoice-pdf"),
]
