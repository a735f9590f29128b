"""Checkout, the order page and "my orders"."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from accounts.interface import address_list, current_pin_get
from cart.interface import cart_lines
from catalog.interface import items_get
from inventory.interface import InsufficientStock, NotDeliverable, delivery_promises
from logistics.interface import PinCodeError
from orders.backends.base import ArchivedOrder, ArchiveUnavailable
from orders.forms import NEW_ADDRESS, CheckoutForm, ReturnForm
from orders.models import Order
from orders.selectors import InvalidCursor, Position, order_history_get, orders_version
from orders.selectors import order_history as history_page
from orders.services import (
    CodNotAllowed,
    EmptyOrder,
    IdempotencyConflict,
    ItemsUnavailable,
    OrderError,
    OrderLineRequest,
    OrderNotFound,
    ReorderResult,
    ReturnedUnits,
    ReturnNotAllowed,
    ShippingAddress,
    cod_eligibility,
    order_cancel,
    order_payment_retry,
    order_place,
    order_reorder,
    payment_retry_refusal,
    return_request,
    shipping_fee,
)
from shop.http import logged_in_user_id
from shop.money import format_inr
from shop.pagecache import PageBuild, kept_skeleton, page_compose, page_key


def _checkout_lines(user_id: int, pin_code: str) -> list[dict]:
    lines = cart_lines(user_id=user_id)
    items = items_get([line.item_id for line in lines])
    try:
        promises = delivery_promises(item_ids=list(items), pin_code=pin_code) if pin_code else {}
    except PinCodeError:  # the form says what is wrong with it; the summary just shows no dates
        promises = {}
    return [{"item": items[line.item_id], "quantity": line.quantity,
             "total_paise": items[line.item_id].price_paise * line.quantity,
             "promise": promises.get(line.item_id)} for line in lines if line.item_id in items]


@login_required
@require_http_methods(["GET", "POST"])
def checkout(request: HttpRequest) -> HttpResponse:
    addresses = address_list(user_id=logged_in_user_id(request))  # the default first
    if request.method == "POST":
        form = CheckoutForm(request.POST, addresses=addresses)
    else:
        initial = {"attempt": uuid.uuid4(), "pin_code": current_pin_get(request),
                   "deliver_to": str(addresses[0].pk) if addresses else NEW_ADDRESS}
        form = CheckoutForm(initial=initial, addresses=addresses)
    delivery_pin = form.delivery_pin()
    lines = _checkout_lines(logged_in_user_id(request), delivery_pin)
    subtotal = sum(x["total_paise"] for x in lines)
    shipping = shipping_fee(subtotal_paise=subtotal)
    cod = cod_eligibility(total_paise=subtotal + shipping, pin_code=delivery_pin or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        address = ShippingAddress(name=data["name"], phone=data["phone"], line1=data["line1"], line2=data["line2"],
                                  city=data["city"], state=data["state"], pin_code=data["pin_code"])
        try:
            order = order_place(user_id=logged_in_user_id(request), idempotency_key=f"web-{data['attempt']}",
                                lines=[OrderLineRequest(x["item"].item_id, x["quantity"]) for x in lines],
                                address=address, payment_method=data["payment_method"])
        except InsufficientStock as exc:
            form.add_error(None, "Some items sold out while you were checking out: "
                                 + ", ".join(f"{_title(lines, i)} ({n} left)" for i, n in exc.short.items()))
        except NotDeliverable as exc:
            form.add_error("pin_code", f"We can't deliver {', '.join(_title(lines, i) for i in exc.item_ids)} "
                                       f"to {exc.pin_code}.")
        except ItemsUnavailable as exc:
            form.add_error(None, "No longer for sale: " + ", ".join(_title(lines, i) for i in exc.item_ids))
        except CodNotAllowed as exc:
            form.add_error("payment_method", str(exc))
        except (EmptyOrder, IdempotencyConflict):
            form.add_error(None, "Your cart is empty." if not lines else "This checkout was already used; "
                                                                        "please review and try again.")
        else:
            if order.payment_method == Order.PaymentMethod.COD:
                messages.success(request, f"Order placed. Please keep {format_inr(order.total_paise)} ready to pay "
                                          "in cash when it arrives.")
                return redirect("orders:detail", order_id=order.pk)
            if order.payment_url:
                return redirect(order.payment_url)
            messages.warning(request, "The payment page did not open; try paying from your order.")
            return redirect("orders:detail", order_id=order.pk)
    return render(request, "orders/checkout.html", {
        "form": form, "lines": lines, "delivery_pin": delivery_pin, "cod": cod,
        "subtotal_paise": subtotal, "shipping_paise": shipping,
        "total_paise": subtotal + shipping, "free_shipping_from_paise": settings.FREE_SHIPPING_FROM_PAISE,
    })


def _title(lines: list[dict], item_id: int) -> str:
    return next((x["item"].title for x in lines if x["item"].item_id == item_id), f"item {item_id}")


@login_required
def order_detail(request: HttpRequest, order_id: str) -> HttpResponse:
    """Kept (shop.pagecache) by the customer, the order, whether the payment page sent them back
    saying "paid" (the page then waits and refreshes) and their orders' version, which every change
    of what the page shows renews (orders.selectors.orders_version): no query on a hit."""
    user_id = logged_in_user_id(request)
    outcome = request.GET.get("payment")
    told_paid = outcome == "pay"
    key = page_key("order", user_id, str(order_id), told_paid, orders_version(user_id=user_id))
    try:
        skeleton = kept_skeleton(request, key=key, build=lambda: _order_build(order_id, user_id, told_paid))
    except ArchiveUnavailable:  # not live, and the archive can't be asked: say so, don't 404 (not kept)
        messages.warning(request, "That order can't be shown just now; please try again later.")
        return redirect("orders:list")
    if outcome and skeleton.facts["pending"]:
        notices = {"pay": "Payment received: confirming your order…",
                   "fail": "The payment failed.", "cancel": "You left the payment page without paying."}
        messages.info(request, notices.get(outcome, ""))
    return page_compose(request, skeleton)


def _order_build(order_id: str, user_id: int, told_paid: bool) -> PageBuild:
    order = order_history_get(order_id=order_id, user_id=user_id)  # may raise ArchiveUnavailable
    if order is None:
        raise Http404("No such order.")  # raised, so not kept
    pending = order.status == Order.Status.PENDING_PAYMENT
    # "Try paying again" while the order allows it (kept with the page: a click after the window
    # closed is refused with a message, and the refusal's save renews nothing, so it says why).
    return PageBuild("orders/detail.html", {"order": order, "waiting": pending and told_paid,
                                            "retryable": not payment_retry_refusal(order)},
                     facts={"pending": pending})


@login_required
def order_history(request: HttpRequest) -> HttpResponse:
    """Live and archived orders as one list, newest first, optionally of one status; "Older" carries a
    cursor, not a page number. Kept by the customer, the full path (cursor and status) and their
    orders' version: no query on a hit. A page of live orders only (the archive down) is not kept."""
    cursor = request.GET.get("before")
    try:
        before = Position.decode(cursor) if cursor else None
    except InvalidCursor as exc:
        raise Http404("No such page.") from exc
    status = request.GET.get("status") or None
    if status is not None and status not in Order.Status.values:
        raise Http404("No such order status.")
    user_id = logged_in_user_id(request)
    key = page_key("orders", user_id, request.get_full_path(), orders_version(user_id=user_id))
    skeleton = kept_skeleton(request, key=key, build=lambda: _history_build(user_id, before, status))
    if not skeleton.facts["complete"]:
        messages.warning(request, "Your older orders can't be shown just now; please try again later.")
    return page_compose(request, skeleton)


