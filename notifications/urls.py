"""Inbox pages; mounted at /notifications/ (namespace "notifications")."""

from django.urls import path

from notifications import views

app_name = "notifications"
urlpatterns = [
    path("", views.inbox, name="list"),
    path("read/", views.mark_all_read, name="mark_all_read"),
]
