"""What other apps may use of search: run a search, suggestions, and the event it emits.

Event: search.performed.v1 (key = user id, else session key), payload {query, filters, pin,
result_count, user_id, session}, for the recommendation jobs.

`category_results_page(request, ...)` is the search page for one category under its landing
header (catalog's category pages).
"""

from search.backends.base import SearchUnavailable
from search.selectors import did_you_mean_get, search_run, suggestions_get
from search.services import SEARCH_PERFORMED, items_reindex
from search.types import Delivery, FacetGroup, FacetValue, ResultCard, SearchPage, SearchParams, Sort, Suggestion
from search.views import category_results_page

__all__ = [
    "SEARCH_PERFORMED",
    "Delivery",
    "FacetGroup",
    "FacetValue",
    "ResultCard",
    "SearchPage",
    "SearchParams",
    "SearchUnavailable",
    "Sort",
    "Suggestion",
    "category_results_page",
    "did_you_mean_get",
    "items_reindex",
    "search_run",
    "suggestions_get",
]
