"""The review pages through the test client: the product page's section, writing and editing
(errors as form errors), the list with its sorts and pages, helpful votes, the seller's reply,
the order page's link, and moderation in admin."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from events.models import OutboxEvent
from reviews.models import Review, SellerReply
from reviews.services import review_create, review_hide, review_vote_helpful, seller_reply_set
from tests.reviews.conftest import PNG, deliver


def product(client, shop, item_id=None) -> str:
    response = client.get(f"/p/{item_id or shop.item}/", follow=True)
    assert response.status_code == 200
    return response.content.decode()


def text(html: str) -> str:
    """The page's words, tags dropped and spaces squeezed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def review(shop, user, rating=5, title="Boils fast", **kwargs):
    return review_create(user_id=user.pk, item_id=shop.item, rating=rating, title=title, **kwargs)


# --- The product page ----------------------------------------------------------------------------

def test_a_customer_who_received_it_is_offered_to_write_a_review(client, shop):
    assert "No reviews yet." in product(client, shop)
    assert "Write a review" not in product(client, shop)  # a visitor: "log in to review"
    client.force_login(shop.stranger)
    assert "Write a review" not in product(client, shop)
    client.force_login(shop.customer)
    html = product(client, shop)
    assert "Write a review" in html and f'href="/reviews/item/{shop.item}/write/"' in html


def test_a_customer_whose_order_is_archived_is_offered_too(client, shop):
    from orders.backends.base import ArchivedOrder
    from orders.models import Order
    from shop.backends import get_backend

    order = Order.objects.get(user_id=shop.customer.pk)
    order_id = order.pk
    get_backend("order_archive").put(ArchivedOrder.from_order(order))
    order.delete()
    client.force_login(shop.customer)
    assert "Write a review" in product(client, shop)
    assert "Rate this item" in client.get(f"/orders/{order_id}/").content.decode()  # the archived order's page


def test_the_section_shows_average_distribution_and_the_most_helpful_reviews(client, shop, user_factory):
    loud = review(shop, shop.customer, rating=5, title="Boils fast", body="Two minutes.")
    review(shop, shop.second, rating=2, title="Too loud")
    review_vote_helpful(review_id=loud.pk, user_id=shop.stranger.pk)
    seller_reply_set(review_id=loud.pk, seller_id=shop.seller.pk, body="Thank you, Chitra!")

    words = text(product(client, shop))

    assert "3.5 out of 5" in words and "2 reviews" in words
    assert "5 stars 50% (1 review)" in words and "2 stars 50% (1 review)" in words
    assert "1 star 0% (0 reviews)" in words
    assert words.index("Boils fast") < words.index("Too loud")  # most helpful first
    assert "Chitra · Verified purchase" in words
    assert "Reply from the seller Thank you, Chitra!" in words
    assert "Helpful (1)" in words and "See all 2 reviews" in words


def test_the_author_sees_edit_and_the_seller_sees_reply(client, shop):
    mine = review(shop, shop.customer)
    client.force_login(shop.customer)
    html = product(client, shop)
    assert "Edit your review" in html and "Write a review" not in html
    assert f'action="/reviews/{mine.pk}/helpful/"' not in html  # not on one's own

    client.force_login(shop.seller)
    html = product(client, shop)
    assert f'href="/reviews/{mine.pk}/reply/"' in html and "Reply as the seller" in html
    assert "Write a review" not in html


def test_a_hidden_review_is_not_on_the_page(client, shop):
    hidden = review(shop, shop.customer, title="Call me on 98450")
    review_hide(review_id=hidden.pk, staff_id=None, reason="Phone number")
    html = product(client, shop)
    assert "Call me on 98450" not in html and "No reviews yet." in html


# --- Writing and editing -------------------------------------------------------------------------

