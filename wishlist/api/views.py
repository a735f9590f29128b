"""The customer's wishlist API (authenticated: session or token)."""

from __future__ import annotations

from urllib.parse import urlencode

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from wishlist.selectors import MAX_PAGE_SIZE, PAGE_SIZE, InvalidCursor, wishlist_count_get, wishlist_page
from wishlist.services import ItemNotForSale, ItemNotFound, WishlistError, wishlist_add, wishlist_remove

PROBLEM = OpenApiResponse(description="Problem JSON (RFC 9457).")


class WishlistProblem(exceptions.APIException):
    def __init__(self, detail: str, *, status: int, problem_type: str, **extra):
        self.status_code, self.problem_type, self.problem_extra = status, problem_type, extra
        super().__init__(detail)


def _as_api_error(exc: WishlistError) -> exceptions.APIException:
    if isinstance(exc, ItemNotFound):
        return WishlistProblem(str(exc), status=404, problem_type="product-not-found", product_id=exc.item_id)
    if isinstance(exc, ItemNotForSale):
        return WishlistProblem(str(exc), status=409, problem_type="product-not-for-sale",
                               product_id=exc.item_id)
    return WishlistProblem(str(exc), status=409, problem_type="wishlist-conflict")


class WishlistEntryOutputSerializer(serializers.Serializer):
    product_id = serializers.IntegerField(source="item_id")
    sku = serializers.CharField(source="item.sku", default="")
    title = serializers.CharField()
    image = serializers.CharField()
    price_paise = serializers.IntegerField(help_text="Today's price, in paise.")
    price_paise_at_add = serializers.IntegerField(help_text="The price when it was saved, in paise.")
    price_changed = serializers.BooleanField()
    in_stock = serializers.BooleanField()
    status = serializers.ChoiceField(choices=["ok", "out_of_stock", "unavailable"])
    added_at = serializers.DateTimeField()


class WishlistPageOutputSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True, help_text="Older entries.")
    previous = serializers.URLField(allow_null=True, help_text="Newer entries.")
    results = WishlistEntryOutputSerializer(many=True)


class WishlistGetApi(APIView):
    @extend_schema(
        operation_id="wishlist_get", tags=["wishlist"], responses={200: WishlistPageOutputSerializer, 400: PROBLEM},
        parameters=[
            OpenApiParameter("cursor", str, description="From `next` / `previous` of another page."),
            OpenApiParameter("page_size", int, description=f"1 to {MAX_PAGE_SIZE}, default {PAGE_SIZE}."),
        ],
        summary="The customer's wishlist, newest first, a page at a time",
    )
    def get(self, request):
        try:
            size = int(request.query_params.get("page_size", PAGE_SIZE))
        except ValueError:
            raise exceptions.ValidationError({"page_size": ["Must be a whole number."]}) from None
        if not 1 <= size <= MAX_PAGE_SIZE:
            raise exceptions.ValidationError({"page_size": [f"Must be from 1 to {MAX_PAGE_SIZE}."]})
        try:
            page = wishlist_page(user_id=request.user.pk, cursor=request.query_params.get("cursor") or None,
                                 size=size)
        except InvalidCursor as exc:
            raise exceptions.ValidationError({"cursor": [str(exc)]}) from exc

        def link(cursor: str | None) -> str | None:
            if cursor is None:
                return None
            query = {"cursor": cursor, **({"page_size": size} if size != PAGE_SIZE else {})}
            return request.build_absolute_uri(f"{request.path}?{urlencode(query)}")

        body = {"count": wishlist_count_get(user_id=request.user.pk), "next": link(page.next_cursor),
                "previous": link(page.previous_cursor), "results": page.entries}
        return Response(WishlistPageOutputSerializer(body).data)


class WishlistItemAddInputSerializer(serializers.Serializer):
    product_id = serializers.IntegerField(min_value=1)


class WishlistItemAddOutputSerializer(serializers.Serializer):
    product_id = serializers.IntegerField()
    created = serializers.BooleanField(help_text="False when it was on the wishlist already.")


class WishlistItemAddApi(APIView):
    InputSerializer = WishlistItemAddInputSerializer

    @extend_schema(
        operation_id="wishlist_item_add", tags=["wishlist"], request=WishlistItemAddInputSerializer,
        responses={201: WishlistItemAddOutputSerializer, 200: WishlistItemAddOutputSerializer,
                   400: PROBLEM, 404: PROBLEM, 409: PROBLEM},
        summary="Save a product on the wishlist",
    )
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        product_id = data.validated_data["product_id"]
        try:
            created = wishlist_add(user_id=request.user.pk, item_id=product_id)
        except WishlistError as exc:
            raise _as_api_error(exc) from exc
        return Response({"product_id": product_id, "created": created}, status=201 if created else 200)


class WishlistItemDeleteApi(APIView):
    @extend_schema(operation_id="wishlist_item_remove", tags=["wishlist"], request=None,
                   responses={204: OpenApiResponse(description="Removed (or was not on the wishlist).")},
                   summary="Remove a product from the wishlist")
    def delete(self, request, product_id: int):
        wishlist_remove(user_id=request.user.pk, item_id=product_id)
        return Response(status=204)
