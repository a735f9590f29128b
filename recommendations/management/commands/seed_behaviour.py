"""Synthetic customers' behaviour over the catalog's active items, written to the lake."""

from datetime import UTC, datetime

from django.core.management.base import BaseCommand, CommandError

from recommendations.conf import lake_path
from recommendations.seeding import behaviour_seed, demo_user_ids

# seed_demo's customer, and its admin (who may shop on the storefront too): two accounts with
# different tastes, so their home pages differ after `spark_job als`.
DEMO_EMAILS = ("customer@example.com", "admin@example.com")


class Command(BaseCommand):
    help = "Generate months of structured behaviour (tastes, funnel, seasons) into the behaviour lake."

    def add_arguments(self, parser):
        parser.add_argument("--customers", type=int, default=2000)
        parser.add_argument("--days", type=int, default=90)
        parser.add_argument("--seed", type=int, default=7)
        parser.add_argument("--demo", action="append", metavar="EMAIL",
                            help="An account given a synthetic customer's tastes and history, repeatable; "
                                 f"default {', '.join(DEMO_EMAILS)} (those that exist). --demo '' for none.")
        parser.add_argument("--end", help="YYYY-MM-DD (UTC midnight); default today. Same seed and end, same events.")

    def handle(self, *args, customers: int, days: int, seed: int, end: str | None, demo: list | None, **options):
        end_at = datetime.strptime(end, "%Y-%m-%d").replace(tzinfo=UTC) if end else None
        demo_users = demo_user_ids([e for e in (DEMO_EMAILS if demo is None else demo) if e])
        try:
            report = behaviour_seed(customers=customers, days=days, seed=seed, end=end_at,
                                    progress=self.stdout.write, demo_users=demo_users)
        except ValueError as exc:
            raise CommandError(f"{exc} (run seed_demo first?)") from exc
        self.stdout.write(self.style.SUCCESS(
            f"{report.events} events of {report.customers} customers over {report.items} items, "
            f"{report.first:%Y-%m-%d} to {report.end:%Y-%m-%d}, {report.files} files in {lake_path()} "
            f"in {report.seconds:.1f} s"))
