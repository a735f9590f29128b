"""What other apps may use of reviews.

Event: `reviews.review_changed.v1` (REVIEW_CHANGED; key and payload["item_id"]: the item; also
"review_id" and "change": created | edited | hidden | shown) whenever something that moves an
item's rating changes. A consumer re-reads `rating_summary(item_id=)`, which counts visible
reviews only, so a late or repeated event can't put an old figure back.

The product page's Reviews section: `product_reviews(item_id=, seller_id=, viewer_id=)`, rendered
by the template "reviews/_product_section.html" (with `reviews=` that value, `item=` the snapshot).
`can_review(item_id=, user_id=, seller_id=)` says whether the viewer may write one, and
`may_review_version(user_id=)` changes whenever that answer may (no query);
`reviews_version(item_id)` changes with every write to the item's reviews, votes, replies or
pictures, for pages kept by what they show (`reviews_version_key(item_id)`: its cache key, for a
page's prefetch).
"""

from reviews.selectors import can_review, may_review_version, product_reviews, rating_summaries, rating_summary
from reviews.services import REVIEW_CHANGED
from reviews.signals import reviews_version, reviews_version_key
from reviews.types import ProductReviews, RatingSummary, ReplyCard, ReviewCard, StarCount

__all__ = [
    "REVIEW_CHANGED",
    "ProductReviews",
    "RatingSummary",
    "ReplyCard",
    "ReviewCard",
    "StarCount",
    "can_review",
    "may_review_version",
    "product_reviews",
    "rating_summaries",
    "rating_summary",
    "reviews_version",
    "reviews_version_key",
]
