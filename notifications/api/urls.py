"""The notifications API; mounted at /api/v1/ (inside the "api" namespace, like shop.urls.api_v1)."""

from django.urls import path

from notifications.api.views import NotificationListApi, NotificationMarkAllReadApi

urlpatterns = [
    path("notifications", NotificationListApi.as_view(), name="notifications"),
    path("notifications/read", NotificationMarkAllReadApi.as_view(), name="notifications-read"),
]
