"""The customer's wishlist API (authenticated: session or token)."""

from __future__ import annotations

from urllib.parse import urlencode

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog.interface import ItemNotFound
from shop.api import JSON_ONLY, Problem, QueryIntegerField, StrictIntegerField, problems, query_data
from wishlist.selectors import MAX_PAGE_SIZE, PAGE_SIZE, InvalidCursor, wishlist_count_get, wishlist_page
from wishlist.services import ItemNotForSale, WishlistError, wishlist_add, wishlist_remove


def _as_api_error(exc: WishlistError | ItemNotFound) -> Problem:
    if isinstance(exc, ItemNotFound):
        return Problem(404, str(exc), "product-not-found", product_id=exc.item_id)
    if isinstance(exc, ItemNotForSale):
        return Problem(409, str(exc), "product-not-for-sale", product_id=exc.item_id)
    return Problem(409, str(exc), "wishlist-conflict")


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


class WishlistQuerySerializer(serializers.Serializer):
    cursor = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False,
                                   help_text="From `next` / `previous` of another page; a made-up one is a 400.")
    page_size = QueryIntegerField(required=False, min_value=1, max_value=MAX_PAGE_SIZE, default=PAGE_SIZE,
                                  help_text=f"Default {PAGE_SIZE}.")


class WishlistGetApi(APIView):
    @extend_schema(
        operation_id="wishlist_get", tags=["wishlist"],
        responses={200: WishlistPageOutputSerializer, **problems((400, "page_size out of range, or a made-up "
                                                                      "cursor (`errors` says which)."))},
        parameters=[WishlistQuerySerializer],
        summary="The customer's wishlist, newest first, a page at a time",
    )
    def get(self, request):
        query = WishlistQuerySerializer(data=query_data(WishlistQuerySerializer, request.query_params))
        query.is_valid(raise_exception=True)
        size = query.validated_data["page_size"]
        try:
            page = wishlist_page(user_id=request.user.pk, cursor=query.validated_data.get("cursor") or None,
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
    product_id = StrictIntegerField(min_value=1, max_value=2**63 - 1)


class WishlistItemAddOutputSerializer(serializers.Serializer):
    product_id = serializers.IntegerField()
    created = serializers.BooleanField(help_text="False when it was on the wishlist already.")


class WishlistItemAddApi(APIView):
    InputSerializer = WishlistItemAddInputSerializer
    parser_classes = JSON_ONLY

    @extend_schema(
        operation_id="wishlist_item_add", tags=["wishlist"], request=WishlistItemAddInputSerializer,
        responses={201: WishlistItemAddOutputSerializer, 200: WishlistItemAddOutputSerializer,
                   **problems((404, "No such product."), (409, "The product is not for sale."))},
        summary="Save a product on the wishlist",
    )
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        product_id = data.validated_data["product_id"]
        try:
            created = wishlist_add(user_id=request.user.pk, item_id=product_id)
        except (WishlistError, ItemNotFound) as exc:
            raise _as_api_error(exc) from exc
        return Response({"product_id": product_id, "created": created}, status=201 if created else 200)


class WishlistItemDeleteApi(APIView):
    @extend_schema(operation_id="wishlist_item_remove", tags=["wishlist"], request=None,
                   responses={204: OpenApiResponse(description="Removed (or was not on the wishlist).")},
                   summary="Remove a product from the wishlist")
    def delete(self, request, product_id: int):
        wishlist_remove(user_id=request.user.pk, item_id=product_id)
        return Response(status=204)
