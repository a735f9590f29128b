from django.contrib.auth import authenticate
from django.core.management import call_command

from accounts.models import Address, User


def test_seed_demo_creates_the_fixed_logins_and_is_idempotent(db):
    call_command("seed_demo", verbosity=0)
    call_command("seed_demo", verbosity=0)

    assert User.objects.count() == 3
    admin = authenticate(email="admin@example.com", password="bazaar-demo")
    assert admin is not None and admin.is_superuser and admin.is_staff
    assert authenticate(email="seller@example.com", password="bazaar-demo").is_seller
    customer = authenticate(email="customer@example.com", password="bazaar-demo")
    assert Address.objects.filter(user=customer, is_default=True, pin_code="560001").count() == 1
