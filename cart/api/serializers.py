"""The cart's API shapes. Money is integer paise."""

from rest_framework import serializers

from cart.models import MAX_QUANTITY_PER_LINE
from shop.api import StrictIntegerField


class CartLineOutputSerializer(serializers.Serializer):
    product_id = serializers.IntegerField(source="item_id")
    sku = serializers.CharField(source="item.sku", default="")
    title = serializers.CharField()
    image = serializers.CharField()
    quantity = serializers.IntegerField()
    unit_price_paise = serializers.IntegerField(help_text="Today's price of one unit, in paise.")
    price_paise_at_add = serializers.IntegerField(help_text="The price when it was added, in paise.")
    price_changed = serializers.BooleanField()
    line_total_paise = serializers.IntegerField()
    available = serializers.IntegerField(help_text="Units available now.")
    max_quantity = serializers.IntegerField(help_text="The most this line may hold now.")
    status = serializers.ChoiceField(
        choices=["ok", "not_enough_stock", "out_of_stock", "unavailable"],
        help_text="ok, or why the line can't be ordered as it is (it is then left out of the subtotal).",
    )


class CartOutputSerializer(serializers.Serializer):
    lines = CartLineOutputSerializer(many=True)
    item_count = serializers.IntegerField(help_text="Units in the lines that can be ordered.")
    subtotal_paise = serializers.IntegerField(help_text="Sum of the lines that can be ordered, in paise.")
    currency = serializers.CharField()
    has_price_changes = serializers.BooleanField()
    ready_for_checkout = serializers.BooleanField()


class CartItemAddInputSerializer(serializers.Serializer):
    product_id = StrictIntegerField(min_value=1, max_value=2**63 - 1)
    quantity = StrictIntegerField(min_value=1, max_value=MAX_QUANTITY_PER_LINE, default=1)


class CartItemUpdateInputSerializer(serializers.Serializer):
    quantity = StrictIntegerField(min_value=0, max_value=MAX_QUANTITY_PER_LINE, help_text="0 removes the line.")
