"""Writes of the cart: add, change quantity, remove, merge on log-in, clear what was ordered.

Items are read as their heads from the catalog's cache (forgotten on every save of an item): the
cart's price at add and its refusals of a retired item follow the catalog as the product page does,
and checkout, which takes the price and refuses under the lock, reads the catalog's rows.

The cart tables may live on their own database (alias "cart"). Every write therefore runs in
`transaction.atomic(using=<that alias>)` and emits its event with `using=` the same alias, so
the change and its outbox row commit together on that database. Adding reads the catalog and
inventory before the transaction opens; changing a quantity reads them under the cart's lock, with
the lines it answers with. Either way the lock is one customer's cart row: only their own writes wait.

Availability is checked when a quantity goes up, against what is available at that moment. The
cart does not hold stock: checkout reserves it, and the cart page shows lines that have since
become short. Quantities only ever go down without a check.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from cart.models import MAX_LINES_PER_CART, MAX_QUANTITY_PER_LINE, Cart, Line
from cart.selectors import (
    CartOwner,
    CartView,
    cart_database,
    cart_line_quantities,
    cart_line_rows,
    cart_view_compose,
)
from catalog.interface import ItemNotFound, item_head_get, item_heads_get
from events.interface import emit
from inventory.interface import availability_get
from shop.versions import version_forget

if TYPE_CHECKING:
    from catalog.interface import ItemSnapshot


# --- Errors: each says what the customer should read -----------------------------------------


class CartError(Exception):
    """Base of the cart's refusals. `str(error)` is a sentence for the customer.

    An item that doesn't exist (or is a draft) is the catalog's ItemNotFound, not a CartError:
    catch `(CartError, ItemNotFound)`."""


class InvalidQuantity(CartError):
    def __init__(self, quantity: int):
        self.quantity = quantity
        super().__init__(f"Choose a quantity from 1 to {MAX_QUANTITY_PER_LINE}.")


class ItemNotForSale(CartError):
    def __init__(self, item_id: int, title: str):
        self.item_id, self.title = item_id, title
        super().__init__(f"“{title}” is no longer sold.")


class NotEnoughStock(CartError):
    """Asking for more than is available. `available` is the total now; `in_cart` what the
    cart already holds of it."""

    def __init__(self, item_id: int, *, title: str, available: int, in_cart: int = 0):
        self.item_id, self.title, self.available, self.in_cart = item_id, title, available, in_cart
        super().__init__(self._message())

    def _message(self) -> str:
        unit = "unit" if self.available == 1 else "units"
        if self.in_cart:
            return (f"Only {self.available} {unit} of “{self.title}” available, and your cart "
                    f"already has {self.in_cart}.")
        return f"Only {self.available} {unit} of “{self.title}” available."


class OutOfStock(NotEnoughStock):
    def __init__(self, item_id: int, *, title: str, in_cart: int = 0):
        super().__init__(item_id, title=title, available=0, in_cart=in_cart)

    def _message(self) -> str:
        return f"“{self.title}” is out of stock."


class LineLimitExceeded(CartError):
    def __init__(self, item_id: int, *, in_cart: int):
        self.item_id, self.in_cart, self.limit = item_id, in_cart, MAX_QUANTITY_PER_LINE
        more = f" (your cart already has {in_cart})" if in_cart else ""
        super().__init__(f"You can have at most {MAX_QUANTITY_PER_LINE} of one item in your cart{more}.")


class CartFull(CartError):
    def __init__(self) -> None:
        self.limit = MAX_LINES_PER_CART
        super().__init__(f"Your cart is full: it holds up to {MAX_LINES_PER_CART} different items.")


class LineNotFound(CartError):
    def __init__(self, item_id: int):
        self.item_id = item_id
        super().__init__("That item is not in your cart.")


# --- Results ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class LineChange:
    item_id: int
    title: str
    quantity: int  # after the change (0: removed)
    previous_quantity: int
    cart: CartView | None = None  # the cart after the change, when the change read it anyway


@dataclass(frozen=True)
class MergedLine:
    item_id: int
    quantity: int  # in the customer's cart after the merge
    added: int  # how many of those came from the anonymous cart


@dataclass(frozen=True)
class MergeResult:
    merged: tuple[MergedLine, ...] = ()
    capped: tuple[int, ...] = ()  # items whose quantities were cut to what is available / allowed
    dropped: tuple[int, ...] = ()  # items that could not be carried over at all

    @property
    def changed(self) -> bool:
        return bool(self.merged or self.capped or self.dropped)


# --- Helpers ----------------------------------------------------------------------------------


def _forget_cached(owner: CartOwner, *, using: str) -> None:
    """The header's count and the kept cart page's version: now, and again after commit, so a
    reader racing the write cannot leave the old number (or page) behind."""
    version_forget(owner.count_cache_key, owner.version_cache_key, using=using)


def _locked_cart(owner: CartOwner, *, using: str) -> Cart | None:
    """The owner's cart, row-locked for the rest of the transaction; None if they have none."""
    return Cart.objects.using(using).select_for_update().filter(**owner.cart_filter).first()


