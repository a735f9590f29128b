"""Middleware of the shop: response headers Django has no setting for, request ids, request metrics."""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from contextlib import ExitStack

from django.conf import settings
from django.db import connections
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.middleware.gzip import GZipMiddleware
from django.urls import Resolver404, resolve

from shop import metrics
from shop.cache import (
    ViewPrefetch,
    cache_time_start,
    cache_time_stop,
    request_prefetch,
    request_prefetch_start,
    request_prefetch_stop,
)
from shop.context_processors import page_cache_keys, storefront_cache_keys
from shop.observability import REQUEST_ID_HEADER, request_id_from, request_id_set

# The storefront uses none of these browser features; the simulated gateway's page is ours and
# Stripe's is on its own origin, so not even `payment` is granted to this origin's frames.
PERMISSIONS_POLICY = ", ".join(f"{feature}=()" for feature in (
    "accelerometer", "autoplay", "browsing-topics", "camera", "display-capture", "geolocation",
    "gyroscope", "magnetometer", "microphone", "midi", "payment", "usb",
))


class PermissionsPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response


# What is worth compressing: pages and JSON. Not pictures (`make run` serves uploads through
# Django, as a stream): WebP and JPEG are compressed already, so gzip would spend CPU for nothing.
COMPRESSED_TYPES = ("text/html", "application/json", "application/problem+json", "application/vnd.oai.openapi")


class CompressPagesMiddleware(GZipMiddleware):
    """Django's GZipMiddleware for pages and JSON only (docs/decisions/0021).

    BREACH: Django masks the CSRF token anew in every response and pads each gzip header with up
    to 100 random bytes ("Heal the Breach", Django 4.2); session cookies are SameSite=Lax.
    """

    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        kind = response.get("Content-Type", "").split(";", 1)[0].strip().lower()
        if response.streaming or kind not in COMPRESSED_TYPES:
            return response
        return super().process_response(request, response)


class RequestIdMiddleware:
    """Gives each request its id (shop.observability) for the logs, and returns it in X-Request-ID.
    First in the chain, so every later log line of the request carries it, up to Django's own
    "Not Found" / "Internal Server Error" lines, which are written after the middleware returns:
    the id is cleared when the request finishes (`request_finished`)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = request_id_from(request.headers.get(REQUEST_ID_HEADER))
        request_id_set(request_id)
        response = self.get_response(request)
        response.headers[REQUEST_ID_HEADER] = request_id
        return response


class RequestMetricsMiddleware:
    """Latency per view, and how much of it went to the database and the cache (shop.metrics)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        db_timer = _QueryTimer()
        cache_token = cache_time_start()
        with ExitStack() as wrappers:
            for alias in connections:
                wrappers.enter_context(connections[alias].execute_wrapper(db_timer))
            try:
                response = self.get_response(request)
            finally:
                cache_seconds = cache_time_stop(cache_token)
        match = getattr(request, "resolver_match", None)
        view = (match.view_name or match.route) if match is not None else "<unmatched>"
        metrics.observe_request(view, request.method or "", response.status_code,
                                seconds=time.perf_counter() - started, db_seconds=db_timer.seconds,
                                cache_seconds=cache_seconds)
        return response


class _QueryTimer:
    def __init__(self) -> None:
        self.seconds = 0.0

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - started


# Paths whose requests draw no storefront header: the API (token auth), probes and metrics.
NO_HEADER_PREFIXES = ("/api/", "/healthz", "/readyz", "/metrics", "/static/", "/media/")


class RequestPrefetchMiddleware:
    """Reads what a storefront page's header needs in two round trips before the view runs
    (shop.cache.request_prefetch; docs/decisions/0024): what the cookie alone names (the session,
    the versions pages are kept by), then what the session names (its user, their PIN, the counts).
    A view's own keys join them (`shop.cache.prefetches`: the product page's item, reviews' version
    and seller). After SessionMiddleware (which reads nothing until asked) and before authentication."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = request_prefetch_start()
        try:
            if request.method in ("GET", "HEAD") and not request.path.startswith(NO_HEADER_PREFIXES):
                view, kwargs = _view_prefetch(request)
                request_prefetch(page_cache_keys(request) + (view.first(**kwargs) if view else []))
                request_prefetch(storefront_cache_keys(request) + (view.then(**kwargs) if view and view.then else []))
            return self.get_response(request)
        finally:
            request_prefetch_stop(token)


def _view_prefetch(request: HttpRequest) -> tuple[ViewPrefetch | None, dict]:
    """The view's own keys (shop.cache.prefetches), if the URL names a view that declares them."""
    return _view_prefetch_of(request.path_info, getattr(request, "urlconf", None) or settings.ROOT_URLCONF)


@functools.lru_cache(maxsize=4096)
def _view_prefetch_of(path: str, urlconf: str) -> tuple[ViewPrefetch | None, dict]:
    """By path: Django resolves the URL again for the view, and resolving it twice was 3-6 % of a
    kept product page's time (py-spy, decision 0036). The kwargs are only read."""
    try:
        match = resolve(path, urlconf)
    except Resolver404:
        return None, {}
    prefetch = getattr(match.func, "view_prefetch", None)
    return prefetch, (match.kwargs if prefetch else {})
