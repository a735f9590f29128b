"""Cart pages. Thin: forms check the input, cart.services does the work, messages tell the result.

Every action is a plain form POST that redirects (post/redirect/get), so the cart works without
JavaScript.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.views.decorators.http import require_GET, require_POST

from cart.forms import AddToCartForm, QuantityForm
from cart.models import MAX_QUANTITY_PER_LINE
from cart.selectors import CartOwner, CartView, cart_kept_key, cart_view_get
from cart.services import CartError, cart_add, cart_remove, cart_set_quantity
from cart.visitor import merge_into_customer, remember_owner, request_owner, request_owner_for_write
from catalog.interface import ItemNotFound
from shop.http import redirect_back, safe_next_url
from shop.pagecache import PageBuild, cached_page

CHECKOUT_URL = "/checkout/"


def _next_or(request: HttpRequest, fallback: str) -> str:
    return safe_next_url(request, fallback)


def _form_error(form) -> str:
    for errors in form.errors.values():
        return errors[0]
    return "Please check what you entered."


@require_GET
def cart_detail(request: HttpRequest) -> HttpResponse:
    """Kept (shop.pagecache, docs/decisions/0025) under `cart_kept_key`: a hit reads no table."""
    if request.user.is_authenticated:
        merge_into_customer(request, request.user.pk)  # only if a log-in merge failed before
    owner = request_owner(request)
    response, _ = cached_page(request, key=cart_kept_key("cart", owner), build=lambda: _cart_build(owner))
    return response


def _cart_build(owner: CartOwner | None) -> PageBuild:
    cart = cart_view_get(owner=owner) if owner else CartView(lines=(), subtotal_paise=0, item_count=0)
    return PageBuild("cart/cart.html", {
        "cart": cart, "checkout_url": CHECKOUT_URL, "max_quantity": MAX_QUANTITY_PER_LINE,
    })


@require_POST
def cart_add_view(request: HttpRequest) -> HttpResponse:
    form = AddToCartForm(request.POST)
    back = _next_or(request, "cart:detail")
    if not form.is_valid():
        messages.error(request, _form_error(form))
        return HttpResponseRedirect(back)
    owner = request_owner_for_write(request)
    try:
        change = cart_add(owner=owner, item_id=form.cleaned_data["item_id"],
                          quantity=form.cleaned_data["quantity"])
    except (CartError, ItemNotFound) as exc:
        messages.error(request, str(exc))
        return HttpResponseRedirect(back)
    remember_owner(request, owner)
    added = change.quantity - change.previous_quantity
    messages.success(request, f"Added {added} × “{change.title}” to your cart"
                              f"{f' (now {change.quantity})' if change.previous_quantity else ''}.")
    return HttpResponseRedirect(back)


@require_POST
def cart_update_view(request: HttpRequest, item_id: int) -> HttpResponse:
    form = QuantityForm(request.POST)
    back = _next_or(request, "cart:detail")
    owner = request_owner(request)
    if not form.is_valid():
        messages.error(request, _form_error(form))
    elif owner is None:
        messages.error(request, "That item is not in your cart.")
    else:
        try:
            change = cart_set_quantity(owner=owner, item_id=item_id, quantity=form.cleaned_data["quantity"])
        except (CartError, ItemNotFound) as exc:
            messages.error(request, str(exc))
        else:
            if change.quantity == 0:
                messages.success(request, f"Removed “{change.title}” from your cart.")
            elif change.quantity != change.previous_quantity:
                messages.success(request, f"Quantity of “{change.title}” is now {change.quantity}.")
    return HttpResponseRedirect(back)


@require_POST
def cart_remove_view(request: HttpRequest, item_id: int) -> HttpResponse:
    owner = request_owner(request)
    removed = cart_remove(owner=owner, item_id=item_id) if owner else None
    if removed:
        messages.success(request, f"Removed “{removed.title}” from your cart.")
    else:
        messages.info(request, "That item was not in your cart.")
    return redirect_back(request, "cart:detail")
