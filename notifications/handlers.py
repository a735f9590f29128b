"""Notifications react to orders and to account security: each such event becomes one inbox row
and one email.

Idempotent through the consumer's handled-event marker (events.registry.dispatch): the row is
written in the same transaction as the marker, so a redelivery writes nothing; the email is
queued only after that transaction commits.
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.urls import reverse
from django.utils import timezone

from events.interface import Event, consumer
from notifications.models import Notification
from notifications.services import notification_create
from orders.interface import (
    LATE_PAYMENT_REFUNDED,
    ORDER_CANCELLED,
    ORDER_DELIVERED,
    ORDER_PLACED,
    ORDER_SHIPPED,
    RETURN_APPROVED,
    RETURN_RECEIVED,
    RETURN_REJECTED,
    RETURN_REQUESTED,
    SHIPMENT_CANCELLED,
    SHIPMENT_DELIVERY_FAILED,
)
from shop.money import format_inr
from shop.references import order_reference

logger = logging.getLogger(__name__)
Kind = Notification.Kind

CANCEL_TEXTS = {
    "expired": "We didn't receive your payment in time, so we cancelled the order and released the "
               "items. If money left your account, it will be returned to you.",
    "payment_failed": "Your payment didn't go through, so we cancelled the order. You can place it "
                      "again whenever you're ready.",
    "late_payment_refund": "Your payment arrived after the order had expired, so we cancelled it and "
                           "are refunding the full amount.",
    "cancelled_by_customer": "You cancelled it. Anything you paid is on its way back to you; your bank may "
                             "take a few working days to show it.",
}


def _order_link(order_id: str) -> str:
    return f"/orders/{order_id}/"


def _items(payload: dict) -> str:
    count = sum(int(line.get("quantity", 0)) for line in payload.get("lines", []))
    return f"{count} item{'' if count == 1 else 's'}" if count else "your items"


def _reference(payload: dict) -> str:
    """The order's number; its old reference for events emitted before orders had numbers."""
    return order_reference(payload["order_id"], payload.get("number"))


def _user_id(event: Event) -> int | None:
    user_id = event.payload.get("user_id")
    if not user_id:
        logger.warning("%s %s carries no user_id; no notification", event.type, event.event_id)
        return None
    return int(user_id)


@consumer(ORDER_PLACED, name="notifications.order_placed")
def on_order_placed(event: Event) -> None:
    p = event.payload
    user_id = _user_id(event)
    if user_id is None:
        return
    link = _order_link(p["order_id"])
    amount = format_inr(p.get("total_paise"))
    # A late payment that was honoured: the customer was told it was cancelled, so say so.
    after_all = Notification.objects.filter(user_id=user_id, link=link, kind=Kind.ORDER_CANCELLED).exists()
    if after_all:
        title = "Good news: your order is placed after all"
        body = (f"Your payment of {amount} for order {_reference(p)} arrived late, but "
                "the items were still in stock, so we've placed your order. We'll tell you when it ships.")
    elif p.get("payment_method") == "cod":
        title = "Your order is placed"
        body = (f"Thank you! Order {_reference(p)} ({_items(p)}) is placed: pay {amount} in cash on delivery. "
                "We'll tell you when it ships.")
    else:
        title = "Your order is placed"
        body = (f"Thank you! We've received your payment of {amount} for order {_reference(p)} "
                f"({_items(p)}). We'll tell you when it ships.")
    notification_create(user_id=user_id, kind=Kind.ORDER_PLACED, title=title, body=body, link=link)


@consumer(ORDER_CANCELLED, name="notifications.order_cancelled")
def on_order_cancelled(event: Event) -> None:
    p = event.payload
    user_id = _user_id(event)
    if user_id is None:
        return
    reason = p.get("reason", "")
    explanation = CANCEL_TEXTS.get(reason) or (
        f"We cancelled the order ({reason.replace('_', ' ')})." if reason else "We cancelled the order.")
    body = f"Order {_reference(p)} of {format_inr(p.get('total_paise'))}: {explanation}"
    notification_create(user_id=user_id, kind=Kind.ORDER_CANCELLED, title="Your order was cancelled",
                        body=body, link=_order_link(p["order_id"]))


# Events whose message needs nothing but the order: kind, title and body (a format of
# `ref` and `items`) per event type. Events emitted before orders put "user_id" in a payload
# are skipped (logged) by `_user_id`.
SIMPLE_MESSAGES = {
    ORDER_SHIPPED: (
        Kind.ORDER_SHIPPED, "Your order is on its way", "Order {ref} ({items}) has been handed to the courier."),
    ORDER_DELIVERED: (
        Kind.ORDER_DELIVERED, "Your order has been delivered",
        "Order {ref} ({items}) has been delivered. We hope you enjoy it!"),
    LATE_PAYMENT_REFUNDED: (
        Kind.REFUND_STARTED, "We're refunding your payment",
        "Your payment for order {ref} arrived after the order had been cancelled, so we're refunding it "
        "in full. Your bank may take a few working days to show it."),
}


