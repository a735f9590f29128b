import uuid

from django.db import models


class OutboxEvent(models.Model):
    """An event written in the same transaction as the change it describes.

    The autoincrement id is the publication order; `lane` (a hash of the key) lets several
    relays share the work while every key's events still go out in order.
    """

    id = models.BigAutoField(primary_key=True)
    event_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    type = models.CharField(max_length=100)
    key = models.CharField(max_length=100, help_text="The aggregate id; events of one key keep their order.")
    payload = models.JSONField(default=dict)
    occurred_at = models.DateTimeField()
    lane = models.PositiveSmallIntegerField()
    published_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        indexes = [models.Index(fields=["lane", "published_at", "id"], name="outbox_pending_by_lane")]

    def __str__(self) -> str:
        return f"{self.type} {self.key} #{self.pk}"


class RelayLane(models.Model):
    """A lease: the relay holding lane N until `leased_until` is the only one publishing it."""

    lane = models.PositiveSmallIntegerField(primary_key=True)
    leased_by = models.CharField(max_length=100, blank=True)
    leased_until = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"lane {self.lane}" + (f" leased by {self.leased_by}" if self.leased_by else "")


class HandledEvent(models.Model):
    """What each consumer has handled: a second delivery of the same event is a no-op."""

    consumer = models.CharField(max_length=100)
    event_id = models.UUIDField()
    handled_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["consumer", "event_id"], name="handled_once")]
        indexes = [models.Index(fields=["handled_at"], name="handled_by_age")]

    def __str__(self) -> str:
        return f"{self.consumer} handled {self.event_id}"
