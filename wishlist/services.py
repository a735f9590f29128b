"""Writes of the wishlist: save, remove, and move items between the wishlist and the cart.

The wishlist table may live on its own database (alias "wishlist"): every write runs in
`transaction.atomic(using=<that alias>)` and emits with `using=` the same alias.

A move touches two apps whose tables may be on two databases, and there is no transaction across
databases. So a move first adds to the destination, then removes from the source: if the second
step fails, the item is in both places (harmless; doing it again finishes the move), never in
neither.
"""

from __future__ import annotations

from django.core.cache import cache
from django.db import transaction

from cart.interface import CartOwner, LineChange, cart_add, cart_remove
from catalog.interface import ItemNotFound, item_get
from events.interface import emit
from shop.versions import version_forget
from wishlist.models import WishlistItem
from wishlist.selectors import count_cache_key, version_cache_key, wishlist_database


class WishlistError(Exception):
    """Base of the wishlist's refusals. `str(error)` is a sentence for the customer.

    An item that doesn't exist (or is a draft) is the catalog's ItemNotFound, not a WishlistError:
    catch `(WishlistError, ItemNotFound)`."""


class ItemNotForSale(WishlistError):
    def __init__(self, item_id: int, title: str):
        self.item_id, self.title = item_id, title
        super().__init__(f"“{title}” is no longer sold.")


def _forget_count(user_id: int, *, using: str) -> None:
    key = count_cache_key(user_id)
    cache.delete(key)
    transaction.on_commit(lambda: cache.delete(key), using=using)
    version_forget(version_cache_key(user_id), using=using)


def wishlist_add(*, user_id: int, item_id: int) -> bool:
    """Save the item (an active one). True if it was added, False if it was already there."""
    item = item_get(item_id)
    if item is None or item.status == "draft":
        raise ItemNotFound(item_id)
    if item.status != "active":
        raise ItemNotForSale(item_id, item.title)
    db = wishlist_database()
    with transaction.atomic(using=db):
        _, created = WishlistItem.objects.using(db).get_or_create(
            user_id=user_id, item_id=item_id, defaults={"price_paise_at_add": item.price_paise})
        if created:
            emit("wishlist.item_added.v1", key=f"wishlist:{user_id}", using=db,
                 payload={"user_id": user_id, "item_id": item_id, "price_paise": item.price_paise})
            _forget_count(user_id, using=db)
    return created


def wishlist_remove(*, user_id: int, item_id: int, reason: str = "removed") -> bool:
    """Take the item off the wishlist. False if it was not there (removing twice is harmless)."""
    db = wishlist_database()
    with transaction.atomic(using=db):
        deleted, _ = WishlistItem.objects.using(db).filter(user_id=user_id, item_id=item_id).delete()
        if deleted:
            emit("wishlist.item_removed.v1", key=f"wishlist:{user_id}", using=db,
                 payload={"user_id": user_id, "item_id": item_id, "reason": reason})
            _forget_count(user_id, using=db)
    return bool(deleted)


def wishlist_move_to_cart(*, user_id: int, item_id: int, quantity: int = 1) -> LineChange:
    """Add the item to the customer's cart, then take it off the wishlist.

    Raises the cart's CartError (out of stock, not enough, limit...) or ItemNotFound, and then
    the item stays on the wishlist.
    """
    change = cart_add(owner=CartOwner.customer(user_id), item_id=item_id, quantity=quantity)
    wishlist_remove(user_id=user_id, item_id=item_id, reason="moved_to_cart")
    return change


def wishlist_move_from_cart(*, user_id: int, item_id: int) -> bool:
    """Save the cart's item on the wishlist, then take its line out of the cart.

    Returns whether the item was newly saved (False: it was on the wishlist already). Raises
    ItemNotFound / ItemNotForSale for an item that can't be saved; the cart keeps it then.
    """
    created = wishlist_add(user_id=user_id, item_id=item_id)
    cart_remove(owner=CartOwner.customer(user_id), item_id=item_id, reason="moved_to_wishlist")
    return created
