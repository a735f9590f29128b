"""Order numbers (decision 0030): the column, the per-year counters, every existing order numbered
oldest first per year, then the column required and unique. Archived records get a number
column too; those archived before numbers existed keep an empty one (and their old reference)."""

from django.db import migrations, models


def number_existing_orders(apps, schema_editor):
    """Oldest first within each year of the shop's time zone: BZ-25-0000001, BZ-25-0000002, ...;
    each year's counter then carries on after the last number used."""
    from django.conf import settings
    from django.utils import timezone

    db = schema_editor.connection.alias
    Order = apps.get_model("orders", "Order")
    OrderNumberCounter = apps.get_model("orders", "OrderNumberCounter")
    zone = timezone.get_default_timezone()
    last: dict[int, int] = {}
    batch: list = []
    # Read first, then write: SQLite gives no isolation between a query being iterated and writes.
    rows = list(Order.objects.using(db).filter(number__isnull=True).order_by("created_at", "pk")
                .values_list("pk", "created_at"))
    for pk, created_at in rows:
        year = timezone.localtime(created_at, zone).year
        last[year] = last.get(year, 0) + 1
        batch.append(Order(pk=pk, number=f"{settings.ORDER_NUMBER_PREFIX}-{year % 100:02d}-{last[year]:07d}"))
        if len(batch) >= 1000:
            Order.objects.using(db).bulk_update(batch, ["number"])
            batch = []
    Order.objects.using(db).bulk_update(batch, ["number"])
    for year, value in last.items():
        OrderNumberCounter.objects.using(db).update_or_create(year=year, defaults={"last": value})


class Migration(migrations.Migration):

    dependencies = [
        ("orders", "0005_cancel_and_return"),
    ]

    operations = [
        migrations.CreateModel(
            name="OrderNumberCounter",
            fields=[
                ("year", models.PositiveSmallIntegerField(primary_key=True, serialize=False)),
                ("last", models.PositiveIntegerField(default=0)),
            ],
        ),
        migrations.AddField(
            model_name="order",
            name="number",
            field=models.CharField(editable=False, max_length=32, null=True),
        ),
        migrations.RunPython(number_existing_orders, migrations.RunPython.noop, elidable=True),
        migrations.AlterField(
            model_name="order",
            name="number",
            field=models.CharField(editable=False, max_length=32, unique=True),
        ),
        migrations.AddField(
            model_name="archivedorderrecord",
            name="number",
            field=models.CharField(blank=True, db_index=True, default="", max_length=32),
        ),
    ]
