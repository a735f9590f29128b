import time

from django.core.management.base import BaseCommand

from events.services import relay_pending


class Command(BaseCommand):
    help = "Publish pending outbox events to the event bus; --forever keeps relaying (several may run)."

    def add_arguments(self, parser):
        parser.add_argument("--forever", action="store_true", help="Keep relaying until stopped.")
        parser.add_argument("--interval", type=float, default=1.0, help="Seconds between idle passes.")

    def handle(self, *args, forever: bool, interval: float, **options):
        while True:
            report = relay_pending()
            if report.published or report.failed or not forever:
                self.stdout.write(f"published {report.published}, failed {report.failed}, "
                                  f"lanes busy elsewhere {report.lanes_busy}")
            if not forever:
                return
            if not report.published:
                time.sleep(interval)
