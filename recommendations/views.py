"""The home page. Until the recommendation jobs exist (their own issue), the shelf shows what
is top rated, in stock and, with a PIN code, deliverable there: real items, never invented.

An empty shelf says why: nothing in stock yet, nothing in stock reaches the visitor's PIN code
(with a way to choose another), or search can't answer just now.
"""

from __future__ import annotations

import logging

from django.shortcuts import render
from django.urls import reverse

from accounts.interface import current_pin_get
from logistics.interface import PinCodeError
from search.interface import SearchParams, SearchUnavailable, Sort, search_run

logger = logging.getLogger(__name__)
SHELF_SIZE = 12


def home(request):
    pin = current_pin_get(request) or None
    context = {"shelf": [], "pin": pin, "undeliverable": 0, "unavailable": False}
    params = SearchParams(sort=Sort.RATING, per_page=SHELF_SIZE)
    try:
        try:
            page = search_run(params, pin=pin)
        except PinCodeError:  # a PIN code chosen once that logistics no longer knows
            logger.warning("Home shelf: PIN code %s is not known; showing all of India", pin)
            context["pin"] = pin = None
            page = search_run(params)
    except SearchUnavailable:
        logger.warning("Home shelf: search is unavailable", exc_info=True)
        context["unavailable"] = True
        return render(request, "recommendations/home.html", context)
    context["shelf"] = [{"card": card, "url": reverse("catalog:product_short", args=[card.item_id])}
                        for card in page.results]
    # With a PIN code and an empty shelf, search_run has counted what is in stock elsewhere.
    context["undeliverable"] = page.undeliverable_count
    return render(request, "recommendations/home.html", context)
