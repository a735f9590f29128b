from django.urls import path

from orders.api.views import (
    OrderDetailApi,
    OrderListCreateApi,
    SellerOrderListApi,
    SellerOrderTransitionApi,
    SellerShipmentListApi,
    SellerShipmentTransitionApi,
)

urlpatterns = [
    path("orders", OrderListCreateApi.as_view(), name="orders"),
    path("orders/<uuid:order_id>", OrderDetailApi.as_view(), name="order-detail"),
    path("seller/orders", SellerOrderListApi.as_view(), name="seller-orders"),
    path("seller/orders/<uuid:order_id>/<str:step>", SellerOrderTransitionApi.as_view(), name="seller-order-step"),
    path("seller/shipments", SellerShipmentListApi.as_view(), name="seller-shipments"),
    path("seller/shipments/<int:shipment_id>/<str:step>", SellerShipmentTransitionApi.as_view(),
         name="seller-shipment-step"),
]
