"""Review pages: all reviews of an item, writing or editing one's own, "Helpful" votes and the
seller's reply. Thin: the rules are reviews/services.py's, whose ReviewError becomes a form error
or a message, never a 500. Every action is a form POST that redirects; no JavaScript needed."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import InvalidPage
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from catalog.interface import ItemSnapshot, item_get
from reviews.forms import ReplyForm, ReviewForm
from reviews.selectors import (
    DEFAULT_SORT,
    SORTS,
    can_review,
    rating_summary,
    review_cards,
    review_get,
    review_of,
    review_page,
)
from reviews.services import (
    ReviewError,
    review_create,
    review_eligibility_check,
    review_update,
    review_vote_helpful,
    seller_reply_set,
)
from shop.http import logged_in_user_id, safe_next_url


def _viewer(request: HttpRequest) -> int | None:
    return request.user.pk if request.user.is_authenticated else None


def _active_item(item_id: int) -> ItemSnapshot:
    item = item_get(item_id)
    if item is None or not item.is_active:
        raise Http404("No such product.")
    return item


@require_GET
def item_reviews(request: HttpRequest, item_id: int) -> HttpResponse:
    item = _active_item(item_id)
    sort = request.GET.get("sort") or DEFAULT_SORT
    if sort not in SORTS:
        sort = DEFAULT_SORT
    try:
        page = review_page(item_id=item.item_id, sort=sort, number=request.GET.get("page") or 1)
    except InvalidPage as exc:  # past the last page, or not a number
        raise Http404("No such page of reviews.") from exc
    viewer = _viewer(request)
    mine = review_of(item_id=item.item_id, user_id=viewer) if viewer else None
    return render(request, "reviews/item_reviews.html", {
        "item": item, "page": page, "cards": review_cards(list(page.object_list), viewer_id=viewer),
        "summary": rating_summary(item_id=item.item_id), "sort": sort,
        "sorts": [(key, label) for key, (label, _) in SORTS.items()],
        "my_review": mine, "is_seller": viewer == item.seller_id,
        "can_write": viewer is not None and mine is None
        and can_review(item_id=item.item_id, user_id=viewer, seller_id=item.seller_id),
    })


@login_required
@require_http_methods(["GET", "POST"])
def review_write(request: HttpRequest, item_id: int) -> HttpResponse:
    """Write a review of an item the customer received, or edit the one they wrote."""
    item = _active_item(item_id)
    user_id = logged_in_user_id(request)
    review = review_of(item_id=item.item_id, user_id=user_id)
    context = {"item": item, "review": review}
    if review is None:
        try:
            review_eligibility_check(user_id=user_id, item_id=item.item_id)
        except ReviewError as exc:
            return render(request, "reviews/write.html", {**context, "refusal": exc.message})
    pictures = [(p.pk, p.file.url) for p in review.pictures.all()] if review else []
    initial = {"rating": review.rating, "title": review.title, "body": review.body} if review else None
    if request.method == "POST":
        form = ReviewForm(request.POST, request.FILES, pictures=pictures)
        if form.is_valid():
            data = form.cleaned_data
            try:
                if review is None:
                    review_create(user_id=user_id, item_id=item.item_id, rating=data["rating"], title=data["title"],
                                  body=data["body"], pictures=data["pictures"])
                else:
                    review_update(review_id=review.pk, user_id=user_id, rating=data["rating"], title=data["title"],
                                  body=data["body"], add_pictures=data["pictures"],
                                  remove_picture_ids=data.get("remove_pictures") or [])
            except ReviewError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                messages.success(request, "Thank you: your review is saved." if review is None
                                 else "Your review is updated.")
                return redirect(f"{reverse('reviews:item', args=[item.item_id])}?sort=newest")
    else:
        form = ReviewForm(initial=initial, pictures=pictures)
    return render(request, "reviews/write.html", {**context, "form": form})


@require_POST
def review_helpful(request: HttpRequest, review_id: int) -> HttpResponse:
    review = review_get(review_id=review_id, visible_only=False)
    fallback = reverse("reviews:item", args=[review.item_id]) if review else reverse("home")
    back = safe_next_url(request, fallback)
    if not request.user.is_authenticated:
        messages.info(request, "Log in to say which reviews helped you.")
        return redirect_to_login(back)
    try:
        counted = review_vote_helpful(review_id=review_id, user_id=request.user.pk)
    except ReviewError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Thank you for your vote." if counted else "You found this review helpful already.")
    return HttpResponseRedirect(back)


@login_required
@require_http_methods(["GET", "POST"])
def review_reply(request: HttpRequest, review_id: int) -> HttpResponse:
    """The item's seller answers a review (or rewrites their answer). Others find no such page."""
    review = review_get(review_id=review_id)
    item = item_get(review.item_id) if review else None
    if review is None or item is None or item.seller_id != request.user.pk:
        raise Http404("No such review.")
    existing = getattr(review, "reply", None)
    if request.method == "POST":
        form = ReplyForm(request.POST)
        if form.is_valid():
            try:
                seller_reply_set(review_id=review.pk, seller_id=request.user.pk, body=form.cleaned_data["body"])
            except ReviewError as exc:
                form.add_error("body" if exc.field == "body" else None, exc.message)
            else:
                messages.success(request, "Your reply is published under the review.")
                return redirect(f"{reverse('reviews:item', args=[item.item_id])}#review-{review.pk}")
    else:
        form = ReplyForm(initial={"body": existing.body} if existing else None)
    card = review_cards([review], viewer_id=request.user.pk)[0]
    return render(request, "reviews/reply.html", {"item": item, "card": card, "form": form, "existing": existing})
