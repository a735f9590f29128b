"""Cart pages; mounted at /cart/ (namespace "cart")."""

from django.urls import path

from cart import views

app_name = "cart"
urlpatterns = [
    path("", views.cart_detail, name="detail"),
    path("add/", views.cart_add_view, name="add"),
    path("items/<id:item_id>/quantity/", views.cart_update_view, name="update"),
    path("items/<id:item_id>/remove/", views.cart_remove_view, name="remove"),
]
