"""What other apps may use of recommendations: the behaviour event and its name on the bus (for
the producers: emit `behaviour_event_type(kind)` with `event.as_payload()`, the envelope carrying
the id and the time), the lake's writer, the batch jobs' latest results, and serving:

- `recommendations_for(user_id or visitor_id, category_id=, pin=, limit=)`: personal rows when
  the customer has enough, popular (their state's, then overall) otherwise; `also_bought_for`,
  `popular_for`, `recently_viewed_for`: each filtered to what is active, in stock and deliverable
  to the PIN, never what the customer just bought, mixed across brands and categories.
- `latest_run_ids()`: the run ids the answers come from, for keys of kept pages.
- `product_view_record(request, …)`: the product page's behaviour events (a view, a search click)
  `recently_viewed_remember(request, response, item_id)` keeps the browser's "Recently viewed"
  list (a cookie) and `recently_viewed(request)` reads it back.
"""

from recommendations.behaviour import BehaviourEvent, BehaviourType, behaviour_event_type
from recommendations.cards import shelf_entries
from recommendations.lake import lake_write
from recommendations.producers import SEARCH_REF, product_view_record, search_click_get
from recommendations.selectors import (
    RUNS_KEY,
    JobRunInfo,
    Recommendations,
    RecommendedItem,
    ScoredItem,
    also_bought_for,
    also_bought_items,
    customer_recommendations,
    latest_run,
    latest_run_ids,
    popular_for,
    popular_items,
    recently_viewed_for,
    recommendations_for,
)
from recommendations.visitor import recently_viewed, recently_viewed_remember, visitor_id

__all__ = [
    "RUNS_KEY",
    "SEARCH_REF",
    "BehaviourEvent",
    "BehaviourType",
    "JobRunInfo",
    "Recommendations",
    "RecommendedItem",
    "ScoredItem",
    "also_bought_for",
    "also_bought_items",
    "behaviour_event_type",
    "customer_recommendations",
    "lake_write",
    "latest_run",
    "latest_run_ids",
    "popular_for",
    "popular_items",
    "product_view_record",
    "recently_viewed",
    "recently_viewed_for",
    "recently_viewed_remember",
    "recommendations_for",
    "search_click_get",
    "shelf_entries",
    "visitor_id",
]