def _locked_or_new_cart(owner: CartOwner, *, using: str) -> Cart:
    """The owner's cart, row-locked for the rest of the transaction (created if they have none)."""
    cart = _locked_cart(owner, using=using)
    if cart is None:
        try:
            with transaction.atomic(using=using):
                cart = Cart.objects.using(using).create(**owner.cart_filter)
        except IntegrityError:  # created a moment ago by a concurrent request
            cart = Cart.objects.using(using).select_for_update().get(**owner.cart_filter)
    return cart


def _emit(type_: str, cart: Cart, payload: dict, *, using: str) -> None:
    _emit_for(type_, cart_id=cart.pk, owner=CartOwner(user_id=cart.user_id, token=cart.token), payload=payload,
              using=using)


def _emit_for(type_: str, *, cart_id: int, owner: CartOwner, payload: dict, using: str) -> None:
    emit(type_, key=f"cart:{cart_id}", using=using,
         payload={"cart_id": cart_id, "user_id": owner.user_id, "cart_token": owner.token, **payload})


def _title(item: ItemSnapshot | None, item_id: int) -> str:
    return item.title if item is not None else f"item {item_id}"


def _for_sale(item_id: int) -> ItemSnapshot:
    """The item's snapshot if customers may buy it; else ItemNotFound / ItemNotForSale."""
    item = item_head_get(item_id)
    if item is None or item.status == "draft":
        raise ItemNotFound(item_id)
    if item.status != "active":
        raise ItemNotForSale(item_id, item.title)
    return item


def _check_stock(item: ItemSnapshot, item_id: int, *, wanted: int, in_cart: int, available: int) -> None:
    if wanted > MAX_QUANTITY_PER_LINE:
        raise LineLimitExceeded(item_id, in_cart=in_cart)
    if available <= 0:
        raise OutOfStock(item_id, title=_title(item, item_id), in_cart=in_cart)
    if wanted > available:
        raise NotEnoughStock(item_id, title=_title(item, item_id), available=available, in_cart=in_cart)


def _touch(cart: Cart, *, using: str) -> None:
    Cart.objects.using(using).filter(pk=cart.pk).update(updated_at=timezone.now())


def _lock_and_touch(owner: CartOwner, *, using: str) -> bool:
    """Lock the owner's cart row for the rest of the transaction (the lock every write of the cart
    takes first) and note the change's time, in one statement. False if they have no cart."""
    return Cart.objects.using(using).filter(**owner.cart_filter).update(updated_at=timezone.now()) == 1


# --- Use cases --------------------------------------------------------------------------------


def cart_add(*, owner: CartOwner, item_id: int, quantity: int = 1) -> LineChange:
    """Put `quantity` more of the item in the cart (creating cart and line as needed).

    Raises InvalidQuantity, ItemNotFound, ItemNotForSale, LineLimitExceeded, OutOfStock,
    NotEnoughStock or CartFull, and then changes nothing. Adding again takes today's price as
    the line's price-at-add: the customer has just seen it.
    """
    if not 1 <= quantity <= MAX_QUANTITY_PER_LINE:
        raise InvalidQuantity(quantity)
    item = _for_sale(item_id)
    available = availability_get(item_ids=[item_id]).get(item_id, 0)
    db = cart_database()
    with transaction.atomic(using=db):
        cart = _locked_or_new_cart(owner, using=db)
        line = Line.objects.using(db).filter(cart=cart, item_id=item_id).first()
        before = line.quantity if line else 0
        _check_stock(item, item_id, wanted=before + quantity, in_cart=before, available=available)
        if line is None:
            if Line.objects.using(db).filter(cart=cart).count() >= MAX_LINES_PER_CART:
                raise CartFull()
            line = Line.objects.using(db).create(cart=cart, item_id=item_id, quantity=quantity,
                                                 price_paise_at_add=item.price_paise)
        else:
            line.quantity, line.price_paise_at_add = before + quantity, item.price_paise
            line.save(update_fields=["quantity", "price_paise_at_add", "updated_at"])
        _touch(cart, using=db)
        _emit("cart.item_added.v1", cart, {"item_id": item_id, "quantity": quantity,
                                           "line_quantity": line.quantity,
                                           "price_paise": item.price_paise}, using=db)
        _forget_cached(owner, using=db)
    return LineChange(item_id=item_id, title=item.title, quantity=line.quantity, previous_quantity=before)


