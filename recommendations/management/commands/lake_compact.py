"""Merge each partition's small files of the behaviour lake into one, without duplicates."""

import time
from datetime import timedelta

from django.core.management.base import BaseCommand
from django.utils import timezone

from recommendations.conf import lake_path
from recommendations.lake import lake_compact


class Command(BaseCommand):
    help = ("Compact the behaviour lake: one deduplicated file per partition (atomic per partition), for the "
            "hours that ended at least an hour ago (--all: every hour).")

    def add_arguments(self, parser):
        parser.add_argument("--all", action="store_true", help="also the hours still being written")

    def handle(self, *args, **options):
        started = time.monotonic()
        report = lake_compact(ended_before=None if options["all"] else timezone.now() - timedelta(hours=1))
        self.stdout.write(self.style.SUCCESS(
            f"{lake_path()}: {report.partitions} partitions merged, {report.files_before} files → "
            f"{report.files_after}, {report.duplicates_dropped} duplicate events dropped, "
            f"in {time.monotonic() - started:.1f} s"))
