from django.db import models
from django.db.models import F, Q


class Stock(models.Model):
    """Units of one item at one warehouse. available = on_hand - reserved, never below zero.

    The constraints are the last line of defence: services reserve with a conditional UPDATE,
    and if a bug ever tried to oversell, the database would refuse the row.
    """

    item_id = models.BigIntegerField()
    warehouse_id = models.BigIntegerField()
    on_hand = models.PositiveIntegerField(default=0)
    reserved = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["item_id", "warehouse_id"], name="stock_one_row_per_item_warehouse"),
            models.CheckConstraint(condition=Q(on_hand__gte=0), name="stock_on_hand_not_negative"),
            models.CheckConstraint(condition=Q(reserved__gte=0), name="stock_reserved_not_negative"),
            models.CheckConstraint(condition=Q(reserved__lte=F("on_hand")), name="stock_reserved_within_on_hand"),
        ]
        indexes = [models.Index(fields=["warehouse_id"], name="stock_by_warehouse")]

    def __str__(self) -> str:
        return f"item {self.item_id} @ warehouse {self.warehouse_id}: {self.on_hand} on hand, {self.reserved} reserved"

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved


class Allocation(models.Model):
    """Units of one stock row given to one order line: held from the order's creation to its
    payment, then committed (they left the shelf) or released. A line the nearest warehouse can't
    fill alone is split over several stock rows, one allocation each; orders groups them into
    shipments by seller and warehouse.
    """

    class Status(models.TextChoices):
        HELD = "held", "held for payment"
        COMMITTED = "committed", "committed (paid)"
        RELEASED = "released", "released"
        RESTOCKED = "restocked", "restocked (cancelled after payment, or returned)"

    order_id = models.CharField(max_length=64)
    item_id = models.BigIntegerField()
    warehouse_id = models.BigIntegerField()
    # No foreign-key constraint in the database: InnoDB would take a shared lock on the hot stock
    # row to check it when the reservation is inserted, and two buyers' shared locks then
    # deadlock on the upgrade to the guarded UPDATE's exclusive lock. Reconciliation checks it.
    stock = models.ForeignKey(Stock, on_delete=models.PROTECT, related_name="allocations", db_constraint=False)
    quantity = models.PositiveIntegerField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.HELD)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["order_id", "stock"], name="allocation_one_per_order_stock"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="allocation_quantity_positive"),
        ]
        indexes = [models.Index(fields=["status", "created_at"], name="allocation_by_status"),
                   models.Index(fields=["order_id", "item_id"], name="allocation_by_order_item")]

    def __str__(self) -> str:
        return f"{self.quantity} × item {self.item_id} for order {self.order_id} ({self.status})"


class StockAdjustment(models.Model):
    """The audit trail of every on-hand change made by a person (staff in admin, seller by API)."""

    class Source(models.TextChoices):
        ADMIN = "admin", "staff in admin"
        SELLER_API = "seller_api", "seller API"
        SYSTEM = "system", "system (seed, repair, cancellation)"
        RETURN = "return", "a customer's return"

    item_id = models.BigIntegerField()
    warehouse_id = models.BigIntegerField()
    on_hand_before = models.PositiveIntegerField()
    on_hand_after = models.PositiveIntegerField()
    actor_id = models.BigIntegerField(null=True, blank=True, help_text="The user who made the change.")
    source = models.CharField(max_length=12, choices=Source.choices)
    reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["item_id", "warehouse_id"], name="adjustment_by_stock")]

    def __str__(self) -> str:
        return f"item {self.item_id} @ {self.warehouse_id}: {self.on_hand_before} → {self.on_hand_after}"
