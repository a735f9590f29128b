"""Recount items' ratings from their reviews: emits reviews.review_changed.v1 per item, and the
catalog's consumer writes the figures (and search re-indexes). For repairs, e.g. after restoring
a backup of one of the two apps."""

from django.core.management.base import BaseCommand
from django.db import transaction

from events.interface import emit
from reviews.selectors import reviewed_item_ids
from reviews.services import REVIEW_CHANGED


class Command(BaseCommand):
    help = "Recount the ratings of the given items (default: every item with a review) from their reviews."

    def add_arguments(self, parser):
        parser.add_argument("--item", type=int, action="append", dest="items", metavar="ID",
                            help="An item id (repeatable). Items without reviews go back to no rating.")

    def handle(self, *args, items: list[int] | None = None, **options):
        item_ids = sorted(set(items)) if items else reviewed_item_ids()
        with transaction.atomic():
            for item_id in item_ids:
                emit(REVIEW_CHANGED, key=item_id, payload={"item_id": item_id, "review_id": None, "change": "recount"})
        self.stdout.write(f"Asked for {len(item_ids)} item rating{'' if len(item_ids) == 1 else 's'} to be recounted.")
