"""Readings of inventory for /metrics (shop.metrics): stock held for orders waiting on payment."""

from __future__ import annotations

from django.db.models import Count, Sum

from inventory.models import Allocation
from shop.metrics import gauge


@gauge("bazaar_reservations_held", "Reservations holding stock for an order that is waiting for payment.")
def reservations_held() -> float:
    held: int = Allocation.objects.filter(status=Allocation.Status.HELD).aggregate(n=Count("id"))["n"]
    return held


@gauge("bazaar_reserved_units", "Units of stock held for orders waiting for payment.")
def reserved_units() -> float:
    return Allocation.objects.filter(status=Allocation.Status.HELD).aggregate(n=Sum("quantity"))["n"] or 0
