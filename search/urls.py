"""The search page. Mount at /search/: path("search/", include("search.urls"))."""

from django.urls import path

from search import views

app_name = "search"
urlpatterns = [
    path("", views.search_page, name="results"),
]
