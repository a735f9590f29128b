"""Writes of reviews, one function per use case; every change that moves an item's rating emits
`reviews.review_changed.v1` (key and payload: the item id) in its transaction.

The rules:
- Only a customer who received the item (a line of a delivered order, live or archived: asked of
  orders.interface) may review it, once; the seller of the item may not. They may edit it.
- Pictures are recognised by their first bytes (JPEG, PNG, GIF, WebP), at most PICTURES_MAX per
  review and PICTURE_MAX_BYTES each, stored under MEDIA_ROOT/reviews/<item id>/.
- A customer finds a review helpful once, never their own, never a hidden one.
- Only the item's seller (catalog.interface) replies, once per review (a second reply rewrites it).
- Staff hide a review with a reason, and may show it again. Hidden reviews don't count.

Reading the catalog and the order archive may be network calls: they happen before any
transaction opens. Errors a customer can fix or should be told about are ReviewError, with the
form field they belong to.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final

from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from accounts.interface import profile_get
from catalog.interface import item_get
from events.interface import emit
from orders.interface import ArchiveUnavailable, delivered_item_ids
from reviews.models import RATING_MAX, RATING_MIN, HelpfulVote, Review, ReviewPicture, SellerReply

logger = logging.getLogger(__name__)

REVIEW_CHANGED: Final = "reviews.review_changed.v1"
TITLE_MAX = 120
BODY_MAX = 5000
REPLY_MAX = 2000
HIDE_REASON_MAX = 300
PICTURES_MAX = 5
PICTURE_MAX_BYTES = 5 * 1024 * 1024
# What a customer may upload: recognised by its first bytes, not its name (as catalog's pictures).
PICTURE_SIGNATURES = {b"\xff\xd8\xff": "jpg", b"\x89PNG\r\n\x1a\n": "png", b"GIF87a": "gif", b"GIF89a": "gif"}


class ReviewError(Exception):
    """Something the customer (or seller, or staff) is told, next to `field` when it has one."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message, self.field = message, field


class ReviewNotFound(ReviewError):
    """No such review, or not one this person may see or change (never told apart)."""

    def __init__(self, message: str = "That review can't be found.") -> None:
        super().__init__(message)


class NotEligible(ReviewError):
    """The customer has not received the item (or sells it)."""


class AlreadyReviewed(ReviewError):
    def __init__(self) -> None:
        super().__init__("You have reviewed this item already; you can edit your review.")


class NotAllowed(ReviewError):
    """The person may not do this to this review (their own review, another seller's item)."""


@dataclass(frozen=True)
class _Picture:
    upload: UploadedFile
    extension: str


def _picture_extension(head: bytes) -> str | None:
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    return next((ext for magic, ext in PICTURE_SIGNATURES.items() if head.startswith(magic)), None)


def _pictures_check(uploads: Iterable[UploadedFile], *, room: int) -> list[_Picture]:
    uploads = list(uploads)
    if len(uploads) > room:
        left = "no more pictures" if room <= 0 else f"at most {room} more picture{'' if room == 1 else 's'}"
        raise ReviewError(f"A review has at most {PICTURES_MAX} pictures: you can add {left}.", field="pictures")
    checked = []
    for upload in uploads:
        name = upload.name or "a file"
        # Django gives every upload a view receives its size; one without is refused, not taken unmeasured.
        if upload.size is None or upload.size > PICTURE_MAX_BYTES:
            raise ReviewError(f"{name} is larger than {PICTURE_MAX_BYTES // (1024 * 1024)} MB.", field="pictures")
        head = upload.read(16)
        upload.seek(0)
        extension = _picture_extension(head)
        if extension is None:
            raise ReviewError(f"{name} is not a JPEG, PNG, GIF or WebP picture.", field="pictures")
        checked.append(_Picture(upload, extension))
    return checked


def _pictures_store(item_id: int, pictures: Sequence[_Picture]) -> list[str]:
    """Into storage before the rows that name them are written; `_files_delete` undoes it."""
    names: list[str] = []
    try:
        for picture in pictures:
            names.append(default_storage.save(f"reviews/{item_id}/{uuid.uuid4().hex}.{picture.extension}",
                                              picture.upload))
    except BaseException:
        _files_delete(names)
        raise
    return names


