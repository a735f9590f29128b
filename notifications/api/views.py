"""The customer's notifications API (authenticated: session or token); only their own."""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework.generics import ListAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from notifications.api.serializers import MarkAllReadOutputSerializer, NotificationOutputSerializer
from notifications.models import Notification
from notifications.selectors import notification_list
from notifications.services import notification_mark_all_read
from shop.api import authenticated_user_id, problems
from shop.drf import SafeCursorPagination


class NewestFirst(SafeCursorPagination):
    ordering = ("-created_at", "-id")
    page_size = 20


class NotificationListApi(ListAPIView):
    serializer_class = NotificationOutputSerializer
    pagination_class = NewestFirst

    def get_queryset(self) -> QuerySet[Notification]:
        return notification_list(user_id=authenticated_user_id(self.request))

    @extend_schema(operation_id="notification_list", tags=["notifications"],
                   responses={200: NotificationOutputSerializer, **problems((404, "A made-up cursor."))},
                   summary="The customer's notifications, newest first (cursor pagination)")
    def get(self, request: Request, *args: object, **kwargs: object) -> Response:
        return super().get(request, *args, **kwargs)


class NotificationMarkAllReadApi(APIView):
    @extend_schema(operation_id="notification_mark_all_read", tags=["notifications"], request=None,
                   responses={200: MarkAllReadOutputSerializer},
                   summary="Mark all the customer's notifications read (repeating it changes nothing)")
    def post(self, request: Request) -> Response:
        marked = notification_mark_all_read(user_id=authenticated_user_id(request))
        return Response(MarkAllReadOutputSerializer({"marked": marked, "unread": 0}).data)
