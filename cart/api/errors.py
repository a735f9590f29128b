"""The cart's refusals as API errors: one `shop.api.Problem` each (problem JSON)."""

from __future__ import annotations

from rest_framework import exceptions

from cart.services import (
    CartError,
    CartFull,
    InvalidQuantity,
    ItemNotForSale,
    LineLimitExceeded,
    LineNotFound,
    NotEnoughStock,
)
from catalog.interface import ItemNotFound
from shop.api import Problem


def as_api_error(exc: CartError | ItemNotFound) -> exceptions.APIException:
    detail = str(exc)
    if isinstance(exc, InvalidQuantity):
        return exceptions.ValidationError({"quantity": [detail]})
    if isinstance(exc, ItemNotFound):
        return Problem(404, detail, "product-not-found", product_id=exc.item_id)
    if isinstance(exc, LineNotFound):
        return Problem(404, detail, "not-in-cart", product_id=exc.item_id)
    if isinstance(exc, ItemNotForSale):
        return Problem(409, detail, "product-not-for-sale", product_id=exc.item_id)
    if isinstance(exc, NotEnoughStock):
        kind = "out-of-stock" if exc.available == 0 else "insufficient-stock"
        return Problem(409, detail, kind, product_id=exc.item_id, available=exc.available, in_cart=exc.in_cart)
    if isinstance(exc, LineLimitExceeded):
        return Problem(409, detail, "cart-line-limit", product_id=exc.item_id, limit=exc.limit, in_cart=exc.in_cart)
    if isinstance(exc, CartFull):
        return Problem(409, detail, "cart-full", limit=exc.limit)
    return Problem(409, detail, "cart-conflict")
