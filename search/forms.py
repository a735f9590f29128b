"""The search page's query string → SearchParams. Prices are rupees here, paise in the API.

Filters and sorts are lenient: a value that doesn't parse is ignored (a stale or hand-edited link
still shows results). Two values are not, because ignoring them would silently show a different
search: a query that can't be searched as typed (longer than MAX_QUERY_LENGTH) is an error shown
with the search box, and a `page` that is not a page number is a page that doesn't exist.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django import forms
from django.http import QueryDict

from search.types import SearchParams, Sort

PER_PAGE = 24
MAX_VALUES = 20  # per repeated parameter
# The longest query searched, in characters after trimming: the search API's limit too
# (search/api/serializers.py, SearchInputSerializer.q). Longer is an error, never cut short.
MAX_QUERY_LENGTH = 200
PAGE_NUMBER = re.compile(r"\s*0*([1-9]\d{0,17})\s*")  # past the last page is the view's 404


class SearchForm(forms.Form):
    q = forms.CharField(required=False, max_length=MAX_QUERY_LENGTH, strip=True, error_messages={
        "max_length": "Your search is %(show_value)d characters long. Searches can be up to %(limit_value)d "
                      "characters: please shorten it.",
    })
    category = forms.IntegerField(required=False, min_value=1, max_value=2**63 - 1)
    price_min = forms.IntegerField(required=False, min_value=0, max_value=10_000_000)
    price_max = forms.IntegerField(required=False, min_value=0, max_value=10_000_000)
    rating = forms.IntegerField(required=False, min_value=1, max_value=4)
    sort = forms.ChoiceField(required=False, choices=[(s.value, s.value) for s in Sort])


@dataclass(frozen=True)
class SearchRequest:
    """What the page was asked: the search, and what stops it from being answered as asked."""

    params: SearchParams
    query_error: str = ""  # the query can't be searched as typed: say so, search nothing
    page_error: str = ""  # `page` is not a page number: there is no such page (404)


def attributes_parse(values: list[str]) -> dict[str, tuple[str, ...]]:
    """["colour:Black", "colour:Blue", "ram_gb:8"] → {"colour": ("Black", "Blue"), "ram_gb": ("8",)}."""
    parsed: dict[str, list[str]] = {}
    for raw in values[:MAX_VALUES]:
        code, sep, value = raw.partition(":")
        code, value = code.strip(), value.strip()
        if sep and code and value and value not in parsed.setdefault(code, []):
            parsed[code].append(value)
    return {code: tuple(v) for code, v in parsed.items() if v}


def page_parse(raw: str | None) -> int | None:
    """"3" → 3; missing or blank → 1; anything else ("abc", "-1", "0", "2.5") → None."""
    if raw is None or not raw.strip():
        return 1
    found = PAGE_NUMBER.fullmatch(raw)
    return int(found.group(1)) if found else None


def search_request_parse(data: QueryDict) -> SearchRequest:
    form = SearchForm(data)
    form.is_valid()
    page = page_parse(data.get("page"))
    params = _params(form, data, page=page or 1)
    return SearchRequest(
        params=params,
        query_error=" ".join(str(message) for message in form.errors.get("q", [])),
        page_error="" if page is not None else f"“{data.get('page', '').strip()[:20]}” isn’t a page number.",
    )


def params_from_query(data: QueryDict) -> SearchParams:
    """The search asked for, with anything that doesn't parse left out."""
    return search_request_parse(data).params


def _params(form: SearchForm, data: QueryDict, *, page: int) -> SearchParams:
    clean = {name: value for name, value in form.cleaned_data.items() if name not in form.errors}
    brands = tuple(dict.fromkeys(b.strip() for b in data.getlist("brand")[:MAX_VALUES] if b.strip()))
    price_min = clean.get("price_min")
    price_max = clean.get("price_max")
    if price_min is not None and price_max is not None and price_min > price_max:
        price_min, price_max = price_max, price_min
    return SearchParams(
        q=clean.get("q") or "",
        category_id=clean.get("category"),
        brands=brands,
        price_min_paise=price_min * 100 if price_min is not None else None,
        price_max_paise=price_max * 100 if price_max is not None else None,
        rating_min=float(clean["rating"]) if clean.get("rating") else None,
        attributes=attributes_parse(data.getlist("attr")),
        sort=Sort(clean["sort"]) if clean.get("sort") else Sort.RELEVANCE,
        page=page,
        per_page=PER_PAGE,
    )
