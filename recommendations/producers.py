"""Behaviour events from the pages: a product viewed, a search result clicked.

Both take the analytics path (`events.interface.emit_analytics`: batched by a thread, outside
the request's transaction, docs/decisions/0025): an observation, not a change the shop keeps.
The cart, wishlist and order events come from those apps' own domain events
(recommendations/handlers.py).

A search result's link carries `ref=search&pos=N` (search/views.py); the query is read from the
Referer, the search page's own URL on this site, so the product's links stay short and
shareable and the query is not copied into them. A browser that sends no Referer still gives the
click and its position, without the query.
"""

from __future__ import annotations

import uuid
from urllib.parse import parse_qs, urlsplit

from django.http import HttpRequest
from django.utils import timezone

from events.interface import emit_analytics
from recommendations.behaviour import BehaviourEvent, BehaviourType, behaviour_event_type
from recommendations.visitor import customer_id, visitor_id

SEARCH_REF = "search"
MAX_POSITION = 10_000
MAX_QUERY = 200


def behaviour_emit(kind: BehaviourType, *, visitor: str, customer: int | None, item_id: int, category_id: int,
                   price_paise: int, pin_code: str = "", query: str = "", position: int | None = None,
                   quantity: int = 1) -> None:
    event = BehaviourEvent(event_id=uuid.uuid4(), type=kind, occurred_at=timezone.now(), visitor_id=visitor,
                           customer_id=customer, item_id=item_id, category_id=category_id,
                           price_paise=price_paise, pin_code=pin_code or "", query=query, position=position,
                           quantity=quantity)
    emit_analytics(behaviour_event_type(kind), key=visitor or f"customer:{customer}", payload=event.as_payload())


def search_click_get(request: HttpRequest) -> tuple[str, int] | None:
    """(query, position) when the product page was opened from a search result, else None."""
    if request.GET.get("ref") != SEARCH_REF:
        return None
    try:
        position = int(request.GET.get("pos", ""))
    except ValueError:
        return None
    if not 0 < position <= MAX_POSITION:
        return None
    query = ""
    referer = urlsplit(request.headers.get("Referer", ""))
    if referer.netloc == request.get_host():
        query = (parse_qs(referer.query).get("q") or [""])[0].strip()[:MAX_QUERY]
    return query, position


def product_view_record(request: HttpRequest, *, item_id: int, category_id: int, price_paise: int, pin_code: str,
                        viewed: bool = True) -> None:
    """The page's behaviour: a search click if it came from one, and (on the page itself, not on
    the redirect to its canonical address) a product view. ("Recently viewed" is the page's
    cookie: `recently_viewed_remember` on its response.)"""
    visitor, customer = visitor_id(request), customer_id(request)
    click = search_click_get(request)
    if click is not None:
        behaviour_emit(BehaviourType.SEARCH_CLICKED, visitor=visitor, customer=customer, item_id=item_id,
                       category_id=category_id, price_paise=price_paise, pin_code=pin_code,
                       query=click[0], position=click[1])
    if viewed:
        behaviour_emit(BehaviourType.PRODUCT_VIEWED, visitor=visitor, customer=customer, item_id=item_id,
                       category_id=category_id, price_paise=price_paise, pin_code=pin_code)
