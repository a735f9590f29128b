"""Run one batch job on Spark and swap its results in: `manage.py spark_job popular|als|also_bought|als_eval`."""

from django.core.management.base import BaseCommand, CommandError

from recommendations.jobs import JOBS
from recommendations.services import JobFailed, job_run


class Command(BaseCommand):
    help = "Run a recommendations batch job on Spark (a progress line per stage)."

    def add_arguments(self, parser):
        parser.add_argument("name", choices=sorted(JOBS))

    def handle(self, *args, name: str, **options):
        try:
            run = job_run(name, progress=self.stdout.write)
        except JobFailed as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(f"{name}: run {run.pk} succeeded in {run.duration_seconds:.1f} s"))
