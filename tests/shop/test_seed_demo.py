from django.contrib.auth import authenticate
from django.core.management import call_command

from accounts.models import Address, User
from catalog.interface import item_snapshots_iter, items_tax_get
from inventory.interface import delivery_promises
from inventory.models import Stock


def test_seed_demo_creates_a_believable_shop_and_is_idempotent(db):
    call_command("seed_demo", items=300, verbosity=0)
    stock_rows = Stock.objects.count()
    call_command("seed_demo", items=300, verbosity=0)

    assert User.objects.count() == 3
    admin = authenticate(email="admin@example.com", password="bazaar-demo")
    assert admin is not None and admin.is_superuser and admin.is_staff
    assert authenticate(email="seller@example.com", password="bazaar-demo").is_seller
    customer = authenticate(email="customer@example.com", password="bazaar-demo")
    assert Address.objects.filter(user=customer, is_default=True, pin_code="560001").count() == 1

    items = [i.item_id for i in item_snapshots_iter()]
    assert len(items) == 300
    assert Stock.objects.count() == stock_rows > 300  # second run added nothing
    promises = delivery_promises(item_ids=items, pin_code="560001")
    assert len(promises) > 250  # most items can reach Bengaluru; some are sold out
    # Every demo item has an HSN code and a GST rate for its invoices.
    taxes = items_tax_get(items)
    assert all(t.hsn_code for t in taxes.values())
    assert {t.hsn_code: t.gst_rate for t in taxes.values()}.get("4901") in (0, None)


def test_a_restart_gives_no_stock_to_a_sellers_own_item_that_has_none(db):
    """`make run` seeds on every start: a seller's item added through the API without stock must not
    get demo stock on the next start."""
    from catalog.models import Category, Item

    call_command("seed_demo", items=20, verbosity=0)
    seller = User.objects.get(email="seller@example.com")
    own = Item.objects.create(seller_id=seller.pk, sku="MY-OWN-1", title="Hand-made clay lamp", price_paise=49_900,
                              category=Category.objects.first(), brand="Kumhar")

    call_command("seed_demo", items=20, verbosity=0)

    assert not Stock.objects.filter(item_id=own.pk).exists()


def test_seed_demo_works_under_production_storage_before_collectstatic(db, settings, tmp_path):
    """Production serves static files from a manifest (whitenoise) that only collectstatic
    writes; seeding must not need it, and the pictures it stores must outlive a new manifest."""
    from django.contrib.staticfiles import finders

    settings.STATIC_ROOT = tmp_path / "static-not-collected"
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"}}

    call_command("seed_demo", items=20, verbosity=0)

    items = list(item_snapshots_iter())
    assert len(items) == 20
    for item in items:
        (url,) = item.images
        assert url.startswith(settings.STATIC_URL + "catalog/demo/") and url.endswith(".svg")
        assert finders.find(url.removeprefix(settings.STATIC_URL)), url  # a file the shop ships
