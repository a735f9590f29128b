"""The wishlist's API; mounted at /api/v1/ (inside the "api" namespace, like shop.urls.api_v1)."""

from django.urls import path

from wishlist.api.views import WishlistGetApi, WishlistItemAddApi, WishlistItemDeleteApi

urlpatterns = [
    path("wishlist", WishlistGetApi.as_view(), name="wishlist"),
    path("wishlist/items", WishlistItemAddApi.as_view(), name="wishlist-items"),
    path("wishlist/items/<id:product_id>", WishlistItemDeleteApi.as_view(), name="wishlist-item"),
]
