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

    TERMINAL = (Status.DELIVERED, Status.CANCELLED)
    CANCEL_REASONS = {
        "expired": "the payment did not arrive in time",
        "payment_failed": "the payment failed",
        "late_payment_refund": "the payment arrived late and is refunded",
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
    warehouse_id = models.BigIntegerField(null=True)
    delivery_date = models.DateField(null=True)

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


class OrderStatusChange(models.Model):
    """The order's timeline: every transition, with why."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="timeline")
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
        return Order.Status(self.to_status).label if self.to_status in Order.Status.values else self.to_status


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
