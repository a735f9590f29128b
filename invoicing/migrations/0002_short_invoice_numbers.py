"""Invoice numbers within GST rule 46's 16 characters: "2627/000123", unique in the seller's series
(the seller id is no longer part of it)."""

from django.db import migrations, models


def shorten(apps, schema_editor):
    Invoice = apps.get_model("invoicing", "Invoice")
    for invoice in Invoice.objects.only("pk", "financial_year", "sequence").iterator():
        start, end = invoice.financial_year.split("-")
        Invoice.objects.filter(pk=invoice.pk).update(number=f"{start[2:]}{end}/{invoice.sequence:06d}")


class Migration(migrations.Migration):
    dependencies = [("invoicing", "0001_initial")]

    operations = [
        migrations.AlterField("invoice", "number", models.CharField(max_length=40, db_index=True)),
        migrations.RunPython(shorten, migrations.RunPython.noop),
        migrations.AlterField("invoice", "number", models.CharField(
            db_index=True, max_length=16,
            help_text="<financial year>/<sequence> (2627/000123): unique in the seller's series.")),
    ]