def _files_delete(names: Iterable[str]) -> None:
    for name in names:
        try:
            default_storage.delete(name)
        except Exception:  # a file left behind costs disk, never the customer's request
            logger.exception("Could not delete the review picture %s", name)


def _text(value: str, *, field: str, label: str, limit: int, required: bool) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ReviewError(f"Please write {label}.", field=field)
    if len(value) > limit:
        raise ReviewError(f"Keep {label} to {limit} characters (it has {len(value)}).", field=field)
    return value


def _rating(rating: int) -> int:
    if isinstance(rating, bool) or not isinstance(rating, int) or not RATING_MIN <= rating <= RATING_MAX:
        raise ReviewError(f"Choose a rating from {RATING_MIN} to {RATING_MAX} stars.", field="rating")
    return rating


def _author_name(user_id: int) -> str:
    profile = profile_get(user_id=user_id)
    first = (profile.full_name.split() or [""])[0] if profile else ""
    return first[:100] or "A Bazaar customer"


def _changed(review: Review, change: str) -> None:
    emit(REVIEW_CHANGED, key=review.item_id,
         payload={"item_id": review.item_id, "review_id": review.pk, "change": change})


def review_eligibility_check(*, user_id: int, item_id: int) -> None:
    """Raise NotEligible (or ReviewError) unless the customer may write a review of the item now."""
    item = item_get(item_id)
    if item is None:
        raise ReviewNotFound("That item can't be found.")
    if item.seller_id == user_id:
        raise NotEligible("You sell this item, so you can't review it; you can reply to its reviews.")
    try:
        received = item_id in delivered_item_ids(user_id=user_id, item_ids=[item_id])
    except ArchiveUnavailable as exc:
        raise ReviewError("We can't check your past orders just now; please try again in a few minutes.") from exc
    if not received:
        raise NotEligible("You can review this item once it has been delivered to you.")


def review_create(*, user_id: int, item_id: int, rating: int, title: str, body: str = "",
                  pictures: Sequence[UploadedFile] = ()) -> Review:
    """A customer's review of an item they received. Raises AlreadyReviewed for a second one."""
    rating = _rating(rating)
    title = _text(title, field="title", label="a headline", limit=TITLE_MAX, required=True)
    body = _text(body, field="body", label="your review", limit=BODY_MAX, required=False)
    if Review.objects.filter(item_id=item_id, user_id=user_id).exists():
        raise AlreadyReviewed
    review_eligibility_check(user_id=user_id, item_id=item_id)
    checked = _pictures_check(pictures, room=PICTURES_MAX)
    author = _author_name(user_id)
    stored = _pictures_store(item_id, checked)
    try:
        with transaction.atomic():
            review = Review(item_id=item_id, user_id=user_id, author_name=author, rating=rating, title=title,
                            body=body)
            try:
                with transaction.atomic():
                    review.save(force_insert=True)
            except IntegrityError as exc:  # the same customer, twice at once
                if Review.objects.filter(item_id=item_id, user_id=user_id).exists():
                    raise AlreadyReviewed from exc
                raise
            ReviewPicture.objects.bulk_create([ReviewPicture(review=review, file=name) for name in stored])
            _changed(review, "created")
    except BaseException:
        _files_delete(stored)
        raise
    return review


