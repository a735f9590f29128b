from django.contrib import admin

from events.models import HandledEvent, OutboxEvent, RelayLane
from shop.admin import ReadOnlyAdmin


@admin.register(OutboxEvent)
class OutboxEventAdmin(ReadOnlyAdmin):
    """Events come from services, never from a form, and leave only by `events.purge` once
    published: deleting an unpublished one here would lose it for every consumer."""

    list_display = ("id", "type", "key", "occurred_at", "published_at", "attempts", "short_error")
    list_filter = ("type", ("published_at", admin.EmptyFieldListFilter))
    search_fields = ("key", "type", "=event_id")
    readonly_fields = [f.name for f in OutboxEvent._meta.fields]
    date_hierarchy = "occurred_at"
    show_full_result_count = False  # the outbox is large; counting it on every page is slow

    @admin.display(description="last error")
    def short_error(self, obj: OutboxEvent) -> str:
        return obj.last_error[:80]


@admin.register(HandledEvent)
class HandledEventAdmin(ReadOnlyAdmin):
    """A consumer's memory of what it handled: deleting a marker would let a redelivery run again."""

    list_display = ("consumer", "event_id", "handled_at")
    list_filter = ("consumer",)
    search_fields = ("=event_id",)
    show_full_result_count = False


@admin.register(RelayLane)
class RelayLaneAdmin(admin.ModelAdmin):
    list_display = ("lane", "leased_by", "leased_until")
