"""The search page's query string → SearchParams. Lenient: a value that doesn't parse is ignored
(the page still answers), never a 400. Prices are rupees here, paise in the API."""

from __future__ import annotations

from django import forms
from django.http import QueryDict

from search.types import MAX_PAGE, SearchParams, Sort

PER_PAGE = 24
MAX_VALUES = 20  # per repeated parameter


class SearchForm(forms.Form):
    q = forms.CharField(required=False, max_length=200, strip=True)
    category = forms.IntegerField(required=False, min_value=1, max_value=2**63 - 1)
    price_min = forms.IntegerField(required=False, min_value=0, max_value=10_000_000)
    price_max = forms.IntegerField(required=False, min_value=0, max_value=10_000_000)
    rating = forms.IntegerField(required=False, min_value=1, max_value=4)
    sort = forms.ChoiceField(required=False, choices=[(s.value, s.value) for s in Sort])
    page = forms.IntegerField(required=False, min_value=1, max_value=MAX_PAGE)


def attributes_parse(values: list[str]) -> dict[str, tuple[str, ...]]:
    """["colour:Black", "colour:Blue", "ram_gb:8"] → {"colour": ("Black", "Blue"), "ram_gb": ("8",)}."""
    parsed: dict[str, list[str]] = {}
    for raw in values[:MAX_VALUES]:
        code, sep, value = raw.partition(":")
        code, value = code.strip(), value.strip()
        if sep and code and value and value not in parsed.setdefault(code, []):
            parsed[code].append(value)
    return {code: tuple(v) for code, v in parsed.items() if v}


def params_from_query(data: QueryDict) -> SearchParams:
    form = SearchForm(data)
    form.is_valid()
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
        page=clean.get("page") or 1,
        per_page=PER_PAGE,
    )
