"""`manage.py seed_catalog`: the demo categories and items (catalog.demo). Safe to run twice."""

import time

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from catalog.demo import seed_catalog


class Command(BaseCommand):
    help = "Create the demo categories and items, spread over the sellers. Running it again adds nothing."

    def add_arguments(self, parser):
        parser.add_argument("--items", type=int, default=3000)
        parser.add_argument("--seed", type=int, default=7)
        parser.add_argument(
            "--seller",
            action="append",
            dest="sellers",
            metavar="EMAIL",
            help="A seller's email (repeatable); default: every seller account.",
        )

    def handle(self, *args, items: int, seed: int, sellers: list[str] | None, **options):
        users = get_user_model().objects.filter(is_seller=True, is_active=True)
        if sellers:
            users = users.filter(email__in=[s.lower() for s in sellers])
        seller_ids = sorted(users.values_list("pk", flat=True))
        if not seller_ids:
            raise CommandError("No seller accounts: create one (seed_demo does) or name one with --seller.")
        started = time.perf_counter()
        created = seed_catalog(seller_ids=seller_ids, items=items, seed=seed)
        took = time.perf_counter() - started
        self.stdout.write(
            self.style.SUCCESS(f"{created} items created for {len(seller_ids)} seller(s) in {took:.1f} s.")
        )
