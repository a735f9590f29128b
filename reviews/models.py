"""Ratings and reviews of items by the customers who received them.

Items and users are other apps' rows: kept as ids (no foreign keys across apps). Who wrote a review
is shown by `author_name`, a snapshot of the customer's first name taken when it was written, so a
page of reviews reads no other app's tables. The rules (who may review, vote, reply, hide) live in
reviews/services.py; these tables only hold what cannot be wrong whoever writes them.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

RATING_MIN, RATING_MAX = 1, 5


class Review(models.Model):
    """One customer's rating and words about one item: one per (item, customer), editable."""

    item_id = models.BigIntegerField()
    user_id = models.BigIntegerField()
    author_name = models.CharField(max_length=100, help_text="As shown on the page (the customer's first name).")
    rating = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=120)
    body = models.TextField(blank=True)
    helpful_count = models.PositiveIntegerField(default=0, help_text="Helpful votes (HelpfulVote rows), kept by "
                                                                     "the voting service for sorting.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    edited_at = models.DateTimeField(null=True, blank=True, help_text="When the customer last changed it.")
    hidden_at = models.DateTimeField(null=True, blank=True)
    hidden_reason = models.CharField(max_length=300, blank=True)
    hidden_by = models.BigIntegerField(null=True, blank=True, help_text="The staff user who hid it.")

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["item_id", "user_id"], name="review_one_per_item_and_customer"),
            models.CheckConstraint(condition=Q(rating__gte=RATING_MIN, rating__lte=RATING_MAX),
                                   name="review_rating_1_to_5"),
            models.CheckConstraint(condition=~Q(title=""), name="review_title_not_empty"),
            models.CheckConstraint(condition=Q(hidden_at__isnull=True) | ~Q(hidden_reason=""),
                                   name="review_hidden_with_a_reason"),
        ]
        indexes = [
            models.Index(fields=["item_id", "-helpful_count", "-created_at"], name="review_item_helpful"),
            models.Index(fields=["item_id", "-created_at"], name="review_item_newest"),
            models.Index(fields=["user_id"], name="review_by_user"),
        ]

    def __str__(self) -> str:
        return f"{self.rating}★ “{self.title}” (item {self.item_id})"

    @property
    def is_hidden(self) -> bool:
        return self.hidden_at is not None


class ReviewPicture(models.Model):
    """A picture the customer uploaded with the review, stored under MEDIA_ROOT/reviews/."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="pictures")
    file = models.FileField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.file.name or ""


class SellerReply(models.Model):
    """The item's seller's public answer to a review: one per review, the seller may rewrite it."""

    review = models.OneToOneField(Review, on_delete=models.CASCADE, related_name="reply")
    seller_id = models.BigIntegerField()
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "seller replies"
        constraints = [models.CheckConstraint(condition=~Q(body=""), name="seller_reply_not_empty")]

    def __str__(self) -> str:
        return f"reply to review {self.review_id}"


class HelpfulVote(models.Model):
    """A customer found a review helpful: once per review and customer."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="helpful_votes")
    user_id = models.BigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        # Its index also answers "which of these reviews has this customer voted for".
        constraints = [models.UniqueConstraint(fields=["review", "user_id"], name="helpful_vote_once_per_customer")]

    def __str__(self) -> str:
        return f"user {self.user_id} found review {self.review_id} helpful"
