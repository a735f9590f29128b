import uuid

from django.db import models
from django.db.models import Q


class Payment(models.Model):
    """One attempt to take money for an order at a gateway.

    An order may have several (the customer tried paying again after a failed or expired one,
    docs/decisions/0033): numbered 1, 2, … per order, and the latest is the current one. Every
    reader of "the order's payment" reads the current attempt; a success of an earlier one is a
    late payment, and refunded.

    The status only moves forward: created → succeeded | failed | voided, and succeeded →
    refunded. A notification that would move it backwards is recorded and ignored.
    """

    class Status(models.TextChoices):
        CREATED = "created"
        SUCCEEDED = "succeeded"
        FAILED = "failed"
        VOIDED = "voided"
        REFUNDED = "refunded"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    order_id = models.CharField(max_length=64)  # looked up through payment_attempt_once (order_id first)
    attempt = models.PositiveSmallIntegerField(default=1, help_text="1 for the order's first payment, then 2, …; "
                                                                     "the latest is the current one.")
    amount_paise = models.BigIntegerField()
    currency = models.CharField(max_length=3, default="INR")
    gateway = models.CharField(max_length=20)
    gateway_ref = models.CharField(max_length=255, blank=True, db_index=True,
                                   help_text="The gateway's id for this payment (e.g. a PaymentIntent).")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.CREATED)
    failure_reason = models.CharField(max_length=255, blank=True)
    refunded_paise = models.BigIntegerField(default=0, help_text="Given back so far; all of it: refunded.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["order_id", "attempt"], name="payment_attempt_once"),
            models.CheckConstraint(condition=Q(attempt__gte=1), name="payment_attempt_positive"),
            models.CheckConstraint(condition=Q(amount_paise__gt=0), name="payment_amount_positive"),
            models.CheckConstraint(condition=Q(refunded_paise__gte=0, refunded_paise__lte=models.F("amount_paise")),
                                   name="payment_refunded_within_amount"),
        ]

    def __str__(self) -> str:
        return f"payment {self.id} (attempt {self.attempt}) for order {self.order_id}: {self.status}"


class Refund(models.Model):
    """Money given back for part or all of a payment (a cancelled shipment, a return, a late
    payment), once per key: the key is also the gateway's idempotency key."""

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds")
    key = models.CharField(max_length=100, unique=True)
    amount_paise = models.BigIntegerField()
    reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(amount_paise__gt=0), name="refund_amount_positive")]

    def __str__(self) -> str:
        return f"refund {self.key}: {self.amount_paise} paise"


class PaymentNotification(models.Model):
    """Every notification a gateway sent, verified, kept once per gateway event id."""

    gateway = models.CharField(max_length=20)
    gateway_event_id = models.CharField(max_length=255)
    payment = models.ForeignKey(Payment, null=True, on_delete=models.SET_NULL, related_name="notifications")
    outcome = models.CharField(max_length=20)
    payload = models.JSONField(default=dict)
    applied = models.BooleanField(default=False, help_text="False when it arrived late or out of order.")
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["gateway", "gateway_event_id"], name="notification_once")]

    def __str__(self) -> str:
        return f"{self.gateway} {self.gateway_event_id}: {self.outcome}"


class SimulatedCharge(models.Model):
    """The simulated gateway's own records: what a real gateway would keep on its side."""

    class Status(models.TextChoices):
        OPEN = "open"
        SUCCEEDED = "succeeded"
        FAILED = "failed"
        VOIDED = "voided"
        REFUNDED = "refunded"

    ref = models.CharField(max_length=40, primary_key=True)
    payment_id = models.UUIDField(unique=True)
    order_id = models.CharField(max_length=64)
    amount_paise = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    refunded_paise = models.BigIntegerField(default=0)
    refund_keys = models.JSONField(default=list, help_text="The idempotency keys of the refunds made.")
    return_url = models.CharField(max_length=500)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"simulated charge {self.ref}: {self.status}"