def cart_set_quantity(*, owner: CartOwner, item_id: int, quantity: int) -> LineChange:
    """Set the line's quantity; 0 removes it. Raises LineNotFound when the item is not in the
    cart; going up checks the item is still sold and available, going down never fails.

    The cart's API answers every change with the whole cart, so this reads it under the lock, once:
    the lines (one query), their items' heads (the cache) and availability (one query); the
    returned change carries it (`cart`).
    """
    if quantity == 0:
        removed = cart_remove(owner=owner, item_id=item_id)
        if removed is None:
            raise LineNotFound(item_id)
        return removed
    if not 1 <= quantity <= MAX_QUANTITY_PER_LINE:
        raise InvalidQuantity(quantity)
    db = cart_database()
    with transaction.atomic(using=db):
        if not _lock_and_touch(owner, using=db):
            raise LineNotFound(item_id)
        rows = cart_line_rows(owner=owner, using=db)
        line = next((row for row in rows if row.item_id == item_id), None)
        if line is None:
            raise LineNotFound(item_id)
        ids = [row.item_id for row in rows]
        items = item_heads_get(ids)
        available = availability_get(item_ids=ids)
        item = items.get(item_id)
        before = line.quantity
        if quantity > before:
            if item is None or item.status == "draft":
                raise ItemNotFound(item_id)
            if item.status != "active":
                raise ItemNotForSale(item_id, item.title)
            _check_stock(item, item_id, wanted=quantity, in_cart=before, available=available.get(item_id, 0))
        if quantity != before:
            Line.objects.using(db).filter(pk=line.id).update(quantity=quantity, updated_at=timezone.now())
            _emit_for("cart.quantity_changed.v1", cart_id=line.cart_id, owner=owner, using=db,
                      payload={"item_id": item_id, "quantity": quantity, "previous_quantity": before})
            _forget_cached(owner, using=db)
    after = [row._replace(quantity=quantity) if row.item_id == item_id else row for row in rows]
    return LineChange(item_id=item_id, title=_title(item, item_id), quantity=quantity, previous_quantity=before,
                      cart=cart_view_compose(after, items=items, available=available))


def cart_remove(*, owner: CartOwner, item_id: int, reason: str = "removed") -> LineChange | None:
    """Take the item out of the cart. None if it was not there (removing twice is harmless)."""
    db = cart_database()
    with transaction.atomic(using=db):
        cart = _locked_cart(owner, using=db)
        line = Line.objects.using(db).filter(cart=cart, item_id=item_id).first() if cart else None
        if cart is None or line is None:
            return None
        line.delete()
        _touch(cart, using=db)
        _emit("cart.item_removed.v1", cart, {"item_id": item_id, "quantity": line.quantity,
                                             "reason": reason}, using=db)
        _forget_cached(owner, using=db)
    item = item_head_get(item_id)  # after commit: only for the customer's message
    return LineChange(item_id=item_id, title=_title(item, item_id), quantity=0, previous_quantity=line.quantity)


def cart_clear_items(*, user_id: int, item_ids: list[int], reason: str = "ordered") -> int:
    """Remove these items from the customer's cart (after an order took them). Idempotent:
    items already gone are skipped. Returns how many lines were removed."""
    owner = CartOwner.customer(user_id)
    db = cart_database()
    with transaction.atomic(using=db):
        cart = _locked_cart(owner, using=db)
        if cart is None or not item_ids:
            return 0
        lines = list(Line.objects.using(db).filter(cart=cart, item_id__in=set(item_ids)).order_by("id"))
        if not lines:
            return 0
        Line.objects.using(db).filter(pk__in=[line.pk for line in lines]).delete()
        _touch(cart, using=db)
        for line in lines:
            _emit("cart.item_removed.v1", cart, {"item_id": line.item_id, "quantity": line.quantity,
                                                 "reason": reason}, using=db)
        _forget_cached(owner, using=db)
    return len(lines)


