"""The in-app inbox: one row per thing a customer was told. Rows hold ids, never foreign keys."""

from django.db import models


class Notification(models.Model):
    class Kind(models.TextChoices):
        ORDER_PLACED = "order_placed", "order placed"
        ORDER_CANCELLED = "order_cancelled", "order cancelled"
        ORDER_SHIPPED = "order_shipped", "order shipped"
        ORDER_DELIVERED = "order_delivered", "order delivered"
        REFUND_STARTED = "refund_started", "refund started"
        ACCOUNT_SECURITY = "account_security", "account security"
        RETURN_UPDATE = "return_update", "return update"
        SELLER_NOTICE = "seller_notice", "for the seller"

    user_id = models.BigIntegerField()
    kind = models.CharField(max_length=40, choices=Kind.choices)
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    link = models.CharField(max_length=500, blank=True, help_text="A path on this site, e.g. /orders/<id>/.")
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True,
                                      help_text="When the email went out; a repeated send task skips it.")

    class Meta:
        indexes = [models.Index(fields=["user_id", "-created_at"], name="notification_by_user_newest")]

    def __str__(self) -> str:
        return f"{self.kind} for user {self.user_id}"

    @property
    def is_unread(self) -> bool:
        return self.read_at is None
