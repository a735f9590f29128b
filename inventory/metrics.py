"""Readings of inventory for /metrics (shop.metrics): stock held for orders waiting on payment."""

from __future__ import annotations

from django.db.models import Count, Sum

from inventory.models import Reservation
from shop.metrics import gauge


@gauge("bazaar_reservations_held", "Reservations holding stock for an order that is waiting for payment.")
def reservations_held() -> float:
    return Reservation.objects.filter(status=Reservation.Status.HELD).aggregate(n=Count("id"))["n"]


@gauge("bazaar_reserved_units", "Units of stock held for orders waiting for payment.")
def reserved_units() -> float:
    return Reservation.objects.filter(status=Reservation.Status.HELD).aggregate(n=Sum("quantity"))["n"] or 0
