"""The search page: GET /search/?q=… with facets, sort, delivery dates and pagination.

Every link on the page is a plain GET link (facets, sort, pages), so it works without
JavaScript; search/static/search/search.js only adds suggestions while typing and submits the
sort menu on change.

What the page says at its edges: a query longer than the search API allows is a 400 with the
search box and the error (never a silently different search); a page that doesn't exist (past
the last, or not a number) is a 404 with links to the last and first pages; results found only
by typo tolerance say so, with the spelling the results use ("Did you mean"); with a PIN code
nothing reaches, the empty state says that once, with a way to choose another PIN code.

A category's landing page (catalog's /c/<path>/) is this page for one category, with the
category's header (breadcrumbs, sub-categories, top brands) above the results: see
`category_results_page`. Its links keep to the landing page and leave the category out.
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
from search.forms import MAX_QUERY_LENGTH, search_request_parse
from search.freshness import results_version
from search.selectors import categories_by_id, respelling_get, search_run
from search.services import search_performed_record
from search.text import MAX_QUERY_WORDS, tokens
from search.types import MAX_PAGE, SORT_LABELS, SearchPage, SearchParams, Sort
from shop.money import format_inr
from shop.pagecache import PageBuild, cached_page, kept_page, page_compose, page_key

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
    """URLs of the page with one thing changed; filters always go back to page 1.

    On a category's landing page (`landing`) the category is the page's own, not a parameter,
    and choosing another category goes to that category's landing page.
    """

    def __init__(self, base: str, params: SearchParams, *, landing: bool = False):
        self.base, self.params, self.landing = base, params, landing

    def url(self, params: SearchParams, *, keep_page: bool = False) -> str:
        items = query_items(params, keep_page=keep_page)
        if self.landing:
            items = [(name, value) for name, value in items if name != "category"]
        return f"{self.base}?{urlencode(items)}" if items else self.base

    def category(self, category_id: int | None) -> str:
        if not self.landing or category_id is None:
            return self.changed(category_id=category_id)
        items = [(n, v) for n, v in query_items(replace(self.params, page=1)) if n != "category"]
        base = category_url(category_id)
        return f"{base}?{urlencode(items)}" if items else base

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


def category_url(category_id: int) -> str:
    """A category's landing page (catalog's page); the search page for it if unknown here."""
    category = categories_by_id().get(category_id)
    if category is None:
        return f"/search/?category={category_id}"
    try:
        return reverse("catalog:category", kwargs={"category_path": category.path})
    except NoReverseMatch:
        return f"/c/{category.path}/"


def _facets(page: SearchPage, links: Links) -> list[dict]:
    params, out = page.params, []
    for group in page.facets:
        values = []
        for value in group.values:
            if group.kind == "category":
                url = links.category(int(value.value))
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
    if page.category_trail and not links.landing:
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
        low = format_inr(params.price_min_paise, empty="any")
        high = format_inr(params.price_max_paise, empty="any")
        chips.append({"label": f"Price: {low} – {high}",
                      "url": links.changed(price_min_paise=None, price_max_paise=None)})
    return chips


def _pagination(page: SearchPage, links: Links) -> dict | None:
    if page.pages <= 1:
        return None
    current = page.params.page
    numbers = sorted({1, page.pages, *range(max(1, current - PAGE_WINDOW), min(page.pages, current + PAGE_WINDOW) + 1)})
    items: list[dict[str, object]] = []
    previous = 0
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


def category_results_page(request: HttpRequest, *, category_id: int, name: str, crumbs: list[dict],
                          children: list[dict]) -> HttpResponse:
    """The results page for one category, under its landing header: `crumbs` ({name, url}, the
    last one the category's, without url) and `children` ({name, url}) as the catalog has them."""
    return search_page(request, landing={"category_id": category_id, "name": name, "crumbs": crumbs,
                                         "children": children})


def _top_brands(page: SearchPage, links: Links, limit: int = 8) -> list[dict]:
    group = next((g for g in page.facets if g.kind == "brand"), None)
    values = sorted(group.values, key=lambda v: (-v.count, v.label.casefold()))[:limit] if group else []
    return [{"label": v.label, "count": v.count, "selected": v.selected, "url": links.toggle_brand(v.value)}
            for v in values]


def search_page(request: HttpRequest, *, landing: dict | None = None) -> HttpResponse:
    pin = current_pin_get(request) or None
    version = results_version(pin)
    key = page_key("search", request.get_full_path(), pin, version, repr(landing)) if version else None
    # A page is kept only for a query that passed the checks below, under a key naming the exact
    # path: a kept one needs no second parse.
    kept = kept_page(key)
    response, facts = ((page_compose(request, kept), kept.facts) if kept is not None
                       else _search_page_build(request, key=key, pin=pin, landing=landing))
    if facts.get("recorded"):
        session = getattr(request, "session", None)
        search_performed_record(params=facts["params"], pin=facts["pin"], result_count=facts["total"],
                                user_id=request.user.pk if request.user.is_authenticated else None,
                                session_key=session.session_key if session is not None else None)
    return response


def _search_page_build(request: HttpRequest, *, key: str | None, pin: str | None,
                       landing: dict | None) -> tuple[HttpResponse, dict]:
    asked = search_request_parse(request.GET)
    params = asked.params
    if landing is not None:
        params = replace(params, category_id=landing["category_id"])
    base = request.path
    links = Links(base, params, landing=landing is not None)
    context: dict = {"params": params, "pin": pin, "base_url": base, "max_query_length": MAX_QUERY_LENGTH,
                     "landing": landing}
    if asked.query_error:
        return _query_refused(request, asked.query_error, context), {}
    if asked.page_error:
        build = _no_such_page_build(context, heading="There’s no such page of these results",
                                    detail=asked.page_error, first_url=links.page(1))
        return render(request, build.template, build.context, status=build.status), {}
    return cached_page(request, key=key, build=lambda: _results_build(params, pin, landing, context))


def _results_build(params: SearchParams, pin: str | None, landing: dict | None, context: dict) -> PageBuild:
    """The results page for `params` (kept by shop.pagecache under the index's version), or the
    page that says why there are none to show."""
    base = context["base_url"]
    try:
        try:
            page = search_run(params, pin=pin)
        except PinCodeError as exc:
            context["pin_problem"] = str(exc)
            page = search_run(params, pin=None)
    except SearchUnavailable:
        logger.exception("Search is unavailable")
        return PageBuild("search/unavailable.html", context, status=503, keep=False)

    links = Links(base, page.params, landing=landing is not None)
    if page.params.page > page.pages:
        return _past_the_last_page(page, links, context)

    categories = categories_by_id()
    first = (page.params.page - 1) * page.params.per_page + 1
    # A result's link says it came from a search and where it stood; the product page records the
    # click (recommendations' behaviour events) and the query from the Referer, this page's URL.
    ref = (lambda n: f"?ref=search&pos={first + n}") if page.params.q.strip() else (lambda n: "")
    results = [{"card": card, "url": product_url(card.item_id) + ref(n)} for n, card in enumerate(page.results)]
    respelling = respelling_get(page) if results else None
    words = tokens(page.params.q, limit=MAX_QUERY_WORDS + 1)
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
        "respelling": respelling.query if respelling else "",
        "respelling_url": links.changed(q=respelling.query) if respelling else "",
        "words_searched": " ".join(words[:MAX_QUERY_WORDS]) if len(words) > MAX_QUERY_WORDS else "",
        "max_query_words": MAX_QUERY_WORDS,
        "all_categories_url": links.changed(category_id=None) if page.params.category_id else "",
        "roots": [c for c in categories.values() if c.parent_id is None][:12],
        "first_page_url": links.page(1),
        "category_name": page.category_trail[-1].name if page.category_trail else "",
    })
    if landing is not None:
        context["landing"] = {**landing, "brands": _top_brands(page, links)}
    # Every search shown is recorded, from the kept page too: the facts travel with it.
    return PageBuild("search/results.html", context,
                     facts={"recorded": True, "params": page.params, "pin": page.pin, "total": page.total})


