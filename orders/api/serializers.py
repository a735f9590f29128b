from rest_framework import serializers

from orders.models import Order, OrderLine, OrderStatusChange


class OrderLineOutputSerializer(serializers.ModelSerializer):
    product_id = serializers.IntegerField(source="item_id")
    total_paise = serializers.IntegerField()

    class Meta:
        model = OrderLine
        fields = ["product_id", "sku", "title", "image_url", "seller_id", "unit_price_paise", "quantity",
                  "total_paise", "delivery_date"]


class StatusChangeOutputSerializer(serializers.ModelSerializer):
    status = serializers.CharField(source="to_status")

    class Meta:
        model = OrderStatusChange
        fields = ["status", "reason", "at"]


class OrderOutputSerializer(serializers.ModelSerializer):
    lines = OrderLineOutputSerializer(many=True, read_only=True)
    timeline = StatusChangeOutputSerializer(many=True, read_only=True)
    payment_url = serializers.SerializerMethodField()

    class Meta:
        model = Order
        fields = ["id", "number", "status", "cancel_reason", "created_at", "expires_at", "placed_at",
                  "payment_url", "pin_code", "subtotal_paise", "shipping_paise", "total_paise", "currency", "lines",
                  "timeline"]

    def get_payment_url(self, order: Order) -> str | None:
        if order.status != Order.Status.PENDING_PAYMENT or not order.payment_url:
            return None
        request = self.context.get("request")
        return request.build_absolute_uri(order.payment_url) if request else order.payment_url


class OrderPageOutputSerializer(serializers.Serializer):
    next = serializers.URLField(allow_null=True, help_text="The next (older) page, or null on the last.")
    previous = serializers.URLField(allow_null=True, help_text="Always null: follow `next` from the first page.")
    results = OrderOutputSerializer(many=True)


class SellerOrderOutputSerializer(serializers.ModelSerializer):
    """What a seller needs to ship: the address and only their own lines."""

    # A plain string here: the same choices in a second component would make drf-spectacular name
    # the enum by a hash (and warn); the values are OrderOutput's status enum.
    status = serializers.CharField(help_text="placed, packed, in_transit, delivered or cancelled.")
    lines = OrderLineOutputSerializer(many=True, read_only=True)
    timeline = StatusChangeOutputSerializer(many=True, read_only=True)

    class Meta:
        model = Order
        fields = ["id", "number", "status", "created_at", "placed_at", "ship_name", "ship_phone", "ship_line1",
                  "ship_line2", "ship_city", "ship_state", "pin_code", "lines", "timeline"]
