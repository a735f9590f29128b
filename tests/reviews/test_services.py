"""The rules of reviews, through the services: who may review, once, editing, moderation moving
the item's rating (through the event and the catalog's consumer), helpful votes, seller replies,
pictures."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from catalog.interface import item_get
from catalog.services import item_rating_set
from events.models import OutboxEvent
from events.services import relay_pending
from orders.backends.base import ArchivedOrder
from orders.interface import delivered_item_ids
from orders.models import Order
from reviews.models import HelpfulVote, Review, ReviewPicture, SellerReply
from reviews.selectors import rating_summary
from reviews.services import (
    PICTURE_MAX_BYTES,
    PICTURES_MAX,
    REVIEW_CHANGED,
    AlreadyReviewed,
    NotAllowed,
    NotEligible,
    ReviewError,
    ReviewNotFound,
    review_create,
    review_hide,
    review_show,
    review_update,
    review_vote_helpful,
    seller_reply_set,
)
from shop.backends import get_backend
from tests.orders.helpers import place
from tests.reviews.conftest import PNG, deliver


def write(shop, user=None, *, rating=5, title="Boils fast", body="Two minutes for a litre.", **kwargs) -> Review:
    return review_create(user_id=(user or shop.customer).pk, item_id=shop.item, rating=rating, title=title,
                         body=body, **kwargs)


def png(name="photo.png", data=PNG) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="image/png")


def changed_events(item_id: int) -> list[dict]:
    return list(OutboxEvent.objects.filter(type=REVIEW_CHANGED, key=str(item_id)).order_by("id")
                .values_list("payload", flat=True))


def catalog_rating(item_id: int) -> tuple[Decimal, int]:
    relay_pending()  # the review event reaches the catalog's consumer
    item = item_get(item_id)
    return item.rating, item.rating_count


# --- Who may review ------------------------------------------------------------------------------

def test_a_customer_who_received_the_item_reviews_it_once(shop):
    review = write(shop)

    assert (review.rating, review.title, review.author_name) == (5, "Boils fast", "Chitra")
    assert changed_events(shop.item) == [{"item_id": shop.item, "review_id": review.pk, "change": "created"}]
    with pytest.raises(AlreadyReviewed):
        write(shop, rating=1, title="Changed my mind")
    assert Review.objects.count() == 1


def test_a_customer_who_never_received_it_may_not(shop):
    with pytest.raises(NotEligible, match="once it has been delivered"):
        write(shop, shop.stranger)


def test_an_order_not_yet_delivered_does_not_count(shop, world):
    order = place(shop.stranger.pk, shop.other_item)
    from orders.services import order_mark_paid
    order_mark_paid(order_id=str(order.pk))

    with pytest.raises(NotEligible):
        review_create(user_id=shop.stranger.pk, item_id=shop.other_item, rating=4, title="Looks nice")


def test_the_seller_may_not_review_their_own_item(shop):
    deliver(shop.seller.pk, shop.item)  # even having bought it
    with pytest.raises(NotEligible, match="You sell this item"):
        write(shop, shop.seller)


def test_an_archived_delivered_order_still_counts(shop):
    order = Order.objects.get(user_id=shop.customer.pk)
    get_backend("order_archive").put(ArchivedOrder.from_order(order))
    order.delete()  # what archival does once the archive has it
    assert delivered_item_ids(user_id=shop.customer.pk, item_ids=[shop.item], include_archive=False) == set()
    assert delivered_item_ids(user_id=shop.customer.pk, item_ids=[shop.item, shop.other_item]) == {shop.item}

    assert write(shop).pk


def test_pages_ask_the_archive_once_per_customer_for_a_while(shop, monkeypatch):
    order = Order.objects.get(user_id=shop.customer.pk)
    archive = get_backend("order_archive")
    archive.put(ArchivedOrder.from_order(order))
    order.delete()
    calls = []
    real = archive.list_for_user
    monkeypatch.setattr(archive, "list_for_user", lambda *a, **kw: calls.append(a) or real(*a, **kw))

    for _ in range(3):
        assert delivered_item_ids(user_id=shop.customer.pk, item_ids=[shop.item], fresh=False) == {shop.item}
        assert delivered_item_ids(user_id=shop.customer.pk, item_ids=[shop.other_item], fresh=False) == set()
    assert len(calls) == 1


def test_the_archive_down_is_said_plainly(shop, monkeypatch):
    from orders.backends.base import ArchiveUnavailable

    def down(*args, **kwargs):
        raise ArchiveUnavailable("no route to host")

    monkeypatch.setattr(get_backend("order_archive"), "list_for_user", down)
    with pytest.raises(ReviewError, match="can't check your past orders"):
        write(shop, shop.stranger)


@pytest.mark.parametrize(("fields", "field"), [
    ({"rating": 0}, "rating"), ({"rating": 6}, "rating"), ({"title": "   "}, "title"),
    ({"title": "x" * 121}, "title"), ({"body": "x" * 5001}, "body"),
])
def test_what_a_review_must_be(shop, fields, field):
    with pytest.raises(ReviewError) as caught:
        write(shop, **fields)
    assert caught.value.field == field
    assert not Review.objects.exists()


def test_an_unknown_item_is_not_found(shop):
    with pytest.raises(ReviewNotFound):
        review_create(user_id=shop.customer.pk, item_id=10**12, rating=5, title="?")


# --- Editing -------------------------------------------------------------------------------------

def test_the_author_edits_their_review_and_the_rating_follows(shop):
    review = write(shop, rating=5)
    assert catalog_rating(shop.item) == (Decimal("5.0"), 1)

    edited = review_update(review_id=review.pk, user_id=shop.customer.pk, rating=2, title="Started leaking",
                           body="After a month.")

    assert (edited.rating, edited.title, edited.body) == (2, "Started leaking", "After a month.")
    assert edited.edited_at is not None
    assert [e["change"] for e in changed_events(shop.item)] == ["created", "edited"]
    assert catalog_rating(shop.item) == (Decimal("2.0"), 1)


def test_saving_an_unchanged_review_changes_nothing(shop):
    review = write(shop)
    review_update(review_id=review.pk, user_id=shop.customer.pk, rating=5, title="Boils fast",
                  body="Two minutes for a litre.")
    assert len(changed_events(shop.item)) == 1
    assert Review.objects.get().edited_at is None


def test_nobody_else_edits_it(shop):
    review = write(shop)
    with pytest.raises(ReviewNotFound):
        review_update(review_id=review.pk, user_id=shop.second.pk, rating=1, title="Mine now")
    assert Review.objects.get().rating == 5


# --- Moderation and the rating -------------------------------------------------------------------

def test_the_rating_is_the_average_of_visible_reviews_and_hiding_takes_one_out(shop, world):
    first = write(shop, rating=5)
    write(shop, shop.second, rating=2, title="Too loud")
    assert catalog_rating(shop.item) == (Decimal("3.5"), 2)
    summary = rating_summary(item_id=shop.item)
    assert [(row.stars, row.count, row.percent) for row in summary.distribution] == [
        (5, 1, 50), (4, 0, 0), (3, 0, 0), (2, 1, 50), (1, 0, 0)]

    assert review_hide(review_id=first.pk, staff_id=world.seller.pk, reason="Mentions a phone number")
    assert catalog_rating(shop.item) == (Decimal("2.0"), 1)
    hidden = Review.objects.get(pk=first.pk)
    assert (hidden.hidden_reason, hidden.hidden_by) == ("Mentions a phone number", world.seller.pk)
    assert not review_hide(review_id=first.pk, staff_id=None, reason="again")  # once; the first reason stays
    assert Review.objects.get(pk=first.pk).hidden_reason == "Mentions a phone number"

    assert review_show(review_id=first.pk, staff_id=world.seller.pk)
    assert catalog_rating(shop.item) == (Decimal("3.5"), 2)
    assert not review_show(review_id=first.pk, staff_id=world.seller.pk)
    assert [e["change"] for e in changed_events(shop.item)] == ["created", "created", "hidden", "shown"]


def test_hiding_needs_a_reason(shop):
    review = write(shop)
    with pytest.raises(ReviewError) as caught:
        review_hide(review_id=review.pk, staff_id=None, reason=" ")
    assert caught.value.field == "reason"


def test_the_rating_change_reaches_the_catalog_as_an_item_update_once(shop):
    write(shop, rating=4)
    relay_pending()
    updates = OutboxEvent.objects.filter(type="catalog.item_updated.v1", key=str(shop.item))
    assert [(e.payload["rating"], e.payload["rating_count"]) for e in updates] == [("4.0", 1)]

    call_command("reviews_recount", stdout=io.StringIO())  # the same figures: no new update
    relay_pending()
    assert updates.count() == 1


def test_a_recount_replaces_figures_that_did_not_come_from_reviews(shop):
    item_rating_set(item_id=shop.other_item, rating=Decimal("4.4"), rating_count=120)  # e.g. demo numbers
    write(shop, rating=3)
    call_command("reviews_recount", item=[shop.other_item], stdout=io.StringIO())
    assert catalog_rating(shop.other_item) == (Decimal("0.0"), 0)
    assert catalog_rating(shop.item) == (Decimal("3.0"), 1)


# --- Helpful votes -------------------------------------------------------------------------------

def test_a_customer_finds_a_review_helpful_once(shop):
    review = write(shop)
    assert review_vote_helpful(review_id=review.pk, user_id=shop.stranger.pk)
    assert not review_vote_helpful(review_id=review.pk, user_id=shop.stranger.pk)
    assert review_vote_helpful(review_id=review.pk, user_id=shop.second.pk)
    assert Review.objects.get().helpful_count == 2
    assert HelpfulVote.objects.count() == 2


def test_nobody_votes_for_their_own_review_and_the_seller_does_not_vote(shop):
    review = write(shop)
    with pytest.raises(NotAllowed, match="your own review"):
        review_vote_helpful(review_id=review.pk, user_id=shop.customer.pk)
    with pytest.raises(NotAllowed, match="You sell this item"):
        review_vote_helpful(review_id=review.pk, user_id=shop.seller.pk)
    assert Review.objects.get().helpful_count == 0


def test_a_hidden_review_takes_no_votes(shop):
    review = write(shop)
    review_hide(review_id=review.pk, staff_id=None, reason="Off topic")
    with pytest.raises(ReviewNotFound):
        review_vote_helpful(review_id=review.pk, user_id=shop.stranger.pk)


# --- Seller replies ------------------------------------------------------------------------------

def test_only_the_items_seller_replies_and_a_second_reply_rewrites_it(shop, user_factory):
    review = write(shop, rating=2, title="Too loud")
    other_seller = user_factory(email="other-seller@example.com", is_seller=True)
    with pytest.raises(NotAllowed, match="Only the seller"):
        seller_reply_set(review_id=review.pk, seller_id=other_seller.pk, body="Buy mine instead")
    with pytest.raises(NotAllowed):
        seller_reply_set(review_id=review.pk, seller_id=shop.customer.pk, body="Replying to myself")

    seller_reply_set(review_id=review.pk, seller_id=shop.seller.pk, body="Sorry! Write to us for a swap.")
    seller_reply_set(review_id=review.pk, seller_id=shop.seller.pk, body="We sent a replacement.")

    reply = SellerReply.objects.get()
    assert (reply.review_id, reply.seller_id, reply.body) == (review.pk, shop.seller.pk, "We sent a replacement.")
    with pytest.raises(ReviewError) as caught:
        seller_reply_set(review_id=review.pk, seller_id=shop.seller.pk, body="")
    assert caught.value.field == "body"


# --- Pictures ------------------------------------------------------------------------------------

def test_pictures_are_stored_under_media_reviews(shop, media):
    review = write(shop, pictures=[png(), png("b.png")])

    names = [p.file.name for p in review.pictures.all()]
    assert len(names) == 2
    assert all(n.startswith(f"reviews/{shop.item}/") and n.endswith(".png") for n in names)
    assert all((media / n).read_bytes() == PNG for n in names)
    assert review.pictures.first().file.url.startswith("/media/reviews/")


def test_a_file_that_is_not_a_picture_is_refused_and_nothing_is_kept(shop, media):
    with pytest.raises(ReviewError, match="not a JPEG, PNG, GIF or WebP") as caught:
        write(shop, pictures=[png(), SimpleUploadedFile("photo.png", b"<?php system($_GET['c']); ?>")])
    assert caught.value.field == "pictures"
    assert not Review.objects.exists()
    assert not (media / "reviews").exists() or not any((media / "reviews").rglob("*.*"))


def test_too_large_or_too_many_pictures_are_refused(shop):
    with pytest.raises(ReviewError, match="larger than 5 MB"):
        write(shop, pictures=[png(data=PNG + b"\0" * PICTURE_MAX_BYTES)])
    with pytest.raises(ReviewError, match="at most 5 pictures"):
        write(shop, pictures=[png(f"{n}.png") for n in range(PICTURES_MAX + 1)])


def test_editing_adds_and_removes_pictures_within_the_limit(shop, media, django_capture_on_commit_callbacks):
    review = write(shop, pictures=[png(f"{n}.png") for n in range(PICTURES_MAX)])
    first = review.pictures.first()
    with pytest.raises(ReviewError, match="no more pictures"):
        review_update(review_id=review.pk, user_id=shop.customer.pk, rating=5, title="Boils fast",
                      add_pictures=[png()])

    with django_capture_on_commit_callbacks(execute=True):
        review_update(review_id=review.pk, user_id=shop.customer.pk, rating=5, title="Boils fast",
                      body="Two minutes for a litre.", add_pictures=[png("new.png")], remove_picture_ids=[first.pk])

    assert ReviewPicture.objects.filter(review=review).count() == PICTURES_MAX
    assert not ReviewPicture.objects.filter(pk=first.pk).exists()
    assert not (media / first.file.name).exists()  # its file goes once the change commits


def test_a_gif_jpeg_and_webp_are_pictures_too(shop):
    heads = [b"GIF89a" + b"\0" * 10, b"\xff\xd8\xff\xe0" + b"\0" * 12, b"RIFF\0\0\0\0WEBPVP8 " + b"\0" * 4]
    review = write(shop, pictures=[SimpleUploadedFile(f"p{n}", head) for n, head in enumerate(heads)])
    assert sorted(p.file.name.rsplit(".", 1)[1] for p in review.pictures.all()) == ["gif", "jpg", "webp"]


# --- Search follows ------------------------------------------------------------------------------

def test_search_filters_and_sorts_by_the_rating_reviews_give(shop):
    """On the test's own embedded index (tests/conftest.py)."""
    from search.selectors import memos_forget, search_run
    from search.services import stale_items_flush
    from search.types import SearchParams, Sort

    write(shop, rating=5)
    write(shop, shop.second, rating=4, title="Good")
    deliver(shop.customer.pk, shop.other_item)
    review_create(user_id=shop.customer.pk, item_id=shop.other_item, rating=2, title="Burns the bread")
    relay_pending()  # reviews → catalog's rating → catalog.item_updated → search marks the items stale
    stale_items_flush()
    memos_forget()

    rated = search_run(SearchParams(sort=Sort.RATING))
    assert [(c.title, c.rating, c.rating_count) for c in rated.results[:2]] == [
        ("Steel Electric Kettle", "4.5", 2), ("Two Slice Toaster", "2.0", 1)]
    assert [c.title for c in search_run(SearchParams(rating_min=4)).results] == ["Steel Electric Kettle"]


def test_an_event_for_an_item_the_catalog_does_not_have_is_handled(shop):
    from events.interface import emit

    emit(REVIEW_CHANGED, key=10**12, payload={"item_id": 10**12, "review_id": None, "change": "recount"})
    report = relay_pending()
    assert report.failed == 0
