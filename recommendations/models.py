"""The batch jobs' runs and their results.

Each run of a job is a JobRun; its results are rows pointing at it. A run's rows and its
"succeeded" are written in one transaction, so readers, who read the rows of the latest
succeeded run of a job (selectors.py), see the previous results or the new ones, never a mix,
and a failed run leaves the last good results in place.
"""

from django.db import models


class JobRun(models.Model):
    class Outcome(models.TextChoices):
        RUNNING = "running"
        SUCCEEDED = "succeeded"
        FAILED = "failed"

    name = models.CharField(max_length=40)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=12, choices=Outcome.choices, default=Outcome.RUNNING)
    duration_seconds = models.FloatField(null=True, blank=True)
    figures = models.JSONField(default=dict, blank=True)  # counts per stage, hyperparameters, metrics
    error = models.TextField(blank=True)

    class Meta:
        indexes = [models.Index(fields=["name", "outcome", "-finished_at"], name="rec_jobrun_latest")]

    def __str__(self) -> str:
        return f"{self.name} #{self.pk} ({self.outcome})"


class PopularItem(models.Model):
    class Scope(models.TextChoices):
        ALL = "all"
        CATEGORY = "category"  # scope_key: the category id (its items and those below it)
        STATE = "state"  # scope_key: the state in capitals ("KARNATAKA"), from the event's PIN code

    run = models.ForeignKey(JobRun, on_delete=models.CASCADE, related_name="+")
    scope = models.CharField(max_length=10, choices=Scope.choices)
    scope_key = models.CharField(max_length=64, blank=True)
    item_id = models.BigIntegerField()
    score = models.FloatField()
    rank = models.PositiveIntegerField()

    class Meta:
        indexes = [models.Index(fields=["run", "scope", "scope_key", "rank"], name="rec_popular_read")]

    def __str__(self) -> str:
        return f"{self.scope} {self.scope_key} #{self.rank}: item {self.item_id}"


class CustomerRecommendation(models.Model):
    run = models.ForeignKey(JobRun, on_delete=models.CASCADE, related_name="+")
    customer_id = models.BigIntegerField()
    item_id = models.BigIntegerField()
    score = models.FloatField()
    rank = models.PositiveIntegerField()

    class Meta:
        indexes = [models.Index(fields=["run", "customer_id", "rank"], name="rec_customer_read")]

    def __str__(self) -> str:
        return f"customer {self.customer_id} #{self.rank}: item {self.item_id}"


class AlsoBought(models.Model):
    run = models.ForeignKey(JobRun, on_delete=models.CASCADE, related_name="+")
    item_id = models.BigIntegerField()
    other_item_id = models.BigIntegerField()
    score = models.FloatField()
    rank = models.PositiveIntegerField()

    class Meta:
        indexes = [models.Index(fields=["run", "item_id", "rank"], name="rec_also_bought_read")]

    def __str__(self) -> str:
        return f"item {self.item_id} #{self.rank}: item {self.other_item_id}"


class LakeInbox(models.Model):
    """Behaviour events waiting for the lake, with the in-process event bus (decision 0023,
    "The lake's writer on the in-process bus"): the batch consumer `on_behaviour` inserts a relayed
    batch at once, skipping known ids, and `lake_drain` writes them to the lake in batches, then deletes them."""

    event_id = models.UUIDField(primary_key=True)
    type = models.CharField(max_length=60)
    occurred_at = models.DateTimeField()
    payload = models.JSONField()
    received_at = models.DateTimeField(auto_now_add=True, db_index=True)

    def __str__(self) -> str:
        return f"{self.type} {self.event_id}"


class LiveReportRow(models.Model):
    """One figure of a live report in one sliding window, upserted by the stream (`spark_stream`,
    recommendations/streaming.py) each micro-batch with the window's running total."""

    class Span(models.TextChoices):
        HOUR = "hour"  # windows of an hour, sliding every 5 minutes
        DAY = "day"  # windows of a day, sliding every hour

    class Report(models.TextChoices):
        ITEMS = "items", "most sought-after items"  # key: item id; events: views, clicks, wishlist, cart, orders
        CATEGORIES = "categories", "most sought-after categories"  # key: category id
        WISHLISTED = "wishlisted", "most wishlisted"  # key: item id; events: adds minus removals
        ORDERS = "orders", "orders"  # key: ""; the window's order lines and revenue
        ORDERS_BY_STATE = "orders_state", "orders by state"  # key: the state, in capitals
        ORDERS_BY_PIN = "orders_pin", "orders by PIN prefix"  # key: the PIN's first three digits
        REVENUE_BY_CATEGORY = "revenue_category", "revenue by category"  # key: category id

    span = models.CharField(max_length=4, choices=Span.choices)
    window_start = models.DateTimeField()
    window_end = models.DateTimeField()
    report = models.CharField(max_length=20, choices=Report.choices)
    key = models.CharField(max_length=64, blank=True)
    events = models.BigIntegerField()
    revenue_paise = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["span", "window_start", "report", "key"],
                                               name="rec_live_report_unique")]
        indexes = [models.Index(fields=["span", "report", "window_start"], name="rec_live_report_read")]
        verbose_name = "live report"  # the admin index's entry opens the dashboard (decision 0028)
        verbose_name_plural = "live reports"

    def __str__(self) -> str:
        return f"{self.span} {self.report} {self.key} @ {self.window_start:%Y-%m-%d %H:%M}: {self.events}"


class StreamProgress(models.Model):
    """How far each of the stream's queries got: written by `spark_stream` after every micro-batch
    and on a heartbeat, read by the dashboard to say how stale each figure is."""

    query = models.CharField(max_length=20, primary_key=True)  # the span: "hour" or "day"
    source = models.CharField(max_length=10)  # "kafka" or "lake"
    batch_id = models.BigIntegerField(default=-1)
    advanced_at = models.DateTimeField(null=True, blank=True)  # the last micro-batch that wrote figures
    heartbeat_at = models.DateTimeField(null=True, blank=True)  # the stream was alive then
    watermark = models.DateTimeField(null=True, blank=True)
    rows_per_second = models.FloatField(default=0.0)
    error = models.TextField(blank=True)

    def __str__(self) -> str:
        return f"{self.query} stream (batch {self.batch_id})"
