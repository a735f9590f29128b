"""The home page. Until the recommendation jobs exist (their own issue), the shelf shows what
is top rated, in stock and, with a PIN code, deliverable there: real items, never invented."""

from __future__ import annotations

import logging

from django.shortcuts import render
from django.urls import reverse

from accounts.interface import current_pin_get
from search.interface import SearchParams, SearchUnavailable, Sort, search_run

logger = logging.getLogger(__name__)
SHELF_SIZE = 12


def home(request):
    pin = current_pin_get(request)
    try:
        page = search_run(SearchParams(sort=Sort.RATING, per_page=SHELF_SIZE), pin=pin or None)
        shelf = [{"card": card, "url": reverse("catalog:product_short", args=[card.item_id])} for card in page.results]
    except SearchUnavailable:
        logger.warning("Home shelf: search is unavailable", exc_info=True)
        shelf = []
    return render(request, "recommendations/home.html", {"shelf": shelf, "pin": pin})
