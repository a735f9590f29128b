from django.core.management.base import BaseCommand, CommandError, CommandParser

from orders.reconciliation import reconcile


class Command(BaseCommand):
    help = "Compare orders, reservations, stock and payments; repair what is safe, report the rest."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="Report only; repair nothing.")

    def handle(self, *args: object, dry_run: bool, **options: object) -> None:
        run = reconcile(repair=not dry_run)
        for finding in run.findings:
            mark = "repaired" if finding["repaired"] else "OPEN"
            self.stdout.write(f"[{mark}] {finding['check']} {finding['subject']}: {finding['detail']}")
        self.stdout.write(f"{len(run.findings)} findings, {run.repaired} repaired, {run.unresolved} open.")
        if run.unresolved:
            raise CommandError(f"{run.unresolved} findings need a person (see admin: reconciliation runs).")
