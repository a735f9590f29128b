"""The product page: what the item is, whether it is in stock and when it reaches the visitor.

And a category's landing page, /c/electronics/mobiles/: search's results page for the category
(filters, sort, delivery dates), with the category's header above them.
"""

from __future__ import annotations

from django.core.cache import cache
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from accounts.interface import current_pin_get, profile_cache_key, profile_get
from catalog.selectors import (
    CATEGORY_MENU_VERSION_KEY,
    category_browse,
    category_get,
    category_trail,
    item_get,
    item_head_get,
    item_head_key,
    variants_of_group,
)
from catalog.types import ItemSnapshot, VariantInfo
from catalog.variants import variant_pickers
from inventory.interface import availability_get, delivery_promises
from logistics.interface import PinCodeError
from recommendations.interface import (
    also_bought_for,
    latest_run_ids,
    product_view_record,
    recently_viewed_remember,
    search_click_get,
    shelf_entries,
)
from reviews.interface import can_review, may_review_version, product_reviews, reviews_version, reviews_version_key
from search.interface import category_results_page, results_version
from shop.cache import prefetches
from shop.pagecache import PageBuild, cached_page, page_key
from wishlist.interface import wishlist_item_ids, wishlist_version

LOW_STOCK = 5
ALSO_BOUGHT_SIZE = 6


def _product_keys(item_id: int, **_) -> list[str]:
    return [item_head_key(item_id), reviews_version_key(item_id)]


def _product_seller_keys(item_id: int, **_) -> list[str]:
    item = item_head_get(item_id)  # read with the session
    return [profile_cache_key(item.seller_id)] if item is not None else []


# What the kept page's key reads, in the page's two round trips to the cache (with the session,
# then with the header's keys).
@prefetches(_product_keys, then=_product_seller_keys)
def product_detail(request, item_id: int, slug: str = ""):
    item = item_head_get(item_id)  # its version names the page (from the cache); attributes on a miss
    if item is None or not item.is_active:
        raise Http404("No such product.")
    canonical = product_slug(item.title)
    pin = current_pin_get(request)
    if slug != canonical:
        # A search result's link (ref=search&pos=N) is recorded here, before the redirect drops it;
        # such a redirect is not permanent, or the browser would skip this request next time.
        clicked = search_click_get(request) is not None
        if clicked:
            product_view_record(request, item_id=item.item_id, category_id=item.category_id,
                                price_paise=item.price_paise, pin_code=pin, viewed=False)
        return redirect("catalog:product", item_id=item.item_id, slug=canonical, permanent=not clicked)
    product_view_record(request, item_id=item.item_id, category_id=item.category_id, price_paise=item.price_paise,
                        pin_code=pin)
    viewer = request.user.pk if request.user.is_authenticated else None
    # What the page shows for this viewer is named by tokens, not read (no query): their wishlist's
    # (whether they saved the item) and their orders' (whether they may review it: a delivery).
    # Their other parts (their review, their votes) change the reviews' version; the item's stock,
    # delivery dates and its listing's stock change search's version.
    mine = (wishlist_version(user_id=viewer), may_review_version(user_id=viewer)) if viewer is not None else None
    version = results_version(pin or None)
    seller = profile_get(user_id=item.seller_id)
    key = page_key("product", request.build_absolute_uri(), item.item_id, item.version, viewer, mine,
                   pin, version, reviews_version(item.item_id), seller.full_name if seller else None,
                   cache.get(CATEGORY_MENU_VERSION_KEY), tuple(sorted(latest_run_ids().items()))) if version else None
    response, _ = cached_page(request, key=key, build=lambda: _product_build(item, pin=pin, viewer=viewer,
                                                                             seller=seller))
    recently_viewed_remember(request, response, item.item_id)
    return response


def _product_build(item: ItemSnapshot, *, pin: str, viewer: int | None, seller) -> PageBuild:
    """The product page for `viewer`: kept (shop.pagecache) under a key naming everything it
    shows, built here on a miss (docs/decisions/0025)."""
    item = item_get(item.item_id) or item  # with its attributes now
    saved = viewer is not None and bool(wishlist_item_ids(user_id=viewer, item_ids=[item.item_id]))
    may_review = viewer is not None and can_review(item_id=item.item_id, user_id=viewer, seller_id=item.seller_id)
    # A variant of a listing: its siblings in one query, the stock of all of them in one call.
    variants = variants_of_group(variant_group_id=item.variant_group_id) if item.variant_group_id else []
    stock = availability_get(item_ids=list(dict.fromkeys([item.item_id, *(v.item_id for v in variants)])))
    available = stock[item.item_id]
    promise = None
    if pin and available:
        try:
            promise = delivery_promises(item_ids=[item.item_id], pin_code=pin, now=timezone.now()).get(item.item_id)
        except PinCodeError:
            pin = ""
    category = category_get(item.category_id)
    pickers = variant_pickers(item_id=item.item_id, variants=variants, available=stock,
                              specs=category.attributes, url_of=product_url) if variants and category else None
    labels = {a.code: a for a in category.attributes} if category else {}
    attributes = [(labels[code].label if code in labels else code.replace("_", " ").capitalize(),
                   _show(value, labels[code].unit if code in labels else ""))
                  for code, value in item.attributes.items() if value not in (None, "", [])]
    reviews = product_reviews(item_id=item.item_id, seller_id=item.seller_id, viewer_id=viewer,
                              may_review=may_review)
    also_bought = shelf_entries(also_bought_for(item.item_id, pin=pin or None, limit=ALSO_BOUGHT_SIZE,
                                                user_id=viewer))
    return PageBuild("catalog/product.html", {
        "saved": saved, "reviews": reviews, "also_bought": also_bought,
        "item": item, "available": available, "low_stock": 0 < available <= LOW_STOCK, "pin": pin,
        "promise": promise, "attributes": attributes, "category": category, "pickers": pickers,
        "seller_name": (seller.full_name or "a Bazaar seller") if seller else "a Bazaar seller",
        "crumbs": [*category_crumbs(item.category_id), {"name": item.title, "url": ""}],
    })


def product_slug(title: str) -> str:
    return slugify(title)[:80] or "item"  # a title in Devanagari slugifies to ""


def product_url(variant: VariantInfo) -> str:
    return reverse("catalog:product", kwargs={"item_id": variant.item_id, "slug": product_slug(variant.title)})


def category_url(path: str) -> str:
    return reverse("catalog:category", kwargs={"category_path": path})


def category_crumbs(category_id: int) -> list[dict]:
    """Home, then the category's ancestors and the category itself, each with its landing page."""
    return [{"name": "Home", "url": reverse("home")},
            *({"name": c.name, "url": category_url(c.path)} for c in category_trail(category_id))]


def category_page(request, category_path: str):
    """A category's landing page: its name, breadcrumbs, sub-categories, top brands, and search's
    results for everything in it. The tree comes from the cached menu: no query to find it."""
    category = category_browse(category_path)
    if category is None:
        raise Http404("No such category.")
    crumbs = category_crumbs(category.id)
    crumbs[-1] = {**crumbs[-1], "url": ""}
    children = [{"name": c.name, "url": category_url(c.path)} for c in category.children]
    return category_results_page(request, category_id=category.id, name=category.name, crumbs=crumbs,
                                 children=children)


def _show(value, unit: str) -> str:
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return f"{value} {unit}".strip()
