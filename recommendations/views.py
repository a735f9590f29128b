"""The home page. Until the recommendation jobs exist (their own issue), the shelf shows what
is top rated, in stock and, with a PIN code, deliverable there: real items, never invented.

An empty shelf says why: nothing in stock yet, nothing in stock reaches the visitor's PIN code
(with a way to choose another), or search can't answer just now.

The page is kept (shop.pagecache) per visitor (it greets them by name), PIN code and version of
search's answers (the index and the PIN's delivery estimates): the same visitor's next visit costs
one cache read until something on it changes (docs/decisions/0025).
"""

from __future__ import annotations

import logging

from django.urls import reverse

from accounts.interface import current_pin_get
from logistics.interface import PinCodeError
from search.interface import SearchParams, SearchUnavailable, Sort, results_version, search_run
from shop.pagecache import PageBuild, cached_page, page_key

logger = logging.getLogger(__name__)
SHELF_SIZE = 12
TEMPLATE = "recommendations/home.html"


def home(request):
    pin = current_pin_get(request) or None
    version = results_version(pin)
    key = page_key("home", request.user.pk, pin, version) if version else None
    response, _ = cached_page(request, key=key, build=lambda: _home_build(pin))
    return response


def _home_build(pin: str | None) -> PageBuild:
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
        return PageBuild(TEMPLATE, context, keep=False)
    context["shelf"] = [{"card": card, "url": reverse("catalog:product_short", args=[card.item_id])}
                        for card in page.results]
    # With a PIN code and an empty shelf, search_run has counted what is in stock elsewhere.
    context["undeliverable"] = page.undeliverable_count
    return PageBuild(TEMPLATE, context)
