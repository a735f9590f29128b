"""The seller API (own items: list, create, read, update, retire, bulk upsert) and the category tree.

A seller only ever finds their own items: another seller's item id answers 404, exactly as an
id that does not exist, so the API never tells that it exists.
"""

from __future__ import annotations

from collections.abc import Mapping

from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.interface import CachedTokenAuthentication
from catalog.api.serializers import (
    BulkFileSerializer,
    BulkRejectedSerializer,
    BulkReportSerializer,
    BulkRowsSerializer,
    CategoryOutputSerializer,
    ItemInputSerializer,
    ItemOutputSerializer,
    ItemUpdateSerializer,
    one_of,
)
from catalog.backends.base import DocumentsUnavailable
from catalog.bulk import CsvRejected, items_bulk_upsert_csv
from catalog.models import ItemStatus
from catalog.selectors import category_tree, item_list_for_seller, item_row_for_seller, item_snapshots
from catalog.services import (
    BulkReport,
    ItemConflict,
    ItemNotFound,
    TooManyRows,
    item_attributes_problems,
    item_create,
    item_image_upload,
    item_retire,
    item_update,
    items_bulk_upsert,
)
from catalog.types import CategoryInfo
from catalog.validation import ItemInvalid
from shop.api import (
    JSON_ONLY,
    PROBLEM_CONTENT_TYPE,
    IsSeller,
    Problem,
    QueryIntegerField,
    authenticated_user_id,
    problems,
    query_data,
)
from shop.drf import SafeCursorPagination, SafeJSONParser

ITEM_NOT_FOUND = "No item with this id among yours."
ITEM_CHANGED = "The item changed while we were saving it; fetch it and try again."
DOCUMENTS_DOWN = "Item attributes are unavailable for a moment; try again shortly."


class SellerItemPagination(SafeCursorPagination):
    ordering = "-id"
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


class ItemListQuerySerializer(serializers.Serializer):
    status = one_of(ItemStatus.values, required=False, help_text="Only this status.")
    page_size = QueryIntegerField(required=False, min_value=1, max_value=SellerItemPagination.max_page_size,
                                  help_text="Default 50.")
    cursor = serializers.CharField(required=False, trim_whitespace=False,
                                   help_text="From `next` or `previous`; a made-up one is a 404.")


def _invalid(exc: ItemInvalid) -> exceptions.ValidationError:
    return exceptions.ValidationError(exc.errors)


class SellerApi(APIView):
    # Token first: an anonymous call gets 401 with `WWW-Authenticate: Token`, not a bare 403.
    authentication_classes = [CachedTokenAuthentication, SessionAuthentication]
    permission_classes = [IsSeller]
    parser_classes = JSON_ONLY

    @property
    def seller_id(self) -> int:
        return authenticated_user_id(self.request)

    def handle_exception(self, exc):
        if isinstance(exc, DocumentsUnavailable):  # the documents backend (MongoDB) is down
            exc = Problem(503, DOCUMENTS_DOWN, "unavailable", headers={"Retry-After": "5"})
        return super().handle_exception(exc)


PaginatedItems = inline_serializer(
    "PaginatedItemList",
    {
        "next": serializers.URLField(allow_null=True),
        "previous": serializers.URLField(allow_null=True),
        "results": ItemOutputSerializer(many=True),
    },
)


class ItemListCreateApi(SellerApi):
    @extend_schema(
        operation_id="seller_items_list",
        summary="List your items, newest first",
        parameters=[ItemListQuerySerializer],
        responses={200: PaginatedItems, **problems(400, (404, "A made-up cursor."))},
    )
    def get(self, request):
        query = ItemListQuerySerializer(data=query_data(ItemListQuerySerializer, request.query_params))
        query.is_valid(raise_exception=True)
        wanted = query.validated_data.get("status")
        paginator = SellerItemPagination()
        page = paginator.paginate_queryset(
            item_list_for_seller(seller_id=self.seller_id, status=wanted), request, view=self
        )
        data = ItemOutputSerializer(item_snapshots(page), many=True).data
        return paginator.get_paginated_response(data)

    @extend_schema(
        operation_id="seller_items_create",
        summary="Create an item",
        request=ItemInputSerializer,
        responses={201: ItemOutputSerializer, **problems(503)},
    )
    def post(self, request):
        data = ItemInputSerializer(data=request.data)
        if not data.is_valid():
            # Every mistake at once: a bad price must not hide missing attributes.
            body = request.data if isinstance(request.data, Mapping) else {}
            raise exceptions.ValidationError({**item_attributes_problems(
                category_id=body.get("category_id"), attributes=body.get("attributes")), **data.errors})
        try:
            snapshot = item_create(seller_id=self.seller_id, **data.validated_data)
        except ItemInvalid as exc:
            raise _invalid(exc) from exc
        return Response(ItemOutputSerializer(snapshot).data, status=status.HTTP_201_CREATED)


