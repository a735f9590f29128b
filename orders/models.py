import uuid

from django.db import models
from django.db.models import Q

from shop.references import order_reference


class Order(models.Model):
    class Status(models.TextChoices):
        PENDING_PAYMENT = "pending_payment", "waiting for payment"
        PLACED = "placed", "placed"
        PACKED = "packed", "packed"
        IN_TRANSIT = "in_transit", "in transit"
        DELIVERED = "delivered", "delivered"
        CANCELLED = "cancelled", "cancelled"
        RETURNED = "returned", "returned"

    class PaymentMethod(models.TextChoices):
        ONLINE = "online", "paid online"
        COD = "cod", "cash on delivery"

    # An order's status after payment is derived from its shipments (orders.services.fulfilment).
    TERMINAL = (Status.DELIVERED, Status.CANCELLED, Status.RETURNED)
    CANCEL_REASONS = {
        "expired": "the payment did not arrive in time",
        "payment_failed": "the payment failed",
        "late_payment_refund": "the payment arrived late and is refunded",
        "cancelled_by_customer": "you cancelled it",
    }

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # What people read and quote (BZ-26-0001234, orders.numbers); the id stays internal.
    number = models.CharField(max_length=32, unique=True, editable=False)
    user_id = models.BigIntegerField(db_index=True)
    idempotency_key = models.CharField(max_length=255)
    request_fingerprint = models.CharField(max_length=64, help_text="A hash of what was asked for.")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING_PAYMENT)
    cancel_reason = models.CharField(max_length=40, blank=True)
    pin_code = models.CharField(max_length=6)
    ship_name = models.CharField(max_length=150)
    ship_phone = models.CharField(max_length=20, blank=True)
    ship_line1 = models.CharField(max_length=200)
    ship_line2 = models.CharField(max_length=200, blank=True)
    ship_city = models.CharField(max_length=100)
    ship_state = models.CharField(max_length=100, blank=True)
    subtotal_paise = models.BigIntegerField()
    shipping_paise = models.BigIntegerField(default=0)
    total_paise = models.BigIntegerField()
    currency = models.CharField(max_length=3, default="INR")
    payment_url = models.CharField(max_length=500, blank=True)
    # Cash on delivery: placed at once, without a payment page or an expiry; each shipment's cash is
    # collected at the door (Shipment.cash_due_paise), decision 0034.
    payment_method = models.CharField(max_length=10, choices=PaymentMethod.choices, default=PaymentMethod.ONLINE)
    expires_at = models.DateTimeField()
    placed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user_id", "idempotency_key"], name="order_idempotency_key_per_user"),
            models.CheckConstraint(condition=Q(total_paise__gt=0), name="order_total_positive"),
        ]
        indexes = [
            models.Index(fields=["status", "expires_at"], name="order_by_status_expiry"),
            models.Index(fields=["user_id", "-created_at"], name="order_by_user_newest"),
        ]

    def __str__(self) -> str:
        return f"order {self.reference} ({self.status})"

    @property
    def reference(self) -> str:
        """How people name the order: its number (the id's first hex digits before it had one)."""
        return order_reference(self.id, self.number)

    @property
    def cancel_reason_text(self) -> str:
        return self.CANCEL_REASONS.get(self.cancel_reason, self.cancel_reason.replace("_", " "))

    @property
    def cancellable(self) -> bool:
        """Whether the customer may still call the whole order off: unpaid, or nothing has left."""
        if self.status == self.Status.PENDING_PAYMENT:
            return True
        going = [s for s in self.shipments.all() if s.status != Shipment.Status.CANCELLED]
        return self.status in (self.Status.PLACED, self.Status.PACKED) and all(s.cancellable for s in going)


class OrderLine(models.Model):
    """A snapshot of what was bought: the catalog may change, the order doesn't."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    item_id = models.BigIntegerField()
    seller_id = models.BigIntegerField()
    sku = models.CharField(max_length=64)
    title = models.CharField(max_length=300)
    image_url = models.CharField(max_length=500, blank=True)
    unit_price_paise = models.BigIntegerField()
    quantity = models.PositiveIntegerField()
    delivery_date = models.DateField(null=True, help_text="When the whole line has arrived: its last shipment's date.")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["order", "item_id"], name="order_line_one_per_item"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="order_line_quantity_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.sku}"

    @property
    def total_paise(self) -> int:
        return self.unit_price_paise * self.quantity


class Shipment(models.Model):
    """What one seller sends from one warehouse for one order: a parcel with its own lifecycle,
    courier, tracking number and promised date. Its lines are the order lines' allocated units."""

    class Status(models.TextChoices):
        PENDING = "pending", "waiting to be packed"
        PACKED = "packed", "packed"
        IN_TRANSIT = "in_transit", "in transit"
        DELIVERED = "delivered", "delivered"
        CANCELLED = "cancelled", "cancelled"
        RETURNED = "returned", "returned"

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="shipments")
    seller_id = models.BigIntegerField(db_index=True)
    warehouse_id = models.BigIntegerField(null=True, help_text="Empty only for orders taken before shipments.")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    promised_date = models.DateField(null=True)
    courier = models.CharField(max_length=100, blank=True)
    tracking_number = models.CharField(max_length=100, blank=True)
    invoice_number = models.CharField(max_length=40, blank=True, help_text="Set when invoicing has issued it.")
    delivered_at = models.DateTimeField(null=True, blank=True, help_text="When it was delivered: its return window "
                                                                            "starts here.")
    invoice_path = models.CharField(max_length=200, blank=True)
    # Cash on delivery only: what the courier collects at the door, fixed when the parcel is handed
    # over (its items' price, and the order's shipping fee on the first parcel to leave), and what
    # the seller reports collected once it is delivered. Both empty for a prepaid order.
    cash_due_paise = models.BigIntegerField(null=True, blank=True)
    cash_collected_paise = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["promised_date", "id"]
        constraints = [
            models.UniqueConstraint(fields=["order", "seller_id", "warehouse_id"],
                                    name="shipment_one_per_seller_warehouse"),
            models.CheckConstraint(condition=Q(cash_collected_paise__isnull=True)
                                   | Q(cash_collected_paise=models.F("cash_due_paise")),
                                   name="shipment_cash_collected_as_due"),
        ]

    def __str__(self) -> str:
        return f"shipment {self.pk} of {self.order_id} ({self.status})"

    @property
    def on_its_way(self) -> bool:
        """Not yet delivered, and not called off: its promised date still means something."""
        return self.status in (self.Status.PENDING, self.Status.PACKED, self.Status.IN_TRANSIT)

    @property
    def cancellable(self) -> bool:
        """Not yet with the courier: the customer may still cancel it."""
        return self.status in (self.Status.PENDING, self.Status.PACKED)


