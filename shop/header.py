"""The storefront header, rendered once per distinct look in each process.

Every storefront page draws the same header template (partials/header.html) from a handful of
inputs: who is logged in, their PIN, the three counts, the search box's words, the address to come
back to, and the category menu's version. Rendering it cost about a fifth of a kept page's time
(py-spy, docs/decisions/0025); the same inputs always draw the same HTML, so each process keeps the
last few thousand renderings by those inputs, with a placeholder where the CSRF token goes, and a
page only swaps in its own token. `HEADER_INPUTS` lists what the template reads:
tests/shop/test_header.py fails when the template reads anything else, so the key can't fall behind.
"""

from __future__ import annotations

from django.core.cache import cache
from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.template.loader import get_template

from catalog.interface import CATEGORY_MENU_VERSION_KEY
from shop.context_processors import Storefront
from shop.pagecache import Recent, csrf_mark

HEADER_TEMPLATE = "partials/header.html"
HEADER_INPUTS = frozenset({
    "user.is_authenticated", "user.get_short_name", "storefront.pin_code", "storefront.cart_count",
    "storefront.wishlist_count", "storefront.unread_notifications", "storefront.next_url", "request.GET.q",
    "csrf_token", "category_menu",
})
drawn = Recent(size=4096)


def header_html(request: HttpRequest, *, with_token: bool = True) -> str:
    """The header for this request. `with_token=False` leaves the CSRF placeholder for the caller,
    which fills the whole page's in one go (each `get_token` masks the secret anew: 32 draws from
    the OS's random source)."""
    storefront = Storefront(request)
    user = request.user
    template = get_template(HEADER_TEMPLATE)
    compiled = getattr(template, "template", template)  # new after `make dev` resets its loaders
    menu_version = cache.get(CATEGORY_MENU_VERSION_KEY)
    key = (compiled, menu_version, user.is_authenticated,
           user.get_short_name() if user.is_authenticated else "", storefront.pin_code, storefront.cart_count,
           storefront.wishlist_count, storefront.unread_notifications, request.GET.get("q", ""),
           storefront.next_url)
    html = drawn.get(key)
    if not isinstance(html, str):
        html = template.render({"storefront": storefront, "csrf_token": csrf_mark()}, request)
        if menu_version is not None:  # none yet (a flushed cache): the menu tag is making one now
            drawn.put(key, html)
    return html.replace(csrf_mark(), get_token(request)) if with_token else html
