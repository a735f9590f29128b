"""Demo data for `make run`: fixed log-ins, and whatever each app contributes. Safe to run twice."""

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.models import User
from accounts.services import address_create
from catalog.demo import demo_item_ids, seed_catalog
from inventory.demo import seed_stock
from logistics.demo import seed_logistics

DEMO_PASSWORD = "bazaar-demo"
DEMO_USERS: list[dict[str, Any]] = [
    {"email": "admin@example.com", "full_name": "Asha Admin", "is_staff": True, "is_superuser": True},
    {"email": "seller@example.com", "full_name": "Sanjay Seller", "is_seller": True},
    {"email": "customer@example.com", "full_name": "Chitra Customer", "pin_code": "560001"},
]
DEMO_ADDRESS: dict[str, Any] = {
    "full_name": "Chitra Customer", "phone": "+91 98450 00000", "line1": "12 MG Road",
    "city": "Bengaluru", "state": "Karnataka", "pin_code": "560001", "label": "Home",
}


class Command(BaseCommand):
    help = "Create the demo accounts (password 'bazaar-demo') and demo data. Safe to run again."

    def add_arguments(self, parser):
        parser.add_argument("--items", type=int, default=3000, help="How many catalog items (first run only).")

    def handle(self, *args, items: int, **options):
        users = self.seed_users()
        seller = users["seller@example.com"]
        warehouses = seed_logistics(seller_ids=[seller.pk])
        self.stdout.write(f"{len(warehouses)} warehouses with their routes")
        created = seed_catalog(seller_ids=[seller.pk], items=items)
        self.stdout.write(f"{created} catalog items created")
        # Only the demo's own items: an item a seller added since, without stock, stays without.
        stocked = seed_stock(item_ids=demo_item_ids(), warehouses=warehouses)
        self.stdout.write(f"{stocked} stock rows set")
        call_command("search_rebuild", verbosity=0)
        self.stdout.write("search index built")
        self.stdout.write(self.style.SUCCESS("Demo data is in place."))

    @transaction.atomic
    def seed_users(self) -> dict[str, User]:
        users = {}
        for fields in DEMO_USERS:
            user = User.objects.filter(email=fields["email"]).first()
            if user is None:
                user = User.objects.create_user(password=DEMO_PASSWORD, **fields)
                self.stdout.write(f"created {user.email}")
            if fields["email"] == "customer@example.com" and not user.addresses.exists():
                address_create(user_id=user.pk, **DEMO_ADDRESS)
            users[user.email] = user
        return users