def cart_merge(*, token: str, user_id: int) -> MergeResult:
    """Move the anonymous cart `token` into the customer's cart, then delete it.

    Quantities of an item in both are added, capped by what is available and by the per-line
    limit; a quantity the customer already had is never lowered. Items no longer sold or out of
    stock are dropped, as are new lines beyond the cart's line limit. Merging a token twice (or a
    token with no cart) does nothing.
    """
    db = cart_database()
    visitor, customer = CartOwner.visitor(token), CartOwner.customer(user_id)
    # Catalog and inventory first, outside the transaction (and off the cart database).
    wanted = cart_line_quantities(owner=visitor)
    items = item_heads_get(list(wanted)) if wanted else {}
    available = availability_get(item_ids=list(wanted)) if wanted else {}
    with transaction.atomic(using=db):
        carts = list(Cart.objects.using(db).select_for_update()
                     .filter(Q(token=token) | Q(user_id=user_id)).order_by("pk"))
        anonymous = next((c for c in carts if c.token == token), None)
        if anonymous is None:
            return MergeResult()
        target = next((c for c in carts if c.user_id == user_id), None)
        target = target or _locked_or_new_cart(customer, using=db)
        incoming = list(Line.objects.using(db).filter(cart=anonymous).order_by("added_at", "id"))
        late = [line.item_id for line in incoming if line.item_id not in items]
        if late:  # added between our read and the lock
            items.update(item_heads_get(late))
            available.update(availability_get(item_ids=late))
        own = {line.item_id: line for line in Line.objects.using(db).filter(cart=target)}
        line_count = len(own)
        merged: list[MergedLine] = []
        capped: list[int] = []
        dropped: list[int] = []
        to_update: list[Line] = []
        to_create: list[Line] = []
        now = timezone.now()
        for line in incoming:
            item = items.get(line.item_id)
            sellable = item is not None and item.status == "active"
            cap = min(MAX_QUANTITY_PER_LINE, available.get(line.item_id, 0)) if sellable else 0
            mine = own.get(line.item_id)
            have = mine.quantity if mine else 0
            quantity = min(have + line.quantity, cap)
            if quantity <= have:
                (capped if mine else dropped).append(line.item_id)
                continue
            if quantity < have + line.quantity:
                capped.append(line.item_id)
            if mine:
                mine.quantity, mine.updated_at = quantity, now
                to_update.append(mine)
            elif line_count >= MAX_LINES_PER_CART:
                dropped.append(line.item_id)
                continue
            else:
                to_create.append(Line(cart=target, item_id=line.item_id, quantity=quantity,
                                      price_paise_at_add=line.price_paise_at_add))
                line_count += 1
            merged.append(MergedLine(item_id=line.item_id, quantity=quantity, added=quantity - have))
        Line.objects.using(db).bulk_update(to_update, ["quantity", "updated_at"])
        Line.objects.using(db).bulk_create(to_create)
        from_cart_id = anonymous.pk
        anonymous.delete(using=db)
        _touch(target, using=db)
        result = MergeResult(merged=tuple(merged), capped=tuple(capped), dropped=tuple(dropped))
        _emit("cart.merged.v1", target, {
            "from_cart_id": from_cart_id, "from_cart_token": token,
            "lines": [{"item_id": m.item_id, "quantity": m.quantity, "added": m.added} for m in merged],
            "capped": list(capped), "dropped": list(dropped),
        }, using=db)
        _forget_cached(visitor, using=db)
        _forget_cached(customer, using=db)
    return result


def cart_purge_abandoned(*, older_than: timedelta, now: datetime | None = None) -> int:
    """Delete anonymous carts untouched for `older_than` (their sessions are long gone).

    Customers' carts are kept. Returns how many carts were deleted. Their counts and page
    versions are not forgotten: no session names them any more.
    """
    cutoff = (now or timezone.now()) - older_than
    db = cart_database()
    with transaction.atomic(using=db):
        stale = Cart.objects.using(db).filter(user_id__isnull=True, updated_at__lt=cutoff)
        return stale.delete()[1].get(Cart._meta.label, 0)
