"""Tables of the wishlist app. They may live on a database of their own (alias "wishlist", see
shop/routers.py): items are ids and prices are copies, never foreign keys to other apps."""

from django.db import models
from django.db.models import Q
from django.utils import timezone


class WishlistItem(models.Model):
    """An item a customer saved for later. Newest first; a list of any length pages in one
    index range scan of (user_id, -added_at, -id)."""

    user_id = models.BigIntegerField()
    item_id = models.BigIntegerField()
    price_paise_at_add = models.BigIntegerField(help_text="The price when it was saved, in paise.")
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-added_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["user_id", "item_id"], name="wishlist_one_per_item"),
            models.CheckConstraint(condition=Q(price_paise_at_add__gt=0), name="wishlist_price_positive"),
        ]
        indexes = [models.Index(fields=["user_id", "-added_at", "-id"], name="wishlist_by_user_newest")]

    def __str__(self) -> str:
        return f"item {self.item_id} on user {self.user_id}'s wishlist"