class ShipmentLine(models.Model):
    """Units of one order line in one shipment (a line split over warehouses is in several)."""

    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="lines")
    line = models.ForeignKey(OrderLine, on_delete=models.CASCADE, related_name="shipment_lines")
    quantity = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["shipment", "line"], name="shipment_line_one_per_order_line"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="shipment_line_quantity_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} of line {self.line_id}"

    @property
    def item_id(self) -> int:
        return self.line.item_id

    @property
    def total_paise(self) -> int:
        return self.line.unit_price_paise * self.quantity


class ReturnRequest(models.Model):
    """A customer's request to send back delivered units of one shipment, and what became of it:
    requested → approved (or rejected) → received, when the units are restocked (or written off)
    and the refund issued."""

    class Status(models.TextChoices):
        REQUESTED = "requested", "return requested"
        APPROVED = "approved", "return approved: send the items back"
        REJECTED = "rejected", "return declined"
        RECEIVED = "received", "items received, refund issued"

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="returns")
    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="returns")
    user_id = models.BigIntegerField()
    reason = models.CharField(max_length=500)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.REQUESTED)
    decision_note = models.CharField(max_length=500, blank=True)
    refund_paise = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "created_at"], name="return_by_status")]

    def __str__(self) -> str:
        return f"return {self.pk} of shipment {self.shipment_id} ({self.status})"


class ReturnLine(models.Model):
    class Outcome(models.TextChoices):
        PENDING = "", "not received yet"
        RESTOCKED = "restocked", "back in stock"
        WRITTEN_OFF = "written_off", "written off (damaged)"

    request = models.ForeignKey(ReturnRequest, on_delete=models.CASCADE, related_name="lines")
    shipment_line = models.ForeignKey(ShipmentLine, on_delete=models.CASCADE, related_name="returned")
    quantity = models.PositiveIntegerField()
    outcome = models.CharField(max_length=20, choices=Outcome.choices, default=Outcome.PENDING, blank=True)
    warehouse_id = models.BigIntegerField(null=True, blank=True, help_text="Where it was restocked.")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["request", "shipment_line"], name="return_line_once_per_request"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="return_line_quantity_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} of shipment line {self.shipment_line_id}"

    @property
    def total_paise(self) -> int:
        return self.shipment_line.line.unit_price_paise * self.quantity


class OrderStatusChange(models.Model):
    """The order's timeline: every transition of the order or of one of its shipments, with why."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="timeline")
    shipment = models.ForeignKey(Shipment, null=True, blank=True, on_delete=models.CASCADE, related_name="timeline")
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20)
    reason = models.CharField(max_length=200, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.from_status or 'new'} → {self.to_status}"

    @property
    def to_status_display(self) -> str:
        statuses = Shipment.Status if self.shipment_id else Order.Status
        return str(statuses(self.to_status).label) if self.to_status in statuses.values else self.to_status


class ReconciliationRun(models.Model):
    """One pass of reconciliation: what it found, what it repaired, what needs a person."""

    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True)
    repaired = models.PositiveIntegerField(default=0)
    unresolved = models.PositiveIntegerField(default=0)
    findings = models.JSONField(default=list)

    class Meta:
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"reconciliation {self.started_at:%Y-%m-%d %H:%M}: {self.repaired} repaired, {self.unresolved} open"


class OrderNumberCounter(models.Model):
    """The last order number given out in a year (orders.numbers): one row per year."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"order numbers of {self.year}: {self.last} given out"


class ArchivedOrderRecord(models.Model):
    """The embedded order archive (orders.backends.relational): one finished order's snapshot.

    No foreign keys: the live rows are gone once an order is archived. The snapshot is the whole
    order (lines and timeline) as orders.backends.base.ArchivedOrder serialises it."""

    order_id = models.UUIDField(primary_key=True)
    user_id = models.BigIntegerField()
    created_at = models.DateTimeField()
    # The order's number, for staff's search; empty for orders archived before they had one.
    number = models.CharField(max_length=32, blank=True, default="", db_index=True)
    snapshot = models.JSONField()
    archived_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["user_id", "-created_at"], name="archived_order_by_user")]

    def __str__(self) -> str:
        return f"archived order {self.order_id}"
