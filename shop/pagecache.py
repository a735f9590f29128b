"""Pages rendered once per version of what they show, composed with each visitor's parts per request.

A storefront page is two things: what it shows (results, shelves, a product's details), the same
for everyone who asks the same question of the same data, and the visitor's own parts: the header
(their name, counts and PIN), the flash messages and the CSRF token in its forms. The first is
rendered once into a *skeleton*, kept in the shared cache under a key naming every input it
depends on (the request's path and query, the PIN, the version of the data); each request takes the
skeleton and puts the visitor's parts in: the header and messages rendered anew, the CSRF token
swapped for this visitor's (docs/decisions/0025).

What keeps this from serving stale pages is the key, not a timeout: a caller names the versions
its page reads (search's index version, the delivery estimates in force for the PIN), and a new
version is a new key. The timeout only bounds memory. Because a key names its content exactly, each
process also keeps the last few hundred skeletons it used in memory: a hot page then costs no
round trip for its skeleton at all, and can't be staler than the shared copy.
"""

from __future__ import annotations

import functools
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from hashlib import blake2b

from django.conf import settings
from django.contrib.messages import get_messages
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.utils.crypto import salted_hmac

HEADER_MARK = "<!--bazaar:header-->"
MESSAGES_MARK = "<!--bazaar:messages-->"
SKELETON_SECONDS = 600
RECENT_SKELETONS = 256  # per process; a search page's skeleton is 20-50 KB


def csrf_mark() -> str:
    """Where a kept rendering's CSRF token goes (the token is each visitor's own)."""
    return _csrf_mark_for(settings.SECRET_KEY)


@functools.cache
def _csrf_mark_for(secret: str) -> str:
    # Stable across processes (skeletons are shared) and not guessable by a visitor, so no text a
    # visitor can put on a page is ever taken for it.
    return "csrf" + salted_hmac("bazaar.pagecache.csrf", "mark", secret=secret, algorithm="sha256").hexdigest()[:24]


@dataclass(frozen=True)
class Skeleton:
    html: str
    status: int = 200
    facts: dict = field(default_factory=dict)  # what the view needs on a hit (e.g. for its events)


@dataclass(frozen=True)
class PageBuild:
    """What a view renders on a miss: `template` and `context` as for `render`, `facts` kept with it.
    `keep=False` serves this once without keeping it (e.g. an error page, or data not yet settled)."""

    template: str
    context: dict
    status: int = 200
    facts: dict = field(default_factory=dict)
    keep: bool = True


def page_key(name: str, *parts: object) -> str:
    digest = blake2b(repr(parts).encode(), digest_size=16).hexdigest()
    return f"page:{name}:{digest}"


def skeleton_render(request: HttpRequest, build: PageBuild) -> Skeleton:
    context = {**build.context, "page_skeleton": True, "csrf_token": csrf_mark()}
    return Skeleton(html=render_to_string(build.template, context, request=request), status=build.status,
                    facts=build.facts)


def page_compose(request: HttpRequest, skeleton: Skeleton) -> HttpResponse:
    """The skeleton with this visitor's header, messages and CSRF token."""
    html = skeleton.html
    if HEADER_MARK in html:
        from shop.header import header_html

        html = html.replace(HEADER_MARK, header_html(request, with_token=False), 1)  # filled below
    if MESSAGES_MARK in html:
        waiting = bool(get_messages(request))  # most pages have none: no template to render
        html = html.replace(MESSAGES_MARK, render_to_string("partials/messages.html", request=request)
                            if waiting else "", 1)
    mark = csrf_mark()
    if mark in html:
        html = html.replace(mark, get_token(request))
    return HttpResponse(html, status=skeleton.status)


class Recent:
    """What this process used last of the kept pages and answers, by key (least recently used
    dropped first)."""

    def __init__(self, size: int):
        self.size = size
        self._held: OrderedDict[Hashable, object] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> object | None:
        with self._lock:
            found = self._held.get(key)
            if found is not None:
                self._held.move_to_end(key)
            return found

    def put(self, key: Hashable, value: object) -> None:
        with self._lock:
            self._held[key] = value
            self._held.move_to_end(key)
            while len(self._held) > self.size:
                self._held.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._held.clear()


recent = Recent(size=RECENT_SKELETONS)


def cached_page(request: HttpRequest, *, key: str | None, build: Callable[[], PageBuild],
                seconds: int = SKELETON_SECONDS) -> tuple[HttpResponse, dict]:
    """The page under `key` (rendered by `build` on a miss), composed for this visitor, and the
    facts kept with it. `key=None` renders without the cache."""
    skeleton = kept_skeleton(request, key=key, build=build, seconds=seconds)
    return page_compose(request, skeleton), skeleton.facts


def kept_skeleton(request: HttpRequest, *, key: str | None, build: Callable[[], PageBuild],
                  seconds: int = SKELETON_SECONDS) -> Skeleton:
    """The skeleton under `key` (rendered by `build` on a miss, kept unless it says not to), not
    yet composed: for a view whose flash messages follow from the skeleton's facts, added before
    `page_compose` renders them."""
    skeleton = _kept_get(key, Skeleton)
    if skeleton is None:
        made = build()
        skeleton = skeleton_render(request, made)
        if key and made.keep:
            cache.set(key, skeleton, timeout=seconds)
            recent.put(key, skeleton)
    return skeleton


def kept_page(key: str | None) -> Skeleton | None:
    """The skeleton kept under `key`, if any, without building one: for a view whose checks of its
    input only matter on a miss (a page is kept only once its input passed them)."""
    return _kept_get(key, Skeleton)


def _kept_get[T](key: str | None, kind: type[T]) -> T | None:
    if not key:
        return None
    held = recent.get(key)
    if isinstance(held, kind):
        return held
    found = cache.get(key)
    if isinstance(found, kind):
        recent.put(key, found)
        return found
    return None


@dataclass(frozen=True)
class KeptAnswer:
    """An API answer kept like a page: the response's data and the facts the view needs."""

    data: object
    facts: dict = field(default_factory=dict)


def cached_answer(*, key: str | None, build: Callable[[], KeptAnswer],
                  seconds: int = SKELETON_SECONDS) -> KeptAnswer:
    """The answer under `key` (made by `build` on a miss; `key=None`: not kept). `build` raises
    for an answer that must not be kept (an error), so only answers are."""
    answer = _kept_get(key, KeptAnswer)
    if answer is None:
        answer = build()
        if key:
            cache.set(key, answer, timeout=seconds)
            recent.put(key, answer)
    return answer
