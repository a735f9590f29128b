from django.urls import path

from inventory.api.views import ProductDeliveryApi, SellerStockSetApi, SellerWarehouseListApi

urlpatterns = [
    path("seller/stock", SellerStockSetApi.as_view(), name="seller-stock"),
    path("seller/warehouses", SellerWarehouseListApi.as_view(), name="seller-warehouses"),
    path("products/<id:product_id>/delivery", ProductDeliveryApi.as_view(), name="product-delivery"),
]