def _query_refused(request: HttpRequest, error: str, context: dict) -> HttpResponse:
    """A query that can't be searched as typed (too long): the search box again, with the
    error, and no search at all (not a different, silently shortened one). 400: the request
    can't be answered as sent."""
    typed = request.GET.get("q", "")
    context.update({
        "query_error": error,
        "query_too_long": len(typed.strip()) > MAX_QUERY_LENGTH,
        "typed": typed[:MAX_QUERY_LENGTH * 5],
        "query_hidden": _hidden(context["params"], drop={"q", "page"}),
    })
    return render(request, "search/query_error.html", context, status=400)


def _past_the_last_page(page: SearchPage, links: Links, context: dict) -> PageBuild:
    """A page number past the results' last page: a 404 that says how many pages there are
    and links to the last and the first (a link can outlive its page: results change as
    items sell out)."""
    params, number = page.params, page.params.page
    shown = f"page {number:,}" if number <= 10**6 else "a page that far"
    heading = f"There’s no {shown} of these results"
    if not page.total:
        detail = f"Nothing matches “{params.q}”." if params.q else "Nothing matches these filters."
        return _no_such_page_build(context, heading=heading, detail=detail, first_url=links.page(1),
                                   first_label="Back to the search")
    whose = f"“{params.q}” has" if params.q else "These results have"
    detail = f"{whose} {page.pages:,} page{'s' if page.pages != 1 else ''}."
    if page.pages == MAX_PAGE and page.total > MAX_PAGE * params.per_page:
        detail = (f"We show the first {MAX_PAGE} pages of {page.total:,} results. Add a word or a filter "
                  "to narrow them down.")
    return _no_such_page_build(context, heading=heading, detail=detail, first_url=links.page(1),
                               last_url=links.page(page.pages) if page.pages > 1 else "", last_number=page.pages)


def _no_such_page_build(context: dict, *, heading: str, first_url: str, detail: str = "",
                        first_label: str = "Go to the first page", last_url: str = "",
                        last_number: int = 0) -> PageBuild:
    """There is no such page of results (404, like Django's paginated views), with a way on."""
    context.update({"heading": heading, "detail": detail, "first_url": first_url, "first_label": first_label,
                    "last_url": last_url, "last_number": last_number})
    return PageBuild("search/no_such_page.html", context, status=404)
