"""The search API (public: anyone may search). Thin: the serializer checks the input,
search.selectors answers, errors are problem JSON (shop.api)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.urls import NoReverseMatch, reverse
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.interface import current_pin_get
from logistics.interface import PinCodeError
from search.api.serializers import (
    SearchInputSerializer,
    SearchOutputSerializer,
    SuggestInputSerializer,
    SuggestOutputSerializer,
)
from search.backends.base import SearchUnavailable
from search.forms import attributes_parse
from search.freshness import results_version
from search.selectors import search_run, suggestions_get
from search.services import search_performed_record
from search.types import SearchParams, Sort, Suggestion
from shop.api import Problem, problems, query_data
from shop.pagecache import KeptAnswer, cached_answer, page_key

SEARCH_DOWN = "Search is unavailable just now; try again in a moment."


def _page_url() -> str:
    try:
        return reverse("search:results")
    except NoReverseMatch:
        return "/search/"


class SearchApi(APIView):
    permission_classes = [AllowAny]
    InputSerializer = SearchInputSerializer

    @extend_schema(
        operation_id="search", tags=["search"], parameters=[SearchInputSerializer],
        # auth=[{}]: no authentication (drf-spectacular's idiom; its hint admits only names).
        responses={200: SearchOutputSerializer, **problems(400, 503)}, auth=[{}],  # type: ignore[list-item]
        summary="Search products: typo-tolerant text, filters, facets, sorts, delivery dates",
        description=(
            "Only products in stock are found. With a PIN code (`pin`, else the visitor's chosen one) "
            "only products that some warehouse holding stock can deliver there are found, each with its "
            "delivery date. Facet counts for brand, rating and each attribute ignore their own filter. "
            "When nothing matches, `did_you_mean` may offer a corrected query. Every search is recorded "
            "(event search.performed.v1)."
        ),
    )
    def get(self, request):
        # Kept like the search page (docs/decisions/0025): by the query as asked, the PIN and the
        # version of search's answers. The input is checked when the answer is built: an answer is
        # kept only for a valid query (errors raise in `build` and are never kept), so a kept one
        # needs no second check.
        asked_pin = request.query_params.get("pin")
        pin = "".join(asked_pin.split()) if asked_pin else (current_pin_get(request._request) or None)
        version = results_version(pin)
        key = page_key("search-api", request.get_full_path(), pin, version) if version else None
        kept = cached_answer(key=key, build=lambda: _answer(self._params(request), pin))
        session = getattr(request, "session", None)
        search_performed_record(params=kept.facts["params"], pin=kept.facts["pin"], result_count=kept.facts["total"],
                                user_id=request.user.pk if request.user.is_authenticated else None,
                                session_key=session.session_key if session is not None else None)
        return Response(kept.data)

    def _params(self, request) -> SearchParams:
        data = self.InputSerializer(data=query_data(self.InputSerializer, request.query_params))
        data.is_valid(raise_exception=True)
        given = data.validated_data
        return SearchParams(
            q=given["q"].strip(),
            category_id=given.get("category"),
            brands=tuple(dict.fromkeys(b.strip() for b in given.get("brand", []) if b.strip())),
            price_min_paise=given.get("price_min_paise"),
            price_max_paise=given.get("price_max_paise"),
            rating_min=(float(given["rating_min"]) or None) if given.get("rating_min") else None,
            attributes=attributes_parse(given.get("attr", [])),
            sort=Sort(given["sort"]),
            page=given["page"],
            per_page=given["per_page"],
        )


def _answer(params: SearchParams, pin: str | None) -> KeptAnswer:
    try:
        page = search_run(params, pin=pin)
    except PinCodeError as exc:
        raise exceptions.ValidationError({"pin": [str(exc)]}) from exc
    except SearchUnavailable as exc:
        raise Problem(503, SEARCH_DOWN, "search-unavailable") from exc
    return KeptAnswer(data=SearchOutputSerializer(page).data,
                      facts={"params": page.params, "pin": page.pin, "total": page.total})


def suggestion_url(suggestion: Suggestion, base: str) -> str:
    if suggestion.kind == "brand":
        return f"{base}?{urlencode({'brand': suggestion.text})}"
    if suggestion.kind == "category":
        return f"{base}?{urlencode({'category': suggestion.category_id})}"
    return f"{base}?{urlencode({'q': suggestion.text})}"


class SearchSuggestApi(APIView):
    permission_classes = [AllowAny]
    InputSerializer = SuggestInputSerializer

    @extend_schema(
        operation_id="search_suggest", tags=["search"], parameters=[SuggestInputSerializer],
        responses={200: SuggestOutputSerializer, **problems(400, 503)}, auth=[{}],  # type: ignore[list-item]  # as above
        summary="Suggestions as the customer types: brands, categories, then products",
        description="The last word counts as a prefix at any length; typos are tolerated as in search. "
                    "Not recorded as a search.",
    )
    def get(self, request):
        data = self.InputSerializer(data=query_data(self.InputSerializer, request.query_params))
        data.is_valid(raise_exception=True)
        text = data.validated_data["q"].strip()
        try:
            suggestions = suggestions_get(text, limit=data.validated_data["limit"])
        except SearchUnavailable as exc:
            raise Problem(503, SEARCH_DOWN, "search-unavailable") from exc
        base = _page_url()
        return Response(SuggestOutputSerializer({
            "query": text,
            "suggestions": [{"text": s.text, "kind": s.kind, "item_id": s.item_id, "category_id": s.category_id,
                             "url": suggestion_url(s, base)} for s in suggestions],
        }).data)
