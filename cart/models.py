"""Tables of the cart app. They may live on a database of their own (alias "cart", see
shop/routers.py), so nothing here points at another app's table: items are ids, prices copies."""

from django.db import models
from django.db.models import Q

# How many units of one item a line may hold, and how many lines a cart may have. The first is
# also a CheckConstraint, so changing it needs a migration.
MAX_QUANTITY_PER_LINE = 10
MAX_LINES_PER_CART = 50


class Cart(models.Model):
    """A customer's cart (user_id) or an anonymous visitor's (token, kept in their session).

    Exactly one of the two is set. A customer has at most one cart; an anonymous cart is merged
    into it when the visitor logs in, then deleted.
    """

    user_id = models.BigIntegerField(null=True, blank=True, unique=True)
    token = models.CharField(max_length=64, null=True, blank=True, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(Q(user_id__isnull=False, token__isnull=True)
                           | Q(user_id__isnull=True, token__isnull=False)),
                name="cart_owned_by_user_or_token",
            ),
        ]
        # Anonymous carts nobody came back to are found (and purged) by age.
        indexes = [models.Index(fields=["updated_at"], name="cart_by_updated_at")]

    def __str__(self) -> str:
        return f"cart of user {self.user_id}" if self.user_id else f"anonymous cart {self.pk}"


class Line(models.Model):
    """One item in a cart (Oscar's name for it; checkout sees `cart.interface.CartLine`).

    `price_paise_at_add` is the price when the customer last added it, so the cart can say when
    the price has changed since.
    """

    cart = models.ForeignKey(Cart, on_delete=models.CASCADE, related_name="lines")
    item_id = models.BigIntegerField()
    quantity = models.PositiveSmallIntegerField()
    price_paise_at_add = models.BigIntegerField()
    added_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["added_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["cart", "item_id"], name="cart_line_one_per_item"),
            models.CheckConstraint(
                condition=Q(quantity__gte=1, quantity__lte=MAX_QUANTITY_PER_LINE),
                name="cart_line_quantity_1_to_max",
            ),
            models.CheckConstraint(condition=Q(price_paise_at_add__gt=0), name="cart_line_price_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × item {self.item_id} in cart {self.cart_id}"
