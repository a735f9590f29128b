"""`manage.py search_rebuild`: build a fresh search index from the catalog, then switch to it.

Search keeps answering from the current index while the new one is built; the switch is atomic
(tantivy: a pointer file replaced in one rename; OpenSearch and Elasticsearch: one alias update).
"""

from django.core.management.base import BaseCommand, CommandError

from search.services import RebuildInProgress, RebuildLockUnavailable, index_rebuild, stale_items_flush


class Command(BaseCommand):
    help = "Rebuild the search index from the catalog and stock, then switch to it (search keeps serving)."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=1000, help="Items read and written at a time.")

    def handle(self, *args, batch_size: int, **options):
        def progress(items: int) -> None:
            if options["verbosity"] > 1:
                self.stdout.write(f"  {items} items…")

        try:
            report = index_rebuild(batch_size=batch_size, progress=progress)
        except (RebuildInProgress, RebuildLockUnavailable) as exc:  # said plainly, not as a traceback
            raise CommandError(str(exc)) from exc
        flushed = stale_items_flush()  # whatever was marked while we built
        self.stdout.write(self.style.SUCCESS(
            f"Search index {report.generation}: {report.items} active items read, {report.findable} in stock "
            f"and searchable, in {report.seconds:.1f} s." + (f" Then {flushed.items} changed items flushed."
                                                              if flushed.items else "")))
