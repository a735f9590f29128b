"""HTTP helpers every page shares: where to send a visitor back to after a form (one rule for every
page), who the visitor is (one rule for every limiter), work that runs after the response."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponseRedirect
from django.shortcuts import resolve_url
from django.utils.http import url_has_allowed_host_and_scheme

logger = logging.getLogger(__name__)


def safe_next_url(request: HttpRequest, fallback: str = "") -> str:
    """The `next` the visitor came with if it points back at this site, else `fallback`
    (a URL or a URL name; "" stays "")."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return resolve_url(fallback) if fallback else ""


def redirect_back(request: HttpRequest, fallback: str) -> HttpResponseRedirect:
    """A redirect to `next` or `fallback`. Never `redirect(next)`: a bare word would be taken
    for a URL name and fail to reverse."""
    return HttpResponseRedirect(safe_next_url(request, fallback))


def logged_in_user_id(request: HttpRequest) -> int:
    """The logged-in user's id, in a view behind `@login_required` (which sends anyone else to
    the log-in page first). Should a view forget the decorator, an anonymous visitor gets a 403."""
    user_id = request.user.pk
    if user_id is None:
        raise PermissionDenied("Log in first.")
    return user_id


def client_address(request: HttpRequest) -> str:
    """The address of the visitor, the one every limiter counts by.

    `settings.TRUSTED_PROXIES` is how many proxies of ours stand in front of the application
    (0: none, the peer is the visitor). Each of them appends the address it received from to
    X-Forwarded-For, so with n proxies the visitor is the n-th entry from the right; whatever
    lies further left was written by the visitor and is not believed. Fewer entries than that
    (a request that bypassed a proxy) give the leftmost one, then REMOTE_ADDR. This is DRF's
    NUM_PROXIES rule, so both agree (settings pass TRUSTED_PROXIES as NUM_PROXIES).
    """
    remote = request.META.get("REMOTE_ADDR") or "unknown"
    hops = getattr(settings, "TRUSTED_PROXIES", 0)
    if hops <= 0:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [part for part in forwarded if part]
    if not forwarded:
        return remote
    return forwarded[-min(hops, len(forwarded))]


class RedirectThenRun(HttpResponseRedirect):
    """A redirect that runs `after` once the server has sent it.

    WSGI servers (and Django's ASGI handler) call `close()` after the last byte went out, so the
    visitor's wait, and the time it takes, never depend on the work done here. A failure is
    logged, never shown: the visitor already has their answer. It runs before Django's own
    end-of-request clean-up (closing database connections), so it may use the database.
    """

    def __init__(self, redirect_to: str, *, after: Callable[[], object] | None = None) -> None:
        super().__init__(redirect_to)
        self._after = after

    def close(self) -> None:
        after, self._after = self._after, None
        try:
            if after is not None:
                after()
        except Exception:
            logger.exception("Work after the response failed")
        finally:
            super().close()
