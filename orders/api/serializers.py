from rest_framework import serializers

from orders.models import Order, OrderLine, OrderStatusChange, ReturnRequest, Shipment


class OrderLineOutputSerializer(serializers.ModelSerializer):
    product_id = serializers.IntegerField(source="item_id")
    total_paise = serializers.IntegerField()

    class Meta:
        model = OrderLine
        fields = ["product_id", "sku", "title", "image_url", "seller_id", "unit_price_paise", "quantity",
                  "total_paise", "delivery_date"]


class StatusChangeOutputSerializer(serializers.ModelSerializer):
    status = serializers.CharField(source="to_status")
    shipment_id = serializers.IntegerField(allow_null=True, help_text="Null: a step of the order itself.")

    class Meta:
        model = OrderStatusChange
        fields = ["status", "reason", "at", "shipment_id"]


class ShipmentLineOutputSerializer(serializers.Serializer):
    product_id = serializers.IntegerField(source="item_id")
    quantity = serializers.IntegerField()


class SellerShipmentLineOutputSerializer(ShipmentLineOutputSerializer):
    sku = serializers.CharField(source="line.sku")
    title = serializers.CharField(source="line.title")
    unit_price_paise = serializers.IntegerField(source="line.unit_price_paise")


class ShipmentOutputSerializer(serializers.Serializer):
    """One parcel: one seller's units from one warehouse, moving on its own."""

    id = serializers.IntegerField(allow_null=True, help_text="Null only for orders archived before shipments.")
    seller_id = serializers.IntegerField()
    warehouse_id = serializers.IntegerField(allow_null=True)
    status = serializers.ChoiceField(choices=Shipment.Status.choices)
    promised_date = serializers.DateField(allow_null=True)
    courier = serializers.CharField()
    tracking_number = serializers.CharField()
    cash_due_paise = serializers.IntegerField(allow_null=True, help_text="Cash on delivery: what the courier "
                                              "collects at the door, set when it is handed over; null when prepaid.")
    cash_collected_paise = serializers.IntegerField(allow_null=True, help_text="Cash on delivery: the cash "
                                                    "collected, once the seller has recorded it.")
    lines = ShipmentLineOutputSerializer(many=True, read_only=True)


class OrderOutputSerializer(serializers.ModelSerializer):
    lines = OrderLineOutputSerializer(many=True, read_only=True)
    shipments = ShipmentOutputSerializer(many=True, read_only=True)
    timeline = StatusChangeOutputSerializer(many=True, read_only=True)
    payment_url = serializers.SerializerMethodField()

    class Meta:
        model = Order
        fields = ["id", "number", "status", "cancel_reason", "created_at", "expires_at", "placed_at",
                  "payment_method", "payment_url", "pin_code", "subtotal_paise", "shipping_paise", "total_paise",
                  "currency", "lines", "shipments", "timeline"]

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
    status = serializers.CharField(help_text="placed, packed, in_transit, delivered, cancelled or returned: "
                                             "the least advanced of all its shipments, every seller's.")
    lines = OrderLineOutputSerializer(many=True, read_only=True)
    shipments = ShipmentOutputSerializer(many=True, read_only=True, help_text="Only this seller's shipments.")
    timeline = StatusChangeOutputSerializer(many=True, read_only=True)

    class Meta:
        model = Order
        fields = ["id", "number", "status", "payment_method", "created_at", "placed_at", "ship_name", "ship_phone",
                  "ship_line1", "ship_line2", "ship_city", "ship_state", "pin_code", "lines", "shipments", "timeline"]


class SellerShipmentOutputSerializer(ShipmentOutputSerializer):
    """A shipment as its seller ships it: the order, the address, and what goes in the parcel."""

    order_id = serializers.UUIDField()
    order_reference = serializers.CharField(source="order.reference")
    ship_name = serializers.CharField(source="order.ship_name")
    ship_phone = serializers.CharField(source="order.ship_phone")
    ship_line1 = serializers.CharField(source="order.ship_line1")
    ship_line2 = serializers.CharField(source="order.ship_line2")
    ship_city = serializers.CharField(source="order.ship_city")
    ship_state = serializers.CharField(source="order.ship_state")
    pin_code = serializers.CharField(source="order.pin_code")
    created_at = serializers.DateTimeField()
    items = SellerShipmentLineOutputSerializer(source="lines", many=True, read_only=True)


class ReturnLineOutputSerializer(serializers.Serializer):
    product_id = serializers.IntegerField(source="shipment_line.line.item_id")
    sku = serializers.CharField(source="shipment_line.line.sku")
    title = serializers.CharField(source="shipment_line.line.title")
    quantity = serializers.IntegerField()
    outcome = serializers.CharField(help_text="Empty until received; then restocked or written_off.")
    warehouse_id = serializers.IntegerField(allow_null=True)


class ReturnOutputSerializer(serializers.ModelSerializer):
    status = serializers.ChoiceField(choices=ReturnRequest.Status.choices)
    lines = ReturnLineOutputSerializer(many=True, read_only=True)
    order_reference = serializers.CharField(source="order.reference")

    class Meta:
        model = ReturnRequest
        fields = ["id", "order_id", "order_reference", "shipment_id", "status", "reason", "decision_note",
                  "refund_paise", "created_at", "lines"]


class ReorderLineOutputSerializer(serializers.Serializer):
    product_id = serializers.IntegerField(source="item_id")
    title = serializers.CharField(help_text="As on the past order.")
    ordered = serializers.IntegerField(help_text="How many the past order had.")
    added = serializers.IntegerField(help_text="How many went into the cart now (0: skipped).")
    note = serializers.CharField(help_text="Why not all of it, for the customer; empty when all was added.")


class ReorderOutputSerializer(serializers.Serializer):
    """What "buy again" put in the cart, product by product."""

    order_id = serializers.UUIDField()
    added = ReorderLineOutputSerializer(many=True, help_text="Added in full, at today's price.")
    capped = ReorderLineOutputSerializer(many=True, help_text="Added in part: what is in stock, or the cart's "
                                                              "per-line limit.")
    skipped = ReorderLineOutputSerializer(many=True, help_text="Not added: no longer sold, or out of stock.")
