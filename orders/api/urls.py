from django.urls import path

from orders.api.views import (
    OrderCancelApi,
    OrderDetailApi,
    OrderListCreateApi,
    OrderPaymentRetryApi,
    OrderReorderApi,
    OrderReturnCreateApi,
    SellerOrderListApi,
    SellerOrderTransitionApi,
    SellerReturnApproveApi,
    SellerReturnListApi,
    SellerReturnReceiveApi,
    SellerReturnRejectApi,
    SellerShipmentCashCollectedApi,
    SellerShipmentDeliveryFailedApi,
    SellerShipmentListApi,
    SellerShipmentTransitionApi,
)

urlpatterns = [
    path("orders", OrderListCreateApi.as_view(), name="orders"),
    path("orders/<uuid:order_id>", OrderDetailApi.as_view(), name="order-detail"),
    path("orders/<uuid:order_id>/cancel", OrderCancelApi.as_view(), name="order-cancel"),
    path("orders/<uuid:order_id>/returns", OrderReturnCreateApi.as_view(), name="order-returns"),
    path("orders/<uuid:order_id>/payment-retry", OrderPaymentRetryApi.as_view(), name="order-payment-retry"),
    path("orders/<uuid:order_id>/reorder", OrderReorderApi.as_view(), name="order-reorder"),
    path("seller/orders", SellerOrderListApi.as_view(), name="seller-orders"),
    path("seller/orders/<uuid:order_id>/<str:step>", SellerOrderTransitionApi.as_view(), name="seller-order-step"),
    path("seller/shipments", SellerShipmentListApi.as_view(), name="seller-shipments"),
    # Before the steps' pattern: these two take their own bodies.
    path("seller/shipments/<int:shipment_id>/cash-collected", SellerShipmentCashCollectedApi.as_view(),
         name="seller-shipment-cash-collected"),
    path("seller/shipments/<int:shipment_id>/delivery-failed", SellerShipmentDeliveryFailedApi.as_view(),
         name="seller-shipment-delivery-failed"),
    path("seller/shipments/<int:shipment_id>/<str:step>", SellerShipmentTransitionApi.as_view(),
         name="seller-shipment-step"),
    path("seller/returns", SellerReturnListApi.as_view(), name="seller-returns"),
    path("seller/returns/<int:return_id>/approve", SellerReturnApproveApi.as_view(), name="seller-return-approve"),
    path("seller/returns/<int:return_id>/reject", SellerReturnRejectApi.as_view(), name="seller-return-reject"),
    path("seller/returns/<int:return_id>/receive", SellerReturnReceiveApi.as_view(), name="seller-return-receive"),
]
