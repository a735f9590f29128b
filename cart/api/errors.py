"""The cart's refusals as API errors; shop.api's handler renders them as problem JSON."""

from __future__ import annotations

from rest_framework import exceptions

from cart.services import (
    CartError,
    CartFull,
    InvalidQuantity,
    ItemNotForSale,
    ItemNotFound,
    LineLimitExceeded,
    LineNotFound,
    NotEnoughStock,
)


class CartProblem(exceptions.APIException):
    """An APIException with a problem type and extra members (read by shop.api's handler)."""

    def __init__(self, detail: str, *, status: int, problem_type: str, **extra):
        self.status_code = status
        self.problem_type = problem_type
        self.problem_extra = extra
        super().__init__(detail)


def as_api_error(exc: CartError) -> exceptions.APIException:
    detail = str(exc)
    if isinstance(exc, InvalidQuantity):
        return exceptions.ValidationError({"quantity": [detail]})
    if isinstance(exc, ItemNotFound):
        return CartProblem(detail, status=404, problem_type="product-not-found", product_id=exc.item_id)
    if isinstance(exc, LineNotFound):
        return CartProblem(detail, status=404, problem_type="not-in-cart", product_id=exc.item_id)
    if isinstance(exc, ItemNotForSale):
        return CartProblem(detail, status=409, problem_type="product-not-for-sale", product_id=exc.item_id)
    if isinstance(exc, NotEnoughStock):
        kind = "out-of-stock" if exc.available == 0 else "insufficient-stock"
        return CartProblem(detail, status=409, problem_type=kind, product_id=exc.item_id,
                           available=exc.available, in_cart=exc.in_cart)
    if isinstance(exc, LineLimitExceeded):
        return CartProblem(detail, status=409, problem_type="cart-line-limit", product_id=exc.item_id,
                           limit=exc.limit, in_cart=exc.in_cart)
    if isinstance(exc, CartFull):
        return CartProblem(detail, status=409, problem_type="cart-full", limit=exc.limit)
    return CartProblem(detail, status=409, problem_type="cart-conflict")