def _history_build(user_id: int, before: Position | None, status: str | None) -> PageBuild:
    page = history_page(user_id=user_id, before=before, limit=10, status=status, live_only_if_archive_down=True)
    return PageBuild("orders/list.html", {
        "orders": page.orders, "older": page.next.encode() if page.next else None, "paged": before is not None,
        "status": status, "statuses": Order.Status.choices,
    }, facts={"complete": page.complete}, keep=page.complete)


@login_required
@require_POST
def order_cancel_view(request: HttpRequest, order_id: str) -> HttpResponse:
    """The order page's "Cancel order" (or, with `shipment`, "Cancel this package")."""
    shipment = request.POST.get("shipment") or None
    try:
        order_cancel(order_id=order_id, user_id=logged_in_user_id(request),
                     shipment_id=int(shipment) if shipment else None)
    except (OrderNotFound, ValueError) as exc:
        raise Http404("No such order.") from exc
    except OrderError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Cancelled. Anything you paid for it is on its way back to you."
                         if shipment is None else "That package is cancelled; its price is on its way back to you.")
    return redirect("orders:detail", order_id=order_id)


@login_required
@require_POST
def order_payment_retry_view(request: HttpRequest, order_id: str) -> HttpResponse:
    """The order page's "Try paying again": to the new payment page, or back with why not."""
    try:
        order = order_payment_retry(order_id=order_id, user_id=logged_in_user_id(request))
    except OrderNotFound as exc:
        raise Http404("No such order.") from exc
    except InsufficientStock as exc:
        messages.error(request, "Some items are no longer in stock, so this order can't be paid again: "
                       + ", ".join(f"{n} left of item {i}" for i, n in sorted(exc.short.items()))
                       + ". Use Buy again to put what is left in your cart.")
    except (NotDeliverable, ItemsUnavailable) as exc:
        messages.error(request, f"This order can't be paid again: {exc} Use Buy again to put what is left "
                                "in your cart.")
    except OrderError as exc:  # RetryNotAllowed
        messages.error(request, str(exc))
    else:
        if order.payment_url:
            return redirect(order.payment_url)
        messages.warning(request, "The payment page did not open; try paying again in a moment.")
    return redirect("orders:detail", order_id=order_id)