class ItemDetailApi(SellerApi):
    @extend_schema(
        operation_id="seller_items_get", summary="One of your items",
        responses={200: ItemOutputSerializer, **problems(503)},
    )
    def get(self, request, item_id: int):
        item = item_row_for_seller(seller_id=self.seller_id, item_id=item_id)
        if item is None:
            raise exceptions.NotFound(ITEM_NOT_FOUND)
        return Response(ItemOutputSerializer(item_snapshots([item])[0]).data)

    @extend_schema(
        operation_id="seller_items_update",
        summary="Change some fields of your item",
        description="Only the fields sent change. `attributes` merge into the current ones "
        "(a null value removes that attribute); changing `category_id` checks "
        "them against the new category's schema.",
        request=ItemUpdateSerializer,
        responses={200: ItemOutputSerializer, **problems(409, 503)},
    )
    def patch(self, request, item_id: int):
        data = ItemUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            snapshot = item_update(item_id=item_id, seller_id=self.seller_id, **data.validated_data)
        except ItemNotFound as exc:
            raise exceptions.NotFound(ITEM_NOT_FOUND) from exc
        except ItemInvalid as exc:
            raise _invalid(exc) from exc
        except ItemConflict as exc:
            raise Problem(409, ITEM_CHANGED, "conflict") from exc
        return Response(ItemOutputSerializer(snapshot).data)

    @extend_schema(
        operation_id="seller_items_retire",
        summary="Retire your item (take it off sale)",
        description="The item stays readable (status `retired`); retiring twice is fine.",
        responses={204: None, **problems(409, 503)},
    )
    def delete(self, request, item_id: int):
        try:
            item_retire(item_id=item_id, seller_id=self.seller_id)
        except ItemNotFound as exc:
            raise exceptions.NotFound(ITEM_NOT_FOUND) from exc
        except ItemConflict as exc:
            raise Problem(409, ITEM_CHANGED, "conflict") from exc
        return Response(status=status.HTTP_204_NO_CONTENT)


class ItemBulkUpsertApi(SellerApi):
    parser_classes = [SafeJSONParser, MultiPartParser]

    @extend_schema(
        operation_id="seller_items_bulk",
        summary="Create or update many items (by SKU)",
        description="A JSON array of items (the fields of POST items; attributes are replaced, status "
        "kept unless sent), or a CSV file as the multipart field `file` (see BulkFile). "
        "Good rows are saved, bad rows are reported with their row number. 200 if any row "
        "was saved, else 400 (the same report as problem JSON). At most 1,000 rows: more, or a file "
        "that isn't CSV, is a 400 for the whole request.",
        request={
            "application/json": BulkRowsSerializer,
            "multipart/form-data": BulkFileSerializer,
        },
        responses={
            200: BulkReportSerializer,
            (400, PROBLEM_CONTENT_TYPE): OpenApiResponse(BulkRejectedSerializer, "No row was saved, or the "
                                                         "request was refused whole."),
            **problems(503),
        },
        extensions={"x-body-required": True},
    )
    def post(self, request):
        try:
            if request.content_type.startswith("multipart/"):
                upload = request.FILES.get("file")
                if upload is None:
                    raise exceptions.ValidationError({"file": ["Attach the CSV file as the field `file`."]})
                report = items_bulk_upsert_csv(seller_id=self.seller_id, data=upload.read())
            else:
                if not isinstance(request.data, list):
                    raise exceptions.ValidationError(
                        {
                            "non_field_errors": [
                                "Send a JSON array of items, or a CSV file as the multipart field `file`."
                            ]
                        }
                    )
                report = items_bulk_upsert(seller_id=self.seller_id, rows=request.data)
        except (TooManyRows, CsvRejected) as exc:
            raise Problem(400, str(exc), "too-many-rows" if isinstance(exc, TooManyRows) else "bad-csv",
                          title="File or request not accepted") from exc
        return _bulk_response(report)


def _bulk_response(report: BulkReport) -> Response:
    body = BulkReportSerializer(report).data
    if report.succeeded:
        return Response(body, status=200)
    detail = "No row was saved." if report.errors else "The request has no rows."
    raise Problem(400, detail, "bulk-rejected", title="No row was saved", **body)


def _category_dict(info: CategoryInfo) -> dict:
    return {
        "id": info.id,
        "slug": info.slug,
        "name": info.name,
        "path": info.path,
        "parent_id": info.parent_id,
        "attributes": [a.as_dict() for a in info.attributes],
        "children": [_category_dict(child) for child in info.children],
    }


class CategoryTreeApi(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="categories_tree",
        summary="The category tree with attribute schemas",
        auth=[],
        responses={200: CategoryOutputSerializer(many=True)},
    )
    def get(self, request):
        response = Response([_category_dict(root) for root in category_tree()])
        response["Cache-Control"] = "public, max-age=60"
        return response


class ItemImageUploadApi(SellerApi):
    parser_classes = [MultiPartParser]

    class ImageUploadSerializer(serializers.Serializer):
        file = serializers.FileField(help_text="A JPEG, PNG, GIF or WebP picture, at most 5 MB.")

    @extend_schema(
        operation_id="seller_items_image_upload",
        summary="Upload a picture of your item",
        description="Adds the picture after the item's current images (at most 10).",
        request={"multipart/form-data": ImageUploadSerializer},
        responses={201: ItemOutputSerializer, **problems(409, 503)},
    )
    def post(self, request, item_id: int):
        data = self.ImageUploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            snapshot = item_image_upload(item_id=item_id, seller_id=self.seller_id, upload=data.validated_data["file"])
        except ItemNotFound as exc:
            raise exceptions.NotFound(ITEM_NOT_FOUND) from exc
        except ItemInvalid as exc:
            raise _invalid(exc) from exc
        except ItemConflict as exc:
            raise Problem(409, ITEM_CHANGED, "conflict") from exc
        return Response(ItemOutputSerializer(snapshot).data, status=status.HTTP_201_CREATED)
