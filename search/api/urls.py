"""The search API; mounted at /api/v1/ (inside the "api" namespace, like shop.urls.api_v1)."""

from django.urls import path

from search.api.views import SearchApi, SearchSuggestApi

urlpatterns = [
    path("search", SearchApi.as_view(), name="search"),
    path("search/suggest", SearchSuggestApi.as_view(), name="search-suggest"),
]
