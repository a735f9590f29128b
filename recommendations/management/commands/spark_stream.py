"""The live reports' stream: `manage.py spark_stream` runs until Ctrl-C or SIGTERM (decision 0027)."""

import signal
import threading

from django.core.management.base import BaseCommand, CommandError

from recommendations.spark import SparkUnavailable
from recommendations.streaming import stream_run


class Command(BaseCommand):
    help = ("Run the live reports (Spark Structured Streaming over Kafka, or the behaviour lake): top items "
            "and categories, wishlists, orders by state and PIN, revenue by category, in sliding windows.")

    def handle(self, *args, **options):
        stopping = threading.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stopping.set())
        try:
            run = stream_run(stopping=stopping, progress=self.stdout.write)
        except SparkUnavailable as exc:
            raise CommandError(f"the live reports need Spark: {exc}") from exc
        self.stdout.write(f"live reports stopped ({run.restarts} daily restarts).")
