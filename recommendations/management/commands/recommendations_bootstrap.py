"""A new shop's first recommendations: `make run` starts this once, in the background, when there
is Java. Behaviour is seeded when the lake is empty, and each batch job that never succeeded runs
once, so the demo's home pages differ per customer within minutes instead of after the nightly
run. A shop that has results already is left alone, so a second start costs nothing."""

from django.core.management import call_command
from django.core.management.base import BaseCommand

from recommendations.lake import lake_files
from recommendations.selectors import latest_run
from recommendations.services import NIGHTLY, JobFailed, job_run
from recommendations.spark import java_available


class Command(BaseCommand):
    help = "Seed behaviour if the lake is empty, then run each batch job that has never succeeded."

    def add_arguments(self, parser):
        parser.add_argument("--customers", type=int, default=2000, help="synthetic customers, if seeding")
        parser.add_argument("--days", type=int, default=90, help="days of behaviour, if seeding")

    def handle(self, *args, customers: int, days: int, **options):
        if not java_available():
            self.stdout.write("recommendations: no Java, so no batch jobs; pages show top-rated items.")
            return
        if not lake_files():
            self.stdout.write("recommendations: an empty behaviour lake: seeding the demo's (seed_behaviour)")
            call_command("seed_behaviour", customers=customers, days=days, stdout=self.stdout)
        for name in NIGHTLY:
            if latest_run(name) is not None:
                continue
            try:
                run = job_run(name, progress=lambda line: None)
            except JobFailed as exc:
                self.stderr.write(f"recommendations: {exc}")
                continue
            self.stdout.write(f"recommendations: {name} ran in {run.duration_seconds:.0f} s")
