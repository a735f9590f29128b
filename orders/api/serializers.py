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
        fields = ["id", "status", "cancel_reason", "created_at", "expires_at", "placed_at", "payment_url",
                  "pin_code", "subtotal_paise", "shipping_paise", "total_paise", "currency", "lines", "timeline"]

    def get_payment_url(self, order: Order) -> str | None:
        if order.status != Order.Status.PENDING_PAYMENT or not order.payment_url:
            return None
        request = self.context.get("request")
        return request.build_absolute_uri(order.payment_url) if request else order.payment_url
