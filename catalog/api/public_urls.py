"""The catalog's public API. Mount inside shop/urls.py's api_v1 list:
path("", include("catalog.api.public_urls")) -> /api/v1/categories, reversed as "api:categories"."""

from django.urls import path

from catalog.api.views import CategoryTreeApi

urlpatterns = [
    path("categories", CategoryTreeApi.as_view(), name="categories"),
]
