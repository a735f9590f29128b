from django.urls import path

from orders import views

app_name = "orders"
urlpatterns = [
    path("checkout/", views.checkout, name="checkout"),
    path("orders/", views.order_history, name="list"),
    path("orders/<str:order_id>/", views.order_detail, name="detail"),
]
