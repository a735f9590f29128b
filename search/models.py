"""Tables of the search app: the items whose index documents must be rewritten."""

from django.db import models


class StaleItem(models.Model):
    """An item whose search document is out of date (an event said it changed).

    The consumer only records the id, in the same transaction as its handled-event marker, so
    nothing is lost and nothing waits on the engine inside a database transaction. The flush
    (`search.services.stale_items_flush`, a Celery task kicked after commit and swept every few
    seconds) re-reads the items and writes their documents in one engine commit, then deletes
    the rows it handled, unless they were marked again meanwhile (`marked_at` changed).
    """

    item_id = models.BigIntegerField(primary_key=True)
    marked_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"item {self.item_id} stale since {self.marked_at:%Y-%m-%d %H:%M:%S}"