def review_update(*, review_id: int, user_id: int, rating: int, title: str, body: str = "",
                  add_pictures: Sequence[UploadedFile] = (), remove_picture_ids: Iterable[int] = ()) -> Review:
    """The customer changes their own review (a hidden one stays hidden)."""
    rating = _rating(rating)
    title = _text(title, field="title", label="a headline", limit=TITLE_MAX, required=True)
    body = _text(body, field="body", label="your review", limit=BODY_MAX, required=False)
    review = Review.objects.filter(pk=review_id, user_id=user_id).first()
    if review is None:
        raise ReviewNotFound
    remove = {int(i) for i in remove_picture_ids}
    kept = ReviewPicture.objects.filter(review=review).exclude(pk__in=remove).count()
    checked = _pictures_check(add_pictures, room=PICTURES_MAX - kept)
    stored = _pictures_store(review.item_id, checked)
    try:
        with transaction.atomic():
            review = Review.objects.select_for_update().get(pk=review.pk)
            removed = list(ReviewPicture.objects.filter(review=review, pk__in=remove))
            if ReviewPicture.objects.filter(review=review).count() - len(removed) + len(stored) > PICTURES_MAX:
                raise ReviewError(f"A review has at most {PICTURES_MAX} pictures.", field="pictures")
            same = (review.rating, review.title, review.body) == (rating, title, body)
            if same and not removed and not stored:
                return review
            review.rating, review.title, review.body = rating, title, body
            review.edited_at = timezone.now()
            review.save(update_fields=["rating", "title", "body", "edited_at", "updated_at"])
            ReviewPicture.objects.filter(pk__in=[p.pk for p in removed]).delete()
            ReviewPicture.objects.bulk_create([ReviewPicture(review=review, file=name) for name in stored])
            names = [p.file.name for p in removed if p.file.name]
            transaction.on_commit(lambda: _files_delete(names))
            _changed(review, "edited")
    except BaseException:
        _files_delete(stored)
        raise
    return review


def review_hide(*, review_id: int, staff_id: int | None, reason: str) -> bool:
    """Staff take a review off the pages (and out of the rating), saying why. False if it was
    hidden already (its first reason stays)."""
    reason = _text(reason, field="reason", label="the reason", limit=HIDE_REASON_MAX, required=True)
    with transaction.atomic():
        review = Review.objects.select_for_update().filter(pk=review_id).first()
        if review is None:
            raise ReviewNotFound
        if review.hidden_at is not None:
            return False
        review.hidden_at, review.hidden_reason, review.hidden_by = timezone.now(), reason, staff_id
        review.save(update_fields=["hidden_at", "hidden_reason", "hidden_by", "updated_at"])
        _changed(review, "hidden")
    return True


def review_show(*, review_id: int, staff_id: int | None) -> bool:
    """Staff put a hidden review back. False if it was not hidden."""
    with transaction.atomic():
        review = Review.objects.select_for_update().filter(pk=review_id).first()
        if review is None:
            raise ReviewNotFound
        if review.hidden_at is None:
            return False
        logger.info("Review %s shown again by staff %s (hidden for: %s)", review.pk, staff_id, review.hidden_reason)
        review.hidden_at, review.hidden_reason, review.hidden_by = None, "", None
        review.save(update_fields=["hidden_at", "hidden_reason", "hidden_by", "updated_at"])
        _changed(review, "shown")
    return True


def review_vote_helpful(*, review_id: int, user_id: int) -> bool:
    """The customer found the review helpful. True if this counted, False if they had already.
    Not for their own review, nor for the item's seller (who may reply instead)."""
    found = Review.objects.filter(pk=review_id, hidden_at__isnull=True).values_list("user_id", "item_id").first()
    if found is None:
        raise ReviewNotFound
    author, item_id = found
    if author == user_id:
        raise NotAllowed("You can't vote for your own review.")
    item = item_get(item_id)
    if item is not None and item.seller_id == user_id:
        raise NotAllowed("You sell this item, so you can't vote on its reviews.")
    with transaction.atomic():
        if not Review.objects.filter(pk=review_id, hidden_at__isnull=True).exists():
            raise ReviewNotFound  # hidden meanwhile
        try:
            with transaction.atomic():
                HelpfulVote.objects.create(review_id=review_id, user_id=user_id)
        except IntegrityError:
            return False
        Review.objects.filter(pk=review_id).update(helpful_count=F("helpful_count") + 1)
    return True


def seller_reply_set(*, review_id: int, seller_id: int, body: str) -> SellerReply:
    """The item's seller answers a visible review; replying again rewrites the answer."""
    body = _text(body, field="body", label="your reply", limit=REPLY_MAX, required=True)
    review = Review.objects.filter(pk=review_id, hidden_at__isnull=True).first()
    if review is None:
        raise ReviewNotFound
    item = item_get(review.item_id)
    if item is None or item.seller_id != seller_id:
        raise NotAllowed("Only the seller of this item can reply to its reviews.")
    with transaction.atomic():
        reply, _ = SellerReply.objects.update_or_create(review=review, defaults={"seller_id": seller_id, "body": body})
    return reply
