"""The recommendations API; mounted at /api/v1/ (inside the "api" namespace, shop/urls.py)."""

from django.urls import path

from recommendations.api.views import AlsoBoughtApi, RecommendationsApi

urlpatterns = [
    path("recommendations", RecommendationsApi.as_view(), name="recommendations"),
    path("products/<id:product_id>/also-bought", AlsoBoughtApi.as_view(), name="product-also-bought"),
]
