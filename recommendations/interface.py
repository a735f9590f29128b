"""What other apps may use of recommendations: the behaviour event and its name on the bus (for
the producers of issue 9: emit `behaviour_event_type(kind)` with `event.as_payload()`, the envelope
carrying the id and the time), the lake's writer, and the batch jobs' latest results."""

from recommendations.behaviour import BehaviourEvent, BehaviourType, behaviour_event_type
from recommendations.lake import lake_write
from recommendations.selectors import (
    JobRunInfo,
    ScoredItem,
    also_bought_items,
    customer_recommendations,
    latest_run,
    popular_items,
)

__all__ = [
    "BehaviourEvent",
    "BehaviourType",
    "JobRunInfo",
    "ScoredItem",
    "also_bought_items",
    "behaviour_event_type",
    "customer_recommendations",
    "lake_write",
    "latest_run",
    "popular_items",
]
