"""The seller API's invoices: list yours (newest first, by financial year if you like) and download
one as PDF. Another seller's invoice id answers 404, as one that does not exist."""

from __future__ import annotations

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import exceptions, serializers
from rest_framework.authentication import SessionAuthentication
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.interface import CachedTokenAuthentication
from invoicing.api.serializers import InvoiceOutputSerializer
from invoicing.render import invoice_pdf
from invoicing.selectors import invoice_list_for_seller
from shop.api import IsSeller, QueryIntegerField, authenticated_user_id, problems, query_data
from shop.drf import SafeCursorPagination


class SellerInvoicePagination(SafeCursorPagination):
    ordering = "-id"
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


class InvoiceListQuerySerializer(serializers.Serializer):
    financial_year = serializers.RegexField(r"^\d{4}-\d{2}$", required=False, help_text="e.g. 2026-27.")
    page_size = QueryIntegerField(required=False, min_value=1, max_value=SellerInvoicePagination.max_page_size,
                                  help_text="Default 50.")
    cursor = serializers.CharField(required=False, trim_whitespace=False,
                                   help_text="From `next` or `previous`; a made-up one is a 404.")


class SellerInvoiceApi(APIView):
    authentication_classes = [CachedTokenAuthentication, SessionAuthentication]
    permission_classes = [IsSeller]


class InvoiceListApi(SellerInvoiceApi):
    @extend_schema(
        operation_id="seller_invoices_list",
        summary="List your GST invoices, newest first",
        parameters=[InvoiceListQuerySerializer],
        responses={200: inline_serializer("PaginatedInvoiceList", {
            "next": serializers.URLField(allow_null=True), "previous": serializers.URLField(allow_null=True),
            "results": InvoiceOutputSerializer(many=True)}),
            **problems(400, (404, "A made-up cursor."))},
    )
    def get(self, request: Request) -> Response:
        query = InvoiceListQuerySerializer(data=query_data(InvoiceListQuerySerializer, request.query_params))
        query.is_valid(raise_exception=True)
        rows = invoice_list_for_seller(seller_id=authenticated_user_id(request),
                                       financial_year=query.validated_data.get("financial_year"))
        paginator = SellerInvoicePagination()
        page = paginator.paginate_queryset(rows.prefetch_related("lines"), request, view=self)
        return paginator.get_paginated_response(InvoiceOutputSerializer(page, many=True).data)


class InvoicePdfApi(SellerInvoiceApi):
    @extend_schema(
        operation_id="seller_invoice_pdf",
        summary="Download one of your invoices as PDF",
        responses={(200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, description="The invoice."),
                   **problems((404, "No invoice with this id among yours."))},
    )
    def get(self, request: Request, invoice_id: int) -> HttpResponse:
        invoice = invoice_list_for_seller(seller_id=authenticated_user_id(request)).filter(pk=invoice_id).first()
        if invoice is None:
            raise exceptions.NotFound("No invoice with this id among yours.")
        response = HttpResponse(invoice_pdf(invoice), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="invoice-{invoice.number.replace("/", "-")}.pdf"'
        return response

