"""Readings of search for /metrics (shop.metrics): how far the index is behind the catalog and stock."""

from __future__ import annotations

from django.utils import timezone

from search.models import StaleItem
from shop.metrics import gauge


@gauge("bazaar_search_stale_items", "Items whose search document waits to be rewritten.")
def search_stale_items() -> float:
    return StaleItem.objects.count()


@gauge("bazaar_search_index_lag_seconds",
       "How long the longest-waiting change has not reached the search index (0 when none waits).")
def search_index_lag_seconds() -> float:
    oldest = StaleItem.objects.order_by("marked_at").values_list("marked_at", flat=True).first()
    return max((timezone.now() - oldest).total_seconds(), 0.0) if oldest else 0.0
