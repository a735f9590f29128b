"""The search page: GET /search/?q=… with facets, sort, delivery dates and pagination.

Every link on the page is a plain GET link (facets, sort, pages), so it works without
JavaScript; search/static/search/search.js only adds suggestions while typing and submits the
sort menu on change.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse

from accounts.interface import current_pin_get
from logistics.interface import PinCodeError
from search.backends.base import SearchUnavailable
from search.forms import params_from_query
from search.selectors import categories_by_id, search_run
from search.services import search_performed_record
from search.types import SORT_LABELS, SearchPage, SearchParams, Sort

logger = logging.getLogger(__name__)
PAGE_WINDOW = 2  # page links either side of the current one


def query_items(params: SearchParams, *, keep_page: bool = False) -> list[tuple[str, str]]:
    """The parameters of `params` as the page's query string names them (prices in rupees)."""
    items: list[tuple[str, str]] = []
    if params.q:
        items.append(("q", params.q))
    if params.category_id:
        items.append(("category", str(params.category_id)))
    items += [("brand", b) for b in params.brands]
    if params.price_min_paise is not None:
        items.append(("price_min", str(params.price_min_paise // 100)))
    if params.price_max_paise is not None:
        items.append(("price_max", str(params.price_max_paise // 100)))
    if params.rating_min:
        items.append(("rating", str(int(params.rating_min))))
    items += [("attr", f"{code}:{value}") for code, values in sorted(params.attributes.items()) for value in values]
    if params.sort != Sort.RELEVANCE:
        items.append(("sort", params.sort.value))
    if keep_page and params.page > 1:
        items.append(("page", str(params.page)))
    return items


class Links:
    """URLs of the page with one thing changed; filters always go back to page 1."""

    def __init__(self, base: str, params: SearchParams):
        self.base, self.params = base, params

    def url(self, params: SearchParams, *, keep_page: bool = False) -> str:
        items = query_items(params, keep_page=keep_page)
        return f"{self.base}?{urlencode(items)}" if items else self.base

    def changed(self, **changes) -> str:
        return self.url(replace(self.params, page=1, **changes))

    def toggle_brand(self, brand: str) -> str:
        brands = self.params.brands
        return self.changed(brands=tuple(b for b in brands if b != brand) if brand in brands else (*brands, brand))

    def toggle_attribute(self, code: str, value: str) -> str:
        attributes = {c: tuple(v) for c, v in self.params.attributes.items()}
        values = attributes.get(code, ())
        attributes[code] = tuple(v for v in values if v != value) if value in values else (*values, value)
        return self.changed(attributes={c: v for c, v in attributes.items() if v})

    def page(self, number: int) -> str:
        return self.url(replace(self.params, page=number), keep_page=True)


def product_url(item_id: int) -> str:
    try:
        return reverse("catalog:product_short", args=[item_id])
    except NoReverseMatch:  # the catalog's pages are not mounted (a test's own URLconf)
        return f"/p/{item_id}/"


def _facets(page: SearchPage, links: Links) -> list[dict]:
    params, out = page.params, []
    for group in page.facets:
        values = []
        for value in group.values:
            if group.kind == "category":
                url = links.changed(category_id=int(value.value))
            elif group.kind == "brand":
                url = links.toggle_brand(value.value)
            elif group.kind == "rating":
                url = links.changed(rating_min=None if value.selected else float(value.value))
            else:
                url = links.toggle_attribute(group.code, value.value)
            values.append({"label": value.label, "count": value.count, "selected": value.selected, "url": url,
                           "value": value.value})
        out.append({"code": group.code, "label": group.label, "kind": group.kind, "values": values,
                    "long": len(values) > 8, "active": any(v.selected for v in group.values)
                    or (group.kind == "category" and params.category_id is not None)})
    return out


def _chips(page: SearchPage, links: Links) -> list[dict]:
    """The filters in force, each with a link that removes it."""
    params, chips = page.params, []
    if page.category_trail:
        chips.append({"label": page.category_trail[-1].name, "url": links.changed(category_id=None)})
    chips += [{"label": b, "url": links.toggle_brand(b)} for b in params.brands]
    labels = {g.code: g for g in page.facets if g.kind == "attribute"}
    for code, values in sorted(params.attributes.items()):
        for value in values:
            group = labels.get(code)
            label = next((v.label for v in group.values if v.value == value), value) if group else value
            chips.append({"label": f"{group.label if group else code}: {label}",
                          "url": links.toggle_attribute(code, value)})
    if params.rating_min:
        chips.append({"label": f"{int(params.rating_min)}★ & up", "url": links.changed(rating_min=None)})
    if params.price_min_paise is not None or params.price_max_paise is not None:
        low = f"₹{params.price_min_paise // 100:,}" if params.price_min_paise is not None else "any"
        high = f"₹{params.price_max_paise // 100:,}" if params.price_max_paise is not None else "any"
        chips.append({"label": f"Price: {low} – {high}",
                      "url": links.changed(price_min_paise=None, price_max_paise=None)})
    return chips


def _pagination(page: SearchPage, links: Links) -> dict | None:
    if page.pages <= 1:
        return None
    current = page.params.page
    numbers = sorted({1, page.pages, *range(max(1, current - PAGE_WINDOW), min(page.pages, current + PAGE_WINDOW) + 1)})
    items, previous = [], 0
    for number in numbers:
        if number - previous > 1:
            items.append({"gap": True})
        items.append({"number": number, "url": links.page(number), "current": number == current})
        previous = number
    return {
        "items": items,
        "previous_url": links.page(current - 1) if page.has_previous else "",
        "next_url": links.page(current + 1) if page.has_next else "",
    }


def _hidden(params: SearchParams, *, drop: set[str]) -> list[tuple[str, str]]:
    """Hidden inputs that carry the rest of the search into a form (sort menu, price range)."""
    return [(name, value) for name, value in query_items(params) if name not in drop]


def search_page(request: HttpRequest) -> HttpResponse:
    params = params_from_query(request.GET)
    pin = current_pin_get(request) or None
    base = request.path
    links = Links(base, params)
    context: dict = {"params": params, "pin": pin}
    try:
        try:
            page = search_run(params, pin=pin)
        except PinCodeError as exc:
            context["pin_problem"] = str(exc)
            page = search_run(params, pin=None)
    except SearchUnavailable:
        logger.exception("Search is unavailable")
        return render(request, "search/unavailable.html", context, status=503)

    session = getattr(request, "session", None)
    search_performed_record(params=page.params, pin=page.pin, result_count=page.total,
                            user_id=request.user.pk if request.user.is_authenticated else None,
                            session_key=session.session_key if session is not None else None)

    links = Links(base, page.params)
    categories = categories_by_id()
    results = [{"card": card, "url": product_url(card.item_id)} for card in page.results]
    first = (page.params.page - 1) * page.params.per_page + 1
    context.update({
        "page": page,
        "params": page.params,
        "results": results,
        "first": first,
        "last": first + len(results) - 1,
        "facets": _facets(page, links),
        "chips": _chips(page, links),
        "clear_url": links.url(SearchParams(q=page.params.q)) if page.params.has_filters else "",
        "pagination": _pagination(page, links),
        "sort_options": [{"value": s.value, "label": label, "selected": s == page.params.sort,
                          "disabled": s == Sort.FASTEST and not page.pin}
                         for s, label in SORT_LABELS.items()],
        "sort_hidden": _hidden(page.params, drop={"sort", "page"}),
        "price_hidden": _hidden(page.params, drop={"price_min", "price_max", "page"}),
        "price_min": page.params.price_min_paise // 100 if page.params.price_min_paise is not None else "",
        "price_max": page.params.price_max_paise // 100 if page.params.price_max_paise is not None else "",
        "did_you_mean_url": links.url(SearchParams(q=page.did_you_mean)) if page.did_you_mean else "",
        "all_categories_url": links.changed(category_id=None) if page.params.category_id else "",
        "roots": [c for c in categories.values() if c.parent_id is None][:12],
        "base_url": base,
        "first_page_url": links.page(1),
        "category_name": page.category_trail[-1].name if page.category_trail else "",
    })
    return render(request, "search/results.html", context)
