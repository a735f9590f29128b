"""Reads of reviews: an item's rating summary, pages of its visible reviews, a visitor's view."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from decimal import ROUND_HALF_UP, Decimal

from django.core.paginator import Page, Paginator
from django.db.models import Count, Prefetch, QuerySet

from orders.interface import ArchiveUnavailable, delivered_item_ids, orders_version
from reviews.models import RATING_MAX, RATING_MIN, HelpfulVote, Review, ReviewPicture
from reviews.types import ProductReviews, RatingSummary, ReplyCard, ReviewCard, StarCount

logger = logging.getLogger(__name__)

TENTH = Decimal("0.1")
PER_PAGE = 10
TOP_REVIEWS = 4
# Most helpful first; ties go to the newer review. Each ends with -id so pages never overlap.
SORTS = {
    "helpful": ("Most helpful", ("-helpful_count", "-created_at", "-id")),
    "newest": ("Newest", ("-created_at", "-id")),
    "highest": ("Highest rating", ("-rating", "-helpful_count", "-created_at", "-id")),
    "lowest": ("Lowest rating", ("rating", "-helpful_count", "-created_at", "-id")),
}
DEFAULT_SORT = "helpful"


def visible_reviews() -> QuerySet[Review]:
    """Reviews customers see and ratings count: those staff have not hidden."""
    return Review.objects.filter(hidden_at__isnull=True)


def _summary(item_id: int, counts: dict[int, int]) -> RatingSummary:
    total = sum(counts.values())
    average = (Decimal(sum(stars * n for stars, n in counts.items())) / total).quantize(TENTH, ROUND_HALF_UP) \
        if total else Decimal("0.0")
    distribution = []
    for stars in range(RATING_MAX, RATING_MIN - 1, -1):
        n = counts.get(stars, 0)
        percent = round(100 * n / total) if total else 0
        distribution.append(StarCount(stars=stars, count=n, percent=percent, bar=5 * round(percent / 5)))
    return RatingSummary(item_id=item_id, average=average, count=total, distribution=tuple(distribution))


def rating_summaries(*, item_ids: Iterable[int]) -> dict[int, RatingSummary]:
    """Every given item's summary of its visible reviews (an item without any: 0.0 from 0). One query."""
    ids = {int(i) for i in item_ids}
    counts: dict[int, dict[int, int]] = {i: {} for i in ids}
    rows = (visible_reviews().filter(item_id__in=ids).values("item_id", "rating")
            .annotate(n=Count("id")).order_by())
    for row in rows:
        counts[row["item_id"]][row["rating"]] = row["n"]
    return {item_id: _summary(item_id, c) for item_id, c in counts.items()}


def rating_summary(*, item_id: int) -> RatingSummary:
    return rating_summaries(item_ids=[item_id])[int(item_id)]


def reviewed_item_ids() -> list[int]:
    """Every item that has a review, visible or hidden (for a recount)."""
    return list(Review.objects.order_by("item_id").values_list("item_id", flat=True).distinct())


def _with_extras(reviews: QuerySet[Review]) -> QuerySet[Review]:
    return reviews.select_related("reply").prefetch_related(
        Prefetch("pictures", queryset=ReviewPicture.objects.order_by("id")))


def review_cards(reviews: Sequence[Review], *, viewer_id: int | None) -> list[ReviewCard]:
    """Loaded reviews (with `_with_extras`) as cards for one visitor: one query for their votes."""
    voted: set[int] = set()
    if viewer_id is not None and reviews:
        voted = set(HelpfulVote.objects.filter(user_id=viewer_id, review_id__in=[r.pk for r in reviews])
                    .values_list("review_id", flat=True))
    cards = []
    for review in reviews:
        reply = getattr(review, "reply", None)
        cards.append(ReviewCard(
            review_id=review.pk, item_id=review.item_id, rating=review.rating, title=review.title, body=review.body,
            author_name=review.author_name, created_at=review.created_at, edited_at=review.edited_at,
            helpful_count=review.helpful_count, pictures=tuple(p.file.url for p in review.pictures.all()),
            reply=ReplyCard(reply.body, reply.created_at, reply.updated_at) if reply else None,
            voted=review.pk in voted, mine=viewer_id is not None and review.user_id == viewer_id,
        ))
    return cards


def review_page(*, item_id: int, sort: str = DEFAULT_SORT, number: int | str = 1, per_page: int = PER_PAGE) -> Page:
    """One page of the item's visible reviews in `sort` order (raises django's InvalidPage past the
    end, or for a `number` that is not one; page 1 of none is an empty page)."""
    ordering = SORTS.get(sort, SORTS[DEFAULT_SORT])[1]
    reviews = _with_extras(visible_reviews().filter(item_id=item_id).order_by(*ordering))
    return Paginator(reviews, per_page, allow_empty_first_page=True).page(number)


def review_get(*, review_id: int, visible_only: bool = True) -> Review | None:
    reviews = visible_reviews() if visible_only else Review.objects.all()
    return _with_extras(reviews).filter(pk=review_id).first()


def review_of(*, item_id: int, user_id: int) -> Review | None:
    """The customer's own review of the item, hidden or not, with its pictures."""
    return _with_extras(Review.objects.filter(item_id=item_id, user_id=user_id)).first()


def can_review(*, item_id: int, user_id: int, seller_id: int) -> bool:
    """For pages: the customer received the item (a delivered order line, live or archived) and
    does not sell it. Archived orders come from orders' short-lived per-customer cache, so a page
    never reads a loyal customer's whole archive; the write page asks afresh (services). When the
    archive can't be asked, no (the write page says why)."""
    if user_id == seller_id:
        return False
    try:
        return item_id in delivered_item_ids(user_id=user_id, item_ids=[item_id], fresh=False)
    except ArchiveUnavailable:
        logger.warning("Order archive unavailable: can't tell whether user %s received item %s", user_id, item_id)
        return False


def may_review_version(*, user_id: int) -> str:
    """A token that changes whenever what `can_review` answers for the customer may change: their
    orders' statuses (a delivery). Their own review changes `reviews_version`. No query."""
    return orders_version(user_id=user_id)


def product_reviews(*, item_id: int, seller_id: int, viewer_id: int | None, top: int = TOP_REVIEWS,
                    may_review: bool | None = None) -> ProductReviews:
    """What the product page shows of the reviews: the summary, the most helpful few, and what this
    visitor may do (write, edit, reply). `may_review`: `can_review`'s answer, when the caller has it."""
    summary = rating_summary(item_id=item_id)
    best = list(_with_extras(visible_reviews().filter(item_id=item_id).order_by(*SORTS["helpful"][1]))[:top]) \
        if summary.count else []
    mine = None
    can_write = False
    if viewer_id is not None and viewer_id != seller_id:
        mine = Review.objects.filter(item_id=item_id, user_id=viewer_id).values_list("pk", flat=True).first()
        if may_review is None:
            may_review = can_review(item_id=item_id, user_id=viewer_id, seller_id=seller_id)
        can_write = mine is None and may_review
    return ProductReviews(summary=summary, top=tuple(review_cards(best, viewer_id=viewer_id)), my_review_id=mine,
                          can_write=can_write, is_seller=viewer_id is not None and viewer_id == seller_id)
