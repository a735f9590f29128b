"""Wishlist pages (customers only). Every action is a form POST that redirects: no JavaScript."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from cart.interface import MAX_QUANTITY_PER_LINE, CartError
from catalog.interface import ItemNotFound
from shop.http import logged_in_user_id, redirect_back, safe_next_url
from wishlist.selectors import InvalidCursor, wishlist_count_get, wishlist_page
from wishlist.services import (
    WishlistError,
    wishlist_add,
    wishlist_move_from_cart,
    wishlist_move_to_cart,
    wishlist_remove,
)


class ItemForm(forms.Form):
    item_id = forms.IntegerField(min_value=1)


class MoveToCartForm(forms.Form):
    quantity = forms.IntegerField(min_value=1, max_value=MAX_QUANTITY_PER_LINE, required=False)


def _next_or(request: HttpRequest, fallback: str) -> str:
    return safe_next_url(request, fallback)


def _login_first(request: HttpRequest, back: str) -> HttpResponse:
    """A visitor who is not logged in goes to log in, then back to where they were (a GET page)."""
    messages.info(request, "Log in to save items to your wishlist.")
    return redirect_to_login(back)


@require_GET
@login_required
def wishlist_list(request: HttpRequest) -> HttpResponse:
    user_id = logged_in_user_id(request)
    cursor = request.GET.get("cursor") or None
    try:
        page = wishlist_page(user_id=user_id, cursor=cursor)
    except InvalidCursor:
        return redirect("wishlist:list")
    if cursor and not page.entries:  # past the end (the last items there were removed)
        return redirect("wishlist:list")
    return render(request, "wishlist/wishlist.html", {
        "page": page, "count": wishlist_count_get(user_id=user_id),
    })


@require_POST
def wishlist_add_view(request: HttpRequest) -> HttpResponse:
    back = _next_or(request, "wishlist:list")
    if not request.user.is_authenticated:
        return _login_first(request, back)
    form = ItemForm(request.POST)
    if not form.is_valid():
        messages.error(request, "We couldn't find that item.")
        return HttpResponseRedirect(back)
    try:
        created = wishlist_add(user_id=request.user.pk, item_id=form.cleaned_data["item_id"])
    except (WishlistError, ItemNotFound) as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Saved to your wishlist." if created else "It's on your wishlist already.")
    return HttpResponseRedirect(back)


@require_POST
@login_required
def wishlist_remove_view(request: HttpRequest, item_id: int) -> HttpResponse:
    if wishlist_remove(user_id=logged_in_user_id(request), item_id=item_id):
        messages.success(request, "Removed from your wishlist.")
    else:
        messages.info(request, "That item was not on your wishlist.")
    return redirect_back(request, "wishlist:list")


@require_POST
@login_required
def wishlist_move_to_cart_view(request: HttpRequest, item_id: int) -> HttpResponse:
    form = MoveToCartForm(request.POST)
    quantity = (form.cleaned_data.get("quantity") if form.is_valid() else None) or 1
    try:
        change = wishlist_move_to_cart(user_id=logged_in_user_id(request), item_id=item_id, quantity=quantity)
    except (CartError, ItemNotFound) as exc:
        messages.error(request, f"{exc} It stays on your wishlist.")
    else:
        messages.success(request, f"Moved “{change.title}” to your cart.")
    return redirect_back(request, "wishlist:list")


@require_POST
def wishlist_move_from_cart_view(request: HttpRequest, item_id: int) -> HttpResponse:
    back = _next_or(request, "cart:detail")
    if not request.user.is_authenticated:
        return _login_first(request, back)
    try:
        wishlist_move_from_cart(user_id=request.user.pk, item_id=item_id)
    except (WishlistError, ItemNotFound) as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Moved to your wishlist.")
    return HttpResponseRedirect(back)
