"""The plain values reviews hands to pages and to other apps (through reviews.interface)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal


@dataclass(frozen=True)
class StarCount:
    """One bar of the distribution: how many visible reviews gave `stars`, and their share."""

    stars: int
    count: int
    percent: int  # 0-100, rounded
    bar: int  # the percent in steps of 5, for the bar's width class

    @property
    def label(self) -> str:
        return f"{self.stars} star{'' if self.stars == 1 else 's'}"


@dataclass(frozen=True)
class RatingSummary:
    """An item's visible reviews in numbers: the average (one decimal, 0.0 when none), how many,
    and the 5 → 1 star distribution."""

    item_id: int
    average: Decimal
    count: int
    distribution: tuple[StarCount, ...]


@dataclass(frozen=True)
class ReplyCard:
    body: str
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class ReviewCard:
    """A visible review as a page shows it to one visitor (`voted`, `mine`: that visitor's)."""

    review_id: int
    item_id: int
    rating: int
    title: str
    body: str
    author_name: str
    created_at: datetime
    edited_at: datetime | None
    helpful_count: int
    pictures: tuple[str, ...]
    reply: ReplyCard | None
    voted: bool = False
    mine: bool = False

    @property
    def stars(self) -> str:
        return "★" * self.rating + "☆" * (5 - self.rating)


@dataclass(frozen=True)
class ProductReviews:
    """The product page's Reviews section for one visitor."""

    summary: RatingSummary
    top: tuple[ReviewCard, ...]
    my_review_id: int | None  # the visitor's own review, hidden or not
    can_write: bool  # the visitor received the item and has not reviewed it yet
    is_seller: bool  # the visitor sells the item: may reply, may not review or vote
