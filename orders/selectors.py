"""Reads of orders: a customer's orders, one order with its lines and timeline."""

from __future__ import annotations

import uuid

from django.db.models import Prefetch, QuerySet

from orders.models import Order, OrderLine, OrderStatusChange


def order_list(*, user_id: int) -> QuerySet[Order]:
    """Newest first, with lines prefetched: two queries for a page of any size."""
    return (Order.objects.filter(user_id=user_id).order_by("-created_at", "-id")
            .prefetch_related(Prefetch("lines", queryset=OrderLine.objects.order_by("id"))))


def order_get(*, order_id, user_id: int | None = None) -> Order | None:
    """One order with lines and timeline; with `user_id`, only if it is that customer's."""
    queryset = Order.objects.prefetch_related(
        Prefetch("lines", queryset=OrderLine.objects.order_by("id")),
        Prefetch("timeline", queryset=OrderStatusChange.objects.order_by("at", "id")),
    )
    try:
        order_id = uuid.UUID(str(order_id))
    except ValueError:  # not an order id at all: no such order
        return None
    if user_id is not None:
        queryset = queryset.filter(user_id=user_id)
    return queryset.filter(pk=order_id).first()
