"""Reservation becomes Allocation: one row per order and stock row, so a line can be split over
warehouses (decision 0030)."""

from django.db import migrations, models
from django.db.models import Q


class Migration(migrations.Migration):
    dependencies = [("inventory", "0002_reservation_without_fk_lock")]

    operations = [
        migrations.RenameModel("Reservation", "Allocation"),
        migrations.RemoveConstraint("allocation", "reservation_one_per_order_item"),
        migrations.RemoveConstraint("allocation", "reservation_quantity_positive"),
        migrations.RenameIndex("allocation", new_name="allocation_by_status", old_name="reservation_by_status"),
        migrations.AddConstraint("allocation", models.UniqueConstraint(
            fields=["order_id", "stock"], name="allocation_one_per_order_stock")),
        migrations.AddConstraint("allocation", models.CheckConstraint(
            condition=Q(quantity__gt=0), name="allocation_quantity_positive")),
        migrations.AddIndex("allocation", models.Index(fields=["order_id", "item_id"], name="allocation_by_order_item")),
        migrations.AlterField("allocation", "status", models.CharField(
            choices=[("held", "held for payment"), ("committed", "committed (paid)"), ("released", "released"),
                     ("restocked", "restocked (cancelled after payment, or returned)")],
            default="held", max_length=10)),
        migrations.AlterField("allocation", "stock", models.ForeignKey(
            db_constraint=False, on_delete=models.deletion.PROTECT, related_name="allocations", to="inventory.stock")),
    ]
