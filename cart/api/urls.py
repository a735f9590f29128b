"""The cart's API; mounted at /api/v1/ (inside the "api" namespace, like shop.urls.api_v1)."""

from django.urls import path

from cart.api.views import CartGetApi, CartItemAddApi, CartItemDetailApi

urlpatterns = [
    path("cart", CartGetApi.as_view(), name="cart"),
    path("cart/items", CartItemAddApi.as_view(), name="cart-items"),
    path("cart/items/<id:product_id>", CartItemDetailApi.as_view(), name="cart-item"),
]
