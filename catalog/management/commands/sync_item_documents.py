"""`manage.py sync_item_documents`: send pending item documents to their backend; check them all."""

from datetime import timedelta

from django.core.management.base import BaseCommand

from catalog.documents import documents_check, documents_copy_from_relational, documents_flush
from catalog.models import PendingItemDocument
from catalog.services import facet_indexes_ensure


class Command(BaseCommand):
    help = (
        "Retry the item documents that could not reach the documents backend after commit "
        "(MongoDB down), make sure the facet indexes exist, and with --check list the items "
        "whose document is missing or stale. --copy-from-relational moves the embedded table's "
        "documents into the configured backend (when switching to MongoDB)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--older-than",
            type=int,
            default=0,
            metavar="SECONDS",
            help="Only documents pending for at least this long (default: all).",
        )
        parser.add_argument("--check", action="store_true", help="Also compare every item with its document.")
        parser.add_argument(
            "--copy-from-relational",
            action="store_true",
            help="First copy the documents of the embedded backend's table into the configured backend.",
        )

    def handle(self, *args, older_than: int, check: bool, copy_from_relational: bool, **options):
        facet_indexes_ensure()
        if copy_from_relational:
            self.stdout.write(
                f"copied {documents_copy_from_relational()} documents from the relational table"
            )
        written = skipped = failed = 0
        while PendingItemDocument.objects.exists():
            report = documents_flush(older_than=timedelta(seconds=older_than))
            written, skipped, failed = (
                written + report.written,
                skipped + report.skipped,
                failed + report.failed,
            )
            if report.failed or not (report.written or report.skipped):
                break
        self.stdout.write(f"pending documents: {written} written, {skipped} already newer, {failed} failed")
        if check:
            broken = documents_check()
            if broken:
                self.stdout.write(
                    self.style.ERROR(
                        f"{len(broken)} items have no current document: {', '.join(map(str, broken[:50]))}"
                    )
                )
            else:
                self.stdout.write(self.style.SUCCESS("every item has its current document"))
