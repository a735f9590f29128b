"""The seller API. Mount inside shop/urls.py's api_v1 list:
path("seller/", include("catalog.api.urls")) -> /api/v1/seller/items..., reversed as "api:seller-items"."""

from django.urls import path

from catalog.api.views import ItemBulkUpsertApi, ItemDetailApi, ItemImageUploadApi, ItemListCreateApi

urlpatterns = [
    path("items", ItemListCreateApi.as_view(), name="seller-items"),
    path("items/bulk", ItemBulkUpsertApi.as_view(), name="seller-items-bulk"),
    path("items/<id:item_id>", ItemDetailApi.as_view(), name="seller-item"),
    path("items/<id:item_id>/images", ItemImageUploadApi.as_view(), name="seller-item-images"),
]
