"""Consumers: the shop's domain events become behaviour events, and (with the in-process bus)
behaviour events are kept for the lake.

Cart, wishlist and order changes already have domain events, emitted in the transaction that
made them; a consumer here turns each into its behaviour event (`emit_analytics`, the batched
path), so those apps know nothing of recommendations. The visitor of a cart, wishlist or order
event is the customer (`customer:<id>`); an anonymous cart is named by a hash of its token,
never the token itself (it opens the cart).
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.db import transaction

from catalog.interface import item_heads_get
from events.interface import Event, batch_consumer, consumer
from orders.interface import ORDER_CANCELLED, ORDER_DELIVERED, ORDER_PLACED
from recommendations.behaviour import BehaviourEvent, BehaviourType, behaviour_event_type
from recommendations.lake_inbox import lake_drain_soon
from recommendations.models import LakeInbox
from recommendations.producers import behaviour_emit


def _visitor(payload: dict) -> tuple[str, int | None]:
    user_id = payload.get("user_id")
    if user_id:
        return f"customer:{int(user_id)}", int(user_id)
    token = str(payload.get("cart_token") or payload.get("cart_id") or "")
    return "cart:" + hashlib.blake2b(token.encode(), digest_size=8).hexdigest(), None


def _emit_for_items(kind: BehaviourType, payload: dict, lines: list[tuple[int, int | None, int]], *,
                    pin: str = "") -> None:
    """One behaviour event per (item id, unit price, quantity), the category from the items' heads
    (the catalog's cache)."""
    visitor, customer = _visitor(payload)
    items = item_heads_get([item_id for item_id, _, _ in lines])
    for item_id, price, quantity in lines:
        item = items.get(item_id)
        behaviour_emit(kind, visitor=visitor, customer=customer, item_id=item_id,
                       category_id=item.category_id if item else 0,
                       price_paise=price if price is not None else (item.price_paise if item else 0), pin_code=pin,
                       quantity=quantity)


def _item_line(payload: dict) -> list[tuple[int, int | None, int]]:
    return [(int(payload["item_id"]), payload.get("price_paise"), int(payload.get("quantity") or 1))]


@consumer("cart.item_added.v1", name="recommendations.behaviour")
def on_cart_added(event: Event) -> None:
    _emit_for_items(BehaviourType.CART_ADDED, event.payload, _item_line(event.payload))


@consumer("cart.item_removed.v1", name="recommendations.behaviour")
def on_cart_removed(event: Event) -> None:
    _emit_for_items(BehaviourType.CART_REMOVED, event.payload, _item_line(event.payload))


@consumer("wishlist.item_added.v1", name="recommendations.behaviour")
def on_wishlist_added(event: Event) -> None:
    _emit_for_items(BehaviourType.WISHLIST_ADDED, event.payload, _item_line(event.payload))


@consumer("wishlist.item_removed.v1", name="recommendations.behaviour")
def on_wishlist_removed(event: Event) -> None:
    _emit_for_items(BehaviourType.WISHLIST_REMOVED, event.payload, _item_line(event.payload))


ORDER_KINDS = {
    ORDER_PLACED: BehaviourType.ORDER_PLACED,
    ORDER_CANCELLED: BehaviourType.ORDER_CANCELLED,
    ORDER_DELIVERED: BehaviourType.ORDER_DELIVERED,
}


@consumer(ORDER_PLACED, name="recommendations.behaviour")
@consumer(ORDER_CANCELLED, name="recommendations.behaviour")
@consumer(ORDER_DELIVERED, name="recommendations.behaviour")
def on_order(event: Event) -> None:
    lines = [(int(line["item_id"]), line.get("unit_price_paise"), int(line.get("quantity") or 1))
             for line in event.payload.get("lines") or ()]
    _emit_for_items(ORDER_KINDS[event.type], event.payload, lines, pin=event.payload.get("pin_code") or "")


# --- the lake's writer on the in-process bus ---------------------------------------------------

def embedded_bus() -> bool:
    """With Kafka, `manage.py lake_consume` writes the lake from the topic; this consumer is idle."""
    return bool(settings.BAZAAR_BACKENDS["event_bus"].get("EMBEDDED"))


def on_behaviour(events: list[Event]) -> None:
    """A relayed batch of behaviour events into the inbox: one INSERT, one drain check after commit.

    A batch consumer keeps no handled markers: the event id is the inbox's primary key and a
    known one is skipped, so a redelivered event adds no row (one already drained goes to the
    lake again, and its readers drop duplicates by event id)."""
    if not embedded_bus():
        return
    rows = [LakeInbox(event_id=event.event_id, type=event.type, occurred_at=event.occurred_at, payload=event.payload)
            for event in events
            if BehaviourEvent.from_bus(event_id=event.event_id, type=event.type, occurred_at=event.occurred_at,
                                       payload=event.payload) is not None]
    if not rows:
        return
    LakeInbox.objects.bulk_create(rows, ignore_conflicts=True)
    transaction.on_commit(lake_drain_soon)


for _kind in BehaviourType:
    batch_consumer(behaviour_event_type(_kind), name="recommendations.lake_inbox")(on_behaviour)