@login_required
@require_POST
def order_reorder_view(request: HttpRequest, order_id: str) -> HttpResponse:
    """"Buy again" (the order page, "my orders"): the order's items into the cart, then the cart."""
    try:
        result = order_reorder(order_id=order_id, user_id=logged_in_user_id(request))
    except OrderNotFound as exc:
        raise Http404("No such order.") from exc
    except ArchiveUnavailable:
        messages.warning(request, "That order can't be read just now; please try again later.")
        return redirect("orders:list")
    reorder_messages(request, result)
    return redirect("cart:detail")


def reorder_messages(request: HttpRequest, result: ReorderResult) -> None:
    added = sum(line.added for line in result.lines)
    if added:
        messages.success(request, f"Added {added} item{'s' if added != 1 else ''} from your order to your cart, "
                                  "at today's prices.")
    for line in result.capped:
        messages.warning(request, f"Added {line.added} of the {line.ordered} you ordered. {line.note}")
    for line in result.skipped:
        messages.warning(request, f"Not added: {line.note}")


@login_required
@require_http_methods(["GET", "POST"])
def return_request_view(request: HttpRequest, order_id: str, shipment_id: int) -> HttpResponse:
    """Return items of one delivered package: how many of each, and why."""
    order = order_history_get(order_id=order_id, user_id=logged_in_user_id(request))
    if order is None or isinstance(order, ArchivedOrder):  # a finished order is returned no more
        raise Http404("No such package.")
    shipment = next((s for s in order.shipments.all() if s.id == shipment_id), None)
    if shipment is None:
        raise Http404("No such package.")
    parts = list(shipment.lines.all())
    form = ReturnForm(request.POST or None, parts=parts)
    if request.method == "POST" and form.is_valid():
        units = [ReturnedUnits(item_id, quantity) for item_id, quantity in form.units().items()]
        try:
            return_request(order_id=order.pk, user_id=logged_in_user_id(request), shipment_id=shipment_id,
                           units=units, reason=form.cleaned_data["reason"])
        except ReturnNotAllowed as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "Return requested. We'll tell you when the seller approves it.")
            return redirect("orders:detail", order_id=order.pk)
    return render(request, "orders/return.html", {"order": order, "shipment": shipment, "form": form})
