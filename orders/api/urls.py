from django.urls import path

from orders.api.views import OrderDetailApi, OrderListCreateApi

urlpatterns = [
    path("orders", OrderListCreateApi.as_view(), name="orders"),
    path("orders/<str:order_id>", OrderDetailApi.as_view(), name="order-detail"),
]
