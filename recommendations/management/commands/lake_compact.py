"""Merge each partition's small files of the behaviour lake into one, without duplicates."""

import time

from django.core.management.base import BaseCommand

from recommendations.conf import lake_path
from recommendations.lake import lake_compact


class Command(BaseCommand):
    help = "Compact the behaviour lake: one deduplicated file per partition (atomic per partition)."

    def handle(self, *args, **options):
        started = time.monotonic()
        report = lake_compact()
        self.stdout.write(self.style.SUCCESS(
            f"{lake_path()}: {report.partitions} partitions merged, {report.files_before} files → "
            f"{report.files_after}, {report.duplicates_dropped} duplicate events dropped, "
            f"in {time.monotonic() - started:.1f} s"))
