"""Wishlist pages; mounted at /wishlist/ (namespace "wishlist")."""

from django.urls import path

from wishlist import views

app_name = "wishlist"
urlpatterns = [
    path("", views.wishlist_list, name="list"),
    path("add/", views.wishlist_add_view, name="add"),
    path("items/<id:item_id>/remove/", views.wishlist_remove_view, name="remove"),
    path("items/<id:item_id>/move-to-cart/", views.wishlist_move_to_cart_view, name="move_to_cart"),
    path("from-cart/<id:item_id>/", views.wishlist_move_from_cart_view, name="move_from_cart"),
]
