"""What other apps may use of search: run a search, suggestions, and the event it emits.

Event: search.performed.v1 (key = user id, else session key), payload {query, filters, pin,
result_count, user_id, session}, for the recommendation jobs.

`category_results_page(request, ...)` is the search page for one category under its landing
header (catalog's category pages).

`results_version(pin)` names the index's version and the PIN's delivery estimates in one token,
for pages kept by what they show (shop.pagecache; None: don't keep); `INDEX_VERSION_KEY` is the
cache key it reads, for the page's prefetch.
"""

from search.backends.base import SearchUnavailable
from search.freshness import INDEX_VERSION_KEY, results_version
from search.selectors import did_you_mean_get, search_run, suggestions_get
from search.services import SEARCH_PERFORMED, items_reindex
from search.types import Delivery, FacetGroup, FacetValue, ResultCard, SearchPage, SearchParams, Sort, Suggestion
from search.views import category_results_page

__all__ = [
    "INDEX_VERSION_KEY",
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
    "results_version",
    "search_run",
    "suggestions_get",
]
