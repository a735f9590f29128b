"""The customer's cart API (authenticated: session or token). Thin: serializers check the input,
cart.services does the work, errors become problem JSON."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from cart.api.errors import as_api_error
from cart.api.serializers import (
    CartItemAddInputSerializer,
    CartItemUpdateInputSerializer,
    CartOutputSerializer,
)
from cart.selectors import CartOwner, CartView, cart_kept_key, cart_view_get
from cart.services import CartError, cart_add, cart_remove, cart_set_quantity
from catalog.interface import ItemNotFound
from shop.api import JSON_ONLY, problems
from shop.pagecache import KeptAnswer, cached_answer


def _cart_response(user_id: int, status: int = 200, *, cart: CartView | None = None) -> Response:
    """The cart as it stands: the one a change read under its lock, or read now."""
    cart = cart or cart_view_get(owner=CartOwner.customer(user_id))
    return Response(CartOutputSerializer(cart).data, status=status)


class CartGetApi(APIView):
    @extend_schema(operation_id="cart_get", tags=["cart"], responses={200: CartOutputSerializer},
                   summary="The customer's cart with today's prices and availability")
    def get(self, request):
        # Kept like the cart page (cart_kept_key): no query on a hit.
        owner = CartOwner.customer(request.user.pk)
        answer = cached_answer(key=cart_kept_key("cart-api", owner),
                               build=lambda: KeptAnswer(CartOutputSerializer(cart_view_get(owner=owner)).data))
        return Response(answer.data)


class CartItemAddApi(APIView):
    InputSerializer = CartItemAddInputSerializer
    parser_classes = JSON_ONLY

    @extend_schema(
        operation_id="cart_item_add", tags=["cart"], request=CartItemAddInputSerializer,
        responses={201: CartOutputSerializer, **problems((404, "No such product."), 409)},
        summary="Add a quantity of a product to the cart",
        description="Adds to what the cart already holds. 404: no such product; 409: not for sale, "
                    "out of stock, more than available (`available`, `in_cart`), or over the per-line "
                    "limit.",
    )
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            cart_add(owner=CartOwner.customer(request.user.pk), item_id=data.validated_data["product_id"],
                     quantity=data.validated_data["quantity"])
        except (CartError, ItemNotFound) as exc:
            raise as_api_error(exc) from exc
        return _cart_response(request.user.pk, status=201)


class CartItemDetailApi(APIView):
    InputSerializer = CartItemUpdateInputSerializer
    parser_classes = JSON_ONLY

    @extend_schema(
        operation_id="cart_item_update", tags=["cart"], request=CartItemUpdateInputSerializer,
        responses={200: CartOutputSerializer, **problems((404, "The product is not in the cart."), 409)},
        summary="Set the quantity of a product in the cart (0 removes it)",
    )
    def patch(self, request, product_id: int):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            change = cart_set_quantity(owner=CartOwner.customer(request.user.pk), item_id=product_id,
                                       quantity=data.validated_data["quantity"])
        except (CartError, ItemNotFound) as exc:
            raise as_api_error(exc) from exc
        return _cart_response(request.user.pk, cart=change.cart)

    @extend_schema(operation_id="cart_item_remove", tags=["cart"], request=None,
                   responses={204: OpenApiResponse(description="Removed (or was not in the cart).")},
                   summary="Remove a product from the cart")
    def delete(self, request, product_id: int):
        cart_remove(owner=CartOwner.customer(request.user.pk), item_id=product_id)
        return Response(status=204)
