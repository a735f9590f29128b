# One payment attempt per (order, attempt) instead of one payment per order (decision 0033).

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('payments', '0002_partial_refunds'),
    ]

    operations = [
        migrations.AddField(
            model_name='payment',
            name='attempt',
            field=models.PositiveSmallIntegerField(default=1, help_text="1 for the order's first payment, then 2, …; the latest is the current one."),
        ),
        migrations.AlterField(
            model_name='payment',
            name='order_id',
            field=models.CharField(max_length=64),
        ),
        migrations.AddConstraint(
            model_name='payment',
            constraint=models.UniqueConstraint(fields=('order_id', 'attempt'), name='payment_attempt_once'),
        ),
        migrations.AddConstraint(
            model_name='payment',
            constraint=models.CheckConstraint(condition=models.Q(('attempt__gte', 1)), name='payment_attempt_positive'),
        ),
    ]
