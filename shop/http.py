"""Where to send a visitor back to after a form: one rule for every page."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponseRedirect
from django.shortcuts import resolve_url
from django.utils.http import url_has_allowed_host_and_scheme


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