def on_simple_message(event: Event) -> None:
    user_id = _user_id(event)
    if user_id is None:
        return
    kind, title, body = SIMPLE_MESSAGES[event.type]
    order_id = event.payload["order_id"]
    notification_create(user_id=user_id, kind=kind, title=title, link=_order_link(order_id),
                        body=body.format(ref=_reference(event.payload), items=_items(event.payload)))


for _event_type in SIMPLE_MESSAGES:
    consumer(_event_type, name=f"notifications.{_event_type.split('.')[1]}")(on_simple_message)


# After payment: a package cancelled, a return's steps. The customer hears each; the package's
# seller hears what they must act on. Each: (kind, title, body) for the customer, then for the
# seller (or None); bodies format `ref`, `items`, `shipment` and `reason`.
SHIPMENT_MESSAGES = {
    SHIPMENT_CANCELLED: (
        (Kind.ORDER_CANCELLED, "A package was cancelled",
         "Package {shipment} of order {ref} ({items}) is cancelled; its price is on its way back to you."),
        (Kind.SELLER_NOTICE, "Do not ship: a package was cancelled",
         "The customer cancelled package {shipment} of order {ref} ({items}). Its items are back in your stock."),
    ),
    SHIPMENT_DELIVERY_FAILED: (
        (Kind.ORDER_CANCELLED, "A package could not be delivered",
         "Package {shipment} of order {ref} ({items}) could not be delivered and went back to the seller. "
         "Anything you paid for it is on its way back to you."),
        None,
    ),
    RETURN_REQUESTED: (
        (Kind.RETURN_UPDATE, "Return requested",
         "We've sent your request to return {items} from order {ref} to the seller."),
        (Kind.SELLER_NOTICE, "A customer wants to return items",
         "Return of {items} from order {ref}, package {shipment}: \u201c{reason}\u201d. Approve or decline it."),
    ),
    RETURN_APPROVED: (
        (Kind.RETURN_UPDATE, "Your return is approved",
         "Send {items} from order {ref} back to the seller; you'll get the money once they arrive."),
        None,
    ),
    RETURN_REJECTED: (
        (Kind.RETURN_UPDATE, "Your return was declined", "The seller declined the return of {items} from order "
                                                         "{ref}."),
        None,
    ),
    RETURN_RECEIVED: (
        (Kind.REFUND_STARTED, "Return received: refund on its way",
         "The seller received {items} from order {ref}; we're refunding their price. Your bank may take a few "
         "working days to show it."),
        None,
    ),
}


# Cash on delivery: nothing was paid, so nothing goes back.
COD_SHIPMENT_MESSAGES = {
    SHIPMENT_CANCELLED: (
        (Kind.ORDER_CANCELLED, "A package was cancelled",
         "Package {shipment} of order {ref} ({items}) is cancelled; you won't pay anything for it."),
        SHIPMENT_MESSAGES[SHIPMENT_CANCELLED][1],
    ),
    SHIPMENT_DELIVERY_FAILED: (
        (Kind.ORDER_CANCELLED, "A package could not be delivered",
         "Package {shipment} of order {ref} ({items}) could not be delivered and went back to the seller; "
         "there is nothing to pay for it."),
        None,
    ),
}


def on_shipment_message(event: Event) -> None:
    p = event.payload
    to_customer, to_seller = COD_SHIPMENT_MESSAGES.get(event.type, SHIPMENT_MESSAGES[event.type]) \
        if p.get("payment_method") == "cod" else SHIPMENT_MESSAGES[event.type]
    words = {"ref": p.get("order_reference") or order_reference(p["order_id"]), "items": _items(p),
             "shipment": p.get("shipment_id", ""), "reason": p.get("reason", "")}
    user_id = _user_id(event)
    if user_id is not None:
        kind, title, body = to_customer
        notification_create(user_id=user_id, kind=kind, title=title, body=body.format(**words),
                            link=_order_link(p["order_id"]))
    if to_seller is not None and p.get("seller_id"):
        kind, title, body = to_seller
        notification_create(user_id=int(p["seller_id"]), kind=kind, title=title, body=body.format(**words), link="")


for _event_type in SHIPMENT_MESSAGES:
    consumer(_event_type, name=f"notifications.{_event_type.split('.')[1]}")(on_shipment_message)


# orders.late_payment_honoured.v1 has no consumer on purpose: orders emits orders.order_placed.v1
# in the same transaction, and on_order_placed tells the customer ("placed after all").


@consumer("accounts.login_locked.v1", name="notifications.login_locked")
def on_login_locked(event: Event) -> None:
    """Tell an account's owner that log-ins are paused after too many wrong passwords: either they
    forgot it, or someone is guessing and they should know."""
    p = event.payload
    if not p.get("user_id"):
        return  # the email has no account: nobody to tell
    until = timezone.localtime(datetime.fromisoformat(p["locked_until"])).strftime("%H:%M")
    body = (f"There were {p['failed_attempts']} failed log-ins to your Bazaar account in a few minutes, so "
            f"log-ins with your password are paused until {until}. Nobody got in. If it was you, "
            "wait until then, or reset your password. If it wasn't, reset your password now to be safe.")
    notification_create(user_id=int(p["user_id"]), kind=Kind.ACCOUNT_SECURITY,
                        title="Log-ins to your account are paused", body=body,
                        link=reverse("accounts:password_reset"))
