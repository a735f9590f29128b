from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from orders.services import orders_archive


class Command(BaseCommand):
    help = "Move delivered and cancelled orders whose last change is old enough to the order archive."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--older-than-days", type=int, default=None,
                            help="Default: ORDER_ARCHIVE_AFTER_DAYS.")
        parser.add_argument("--batch", type=int, default=500, help="Orders per batch (default 500).")

    def handle(self, *args: object, older_than_days: int | None, batch: int, **options: object) -> None:
        days = older_than_days if older_than_days is not None else settings.ORDER_ARCHIVE_AFTER_DAYS
        total = 0
        while True:
            moved = orders_archive(older_than=timedelta(days=days), limit=batch)
            total += moved
            if moved < batch:
                break
        self.stdout.write(f"{total} orders archived.")
