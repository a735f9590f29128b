"""The home page: "Recommended for you" (a customer with personal results), "Popular near you"
(the PIN's state), "Trending now" (popular overall), "Recently viewed" (this browser's own product
views), each filtered to what is active, in stock and deliverable to the PIN, with delivery dates;
and the "Top rated right now" shelf from search, which also fills the page before any job has run.

An empty shelf says why: nothing in stock yet, nothing in stock reaches the visitor's PIN code
(with a way to choose another), or search can't answer just now.

The page is kept (shop.pagecache) per visitor (it greets them by name), PIN code and version of
search's answers (the index and the PIN's delivery estimates): the same visitor's next visit costs
one cache read until something on it changes (docs/decisions/0025). The key also names the
recommendation jobs' latest runs (new results show at once) and the visitor's recently viewed
items. Stock is filtered at build time, and search's version changes with every stock change, so an
item that sells out leaves every row with the next request.
"""

from __future__ import annotations

import logging
from typing import Any

from django.urls import reverse

from accounts.interface import current_pin_get
from logistics.interface import PinCodeError
from recommendations.cards import shelf_entries
from recommendations.selectors import latest_run_ids, popular_for, recently_viewed_for, recommendations_for
from recommendations.visitor import recently_viewed
from search.interface import SearchParams, SearchUnavailable, Sort, results_version, search_run
from shop.pagecache import PageBuild, cached_page, page_key

logger = logging.getLogger(__name__)
SHELF_SIZE = 12
TEMPLATE = "recommendations/home.html"


def home(request):
    pin = current_pin_get(request) or None
    version = results_version(pin)
    runs = latest_run_ids()
    recent = recently_viewed(request)
    key = (page_key("home", request.user.pk, pin, version, tuple(sorted(runs.items())), recent)
           if version else None)
    response, _ = cached_page(request, key=key, build=lambda: _home_build(pin, user_id=request.user.pk,
                                                                          recent=recent, runs=runs))
    return response


def _rows(pin: str | None, *, user_id: int | None, recent: tuple[int, ...], runs: dict) -> dict:
    """The recommendation rows; each is empty (and not shown) when there is nothing to show."""
    personal = recommendations_for(user_id, pin=pin, limit=SHELF_SIZE, runs=runs) if user_id else None
    near = popular_for(pin=pin, state=True, limit=SHELF_SIZE, runs=runs) if pin else None
    trending = popular_for(pin=pin, limit=SHELF_SIZE, runs=runs)
    viewed = recently_viewed_for(recent, pin=pin, limit=SHELF_SIZE)
    return {
        "recommended": shelf_entries(personal) if personal and personal.source == "personal" else [],
        "near": shelf_entries(near) if near else [],
        "near_note": f"What people in {near.state.title()} are buying." if near and near.state else "",
        "trending": shelf_entries(trending),
        "recent": shelf_entries(viewed),
    }


def _home_build(pin: str | None, *, user_id: int | None = None, recent: tuple[int, ...] = (),
                runs: dict | None = None) -> PageBuild:
    context: dict[str, Any] = {"shelf": [], "pin": pin, "undeliverable": 0, "unavailable": False}
    runs = runs or latest_run_ids()
    try:
        context.update(_rows(pin, user_id=user_id, recent=recent, runs=runs))
    except PinCodeError:  # an unknown PIN: the rows for all of India, as the shelf below does
        context.update(_rows(None, user_id=user_id, recent=recent, runs=runs))
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