def test_writing_needs_a_log_in(client, shop):
    response = client.get(f"/reviews/item/{shop.item}/write/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_customer_who_did_not_receive_it_is_told_why(client, shop):
    client.force_login(shop.stranger)
    response = client.get(f"/reviews/item/{shop.item}/write/")
    assert response.status_code == 200
    assert "You can review this item once it has been delivered to you." in response.content.decode()
    response = client.post(f"/reviews/item/{shop.item}/write/", {"rating": "5", "title": "Great"})
    assert response.status_code == 200 and not Review.objects.exists()


def test_writing_a_review_with_a_picture(client, shop, media):
    client.force_login(shop.customer)
    form = client.get(f"/reviews/item/{shop.item}/write/").content.decode()
    assert 'type="radio" name="rating" value="5"' in form and 'enctype="multipart/form-data"' in form

    response = client.post(f"/reviews/item/{shop.item}/write/", {
        "rating": "4", "title": "Boils fast", "body": "Two minutes for a litre.",
        "pictures": [SimpleUploadedFile("a.png", PNG, content_type="image/png")],
    })

    assert response.status_code == 302 and response["Location"] == f"/reviews/item/{shop.item}/?sort=newest"
    saved = Review.objects.get()
    assert (saved.user_id, saved.rating, saved.title, saved.pictures.count()) == (shop.customer.pk, 4, "Boils fast", 1)
    page = client.get(response["Location"]).content.decode()
    assert "Thank you: your review is saved." in page and saved.pictures.get().file.url in page


def test_mistakes_are_form_errors_not_failures(client, shop, media):
    client.force_login(shop.customer)
    url = f"/reviews/item/{shop.item}/write/"

    no_rating = client.post(url, {"title": "Boils fast"})
    assert no_rating.status_code == 200 and "Choose how many stars you give it." in no_rating.content.decode()

    bad_picture = client.post(url, {"rating": "5", "title": "Boils fast",
                                    "pictures": [SimpleUploadedFile("a.png", b"MZ\x90\x00 not a picture")]})
    html = bad_picture.content.decode()
    assert bad_picture.status_code == 200 and "a.png is not a JPEG, PNG, GIF or WebP picture." in html
    assert 'value="Boils fast"' in html  # what was typed stays
    assert not Review.objects.exists()

    made_up = client.post(url, {"rating": "9", "title": "Boils fast"})
    assert made_up.status_code == 200 and not Review.objects.exists()


def test_editing_shows_the_review_and_saves_changes(client, shop, media):
    mine = review(shop, shop.customer, rating=5, title="Boils fast",
                  pictures=[SimpleUploadedFile("a.png", PNG, content_type="image/png")])
    picture = mine.pictures.get()
    client.force_login(shop.customer)
    url = f"/reviews/item/{shop.item}/write/"
    html = client.get(url).content.decode()
    assert "Edit your review" in html and 'value="Boils fast"' in html
    assert 'value="5" required checked' in html or re.search(r'value="5"[^>]*checked', html)
    assert "Remove picture 1" in html

    response = client.post(url, {"rating": "3", "title": "Good, but loud", "remove_pictures": [str(picture.pk)]})

    assert response.status_code == 302
    mine.refresh_from_db()
    assert (mine.rating, mine.title, mine.pictures.count()) == (3, "Good, but loud", 0)
    assert Review.objects.count() == 1


def test_the_author_of_a_hidden_review_is_told_why(client, shop):
    mine = review(shop, shop.customer)
    review_hide(review_id=mine.pk, staff_id=None, reason="About the courier, not the item")
    client.force_login(shop.customer)
    html = client.get(f"/reviews/item/{shop.item}/write/").content.decode()
    assert "Our team has hidden this review: About the courier, not the item." in html


# --- All reviews: sorts and pages ----------------------------------------------------------------

def test_all_reviews_sorted_and_paged(client, shop, user_factory):
    ratings = [5, 1, 4, 2, 3, 5, 4, 1, 2, 3, 5, 4]
    for n, rating in enumerate(ratings):
        buyer = user_factory(email=f"buyer{n}@example.com")
        deliver(buyer.pk, shop.item)
        review(shop, buyer, rating=rating, title=f"Review number {n}")
    helpful = Review.objects.get(title="Review number 3")
    review_vote_helpful(review_id=helpful.pk, user_id=shop.stranger.pk)
    url = f"/reviews/item/{shop.item}/"

    def titles(query: str) -> list[str]:
        return re.findall(r'class="review-title">([^<]+)<', client.get(url + query).content.decode())

    assert titles("")[0] == "Review number 3"  # most helpful first
    assert titles("?sort=newest")[:2] == ["Review number 11", "Review number 10"]
    assert titles("?sort=highest")[:3] == ["Review number 10", "Review number 5", "Review number 0"]
    assert titles("?sort=lowest")[:2] == ["Review number 7", "Review number 1"]
    assert len(titles("")) == 10 and len(titles("?page=2")) == 2
    assert titles("?sort=whatever") == titles("")
    assert client.get(url + "?page=3").status_code == 404
    assert client.get(url + "?page=abc").status_code == 404
    assert "Page 1 of 2" in client.get(url).content.decode()


def test_the_reviews_of_an_unknown_item_are_not_found(client, shop):
    assert client.get("/reviews/item/999999/").status_code == 404


# --- Helpful votes -------------------------------------------------------------------------------

def test_a_visitor_is_asked_to_log_in_before_voting(client, shop):
    loud = review(shop, shop.customer)
    response = client.post(f"/reviews/{loud.pk}/helpful/", {"next": f"/p/{shop.item}/"})
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert Review.objects.get().helpful_count == 0


def test_voting_counts_once_and_goes_back(client, shop):
    loud = review(shop, shop.customer)
    client.force_login(shop.stranger)
    back = f"/reviews/item/{shop.item}/#review-{loud.pk}"

    response = client.post(f"/reviews/{loud.pk}/helpful/", {"next": back})
    assert response.status_code == 302 and response["Location"] == back
    client.post(f"/reviews/{loud.pk}/helpful/", {"next": back})

    assert Review.objects.get().helpful_count == 1
    html = client.get(back).content.decode()
    assert "You found this helpful (1)" in html


def test_voting_for_ones_own_review_is_refused_with_a_message(client, shop):
    mine = review(shop, shop.customer)
    client.force_login(shop.customer)
    response = client.post(f"/reviews/{mine.pk}/helpful/", follow=True)
    assert response.status_code == 200
    assert "You can&#x27;t vote for your own review." in response.content.decode()
    assert client.post("/reviews/999999/helpful/").status_code == 302  # an unknown one: a message, not a 500


# --- The seller's reply --------------------------------------------------------------------------

def test_the_seller_replies_from_the_review(client, shop):
    loud = review(shop, shop.customer, rating=2, title="Too loud")
    url = f"/reviews/{loud.pk}/reply/"
    client.force_login(shop.customer)
    assert client.get(url).status_code == 404  # not the seller: no such page

    client.force_login(shop.seller)
    assert "Too loud" in client.get(url).content.decode()
    empty = client.post(url, {"body": ""})
    assert empty.status_code == 200 and "Please write your reply." in empty.content.decode()
    response = client.post(url, {"body": "Sorry about that: we'll swap it."})

    assert response.status_code == 302
    assert SellerReply.objects.get().body == "Sorry about that: we'll swap it."
    assert "we&#x27;ll swap it" in client.get(f"/reviews/item/{shop.item}/").content.decode()


# --- The order page ------------------------------------------------------------------------------

def test_a_delivered_order_offers_to_rate_its_items(client, shop):
    from orders.models import Order

    client.force_login(shop.customer)
    order = Order.objects.get(user_id=shop.customer.pk)
    html = client.get(f"/orders/{order.pk}/").content.decode()
    assert f'href="/reviews/item/{shop.item}/write/"' in html and "Rate this item" in html

    from tests.orders.helpers import place
    pending = place(shop.customer.pk, shop.other_item)
    assert "Rate this item" not in client.get(f"/orders/{pending.pk}/").content.decode()


# --- Moderation in admin -------------------------------------------------------------------------

@pytest.fixture
def staff_client(client, user_factory):
    staff = user_factory(email="staff@example.com", is_staff=True, is_superuser=True)
    client.force_login(staff)
    return client


def test_staff_hide_reviews_with_a_reason_and_show_them_again(staff_client, shop):
    loud = review(shop, shop.customer, title="Call me on 98450")
    other = review(shop, shop.second, rating=3, title="Fine")
    changelist = "/admin/reviews/review/"
    listing = staff_client.get(changelist).content.decode()
    assert "Call me on 98450" in listing and "buyer@example.com" in listing
    assert "KETTLE · Steel Electric Kettle" in listing

    ask = staff_client.post(changelist, {"action": "hide_reviews", "_selected_action": [loud.pk]})
    assert ask.status_code == 200 and "Say why" in ask.content.decode()
    assert Review.objects.get(pk=loud.pk).hidden_at is None

    no_reason = staff_client.post(changelist, {"action": "hide_reviews", "_selected_action": [loud.pk],
                                               "apply": "1", "reason": ""})
    assert no_reason.status_code == 200 and Review.objects.get(pk=loud.pk).hidden_at is None

    done = staff_client.post(changelist, {"action": "hide_reviews", "_selected_action": [loud.pk], "apply": "1",
                                          "reason": "A phone number"}, follow=True)
    assert "1 review hidden." in done.content.decode()
    hidden = Review.objects.get(pk=loud.pk)
    assert hidden.hidden_reason == "A phone number" and Review.objects.get(pk=other.pk).hidden_at is None
    assert OutboxEvent.objects.filter(type="reviews.review_changed.v1", payload__change="hidden").count() == 1
    assert "Call me on 98450" in staff_client.get(changelist + "?hidden=yes").content.decode()
    assert "Call me on 98450" not in staff_client.get(changelist + "?hidden=no").content.decode()

    shown = staff_client.post(changelist, {"action": "show_reviews", "_selected_action": [loud.pk]}, follow=True)
    assert "1 review shown again." in shown.content.decode()
    assert Review.objects.get(pk=loud.pk).hidden_at is None
    assert staff_client.get(f"{changelist}{loud.pk}/change/").status_code == 200
    assert staff_client.get(f"{changelist}?q=buyer@example.com").status_code == 200


def test_a_kept_product_page_offers_the_review_once_the_order_is_delivered(client, shop, monkeypatch):
    """The kept page (decision 0025) names the customer's orders by a token, not a query: a delivery
    changes the token, so the next visit is built afresh and offers the review."""
    import search.freshness

    monkeypatch.setattr(search.freshness, "SETTLE_SECONDS", 0.0)
    client.force_login(shop.stranger)
    for _ in range(3):  # built, then kept
        assert "Write a review" not in product(client, shop)
    deliver(shop.stranger.pk, shop.item)
    assert "Write a review" in product(client, shop)
