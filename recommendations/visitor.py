"""Who a behaviour event is about: the customer's id when logged in, and always the browser's
anonymous visitor id, kept in the session. Django keeps the session's data across log-in (it
only cycles the key), so the events before and after log-in carry the same visitor id and the
jobs can join them to the customer. Nothing personal: ids and the PIN only.

A cookie keeps the browser's last product views (ids, newest first) for the home page's "Recently
viewed" row: a session would be written to the database on every product view.
"""

from __future__ import annotations

import uuid

from django.http import HttpRequest, HttpResponse

VISITOR_KEY = "rec_visitor"
RECENT_COOKIE = "recently_viewed"
RECENT_SIZE = 12
RECENT_SECONDS = 90 * 24 * 3600


def visitor_id(request: HttpRequest) -> str:
    """The browser's anonymous id, made on first use (a session cookie is then set)."""
    session = getattr(request, "session", None)
    if session is None:
        return ""
    value = session.get(VISITOR_KEY)
    if not value:
        value = uuid.uuid4().hex
        session[VISITOR_KEY] = value
    return value


def customer_id(request: HttpRequest) -> int | None:
    user = getattr(request, "user", None)
    return user.pk if user is not None and user.is_authenticated else None


def recently_viewed(request: HttpRequest) -> tuple[int, ...]:
    """The items this browser viewed, newest first, from its cookie (ids only; a bad value is none)."""
    ids = []
    for part in request.COOKIES.get(RECENT_COOKIE, "").split(".")[:RECENT_SIZE]:
        if part.isdigit() and 0 < int(part) < 2**63 and int(part) not in ids:
            ids.append(int(part))
    return tuple(ids)


def recently_viewed_remember(request: HttpRequest, response: HttpResponse, item_id: int) -> None:
    """Put the item first in the browser's list (a cookie: no session write on each view)."""
    recent = [item_id, *(i for i in recently_viewed(request) if i != item_id)][:RECENT_SIZE]
    value = ".".join(str(i) for i in recent)
    if request.COOKIES.get(RECENT_COOKIE) != value:
        response.set_cookie(RECENT_COOKIE, value, max_age=RECENT_SECONDS, samesite="Lax", httponly=True,
                            secure=request.is_secure())
