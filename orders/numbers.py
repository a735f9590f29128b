"""Human order numbers: BZ-26-0001234, the prefix (ORDER_NUMBER_PREFIX), the year's last two
digits and a sequence that starts again at 1 each year (in the shop's time zone).

The sequence is one counter row per year, bumped in its own short transaction *before* the
order's transaction starts, so placing orders never holds the counter's row lock for longer than
one statement (decision 0030). The price: a number is spent even when its order then fails (sold
out, a deadlock retry, a lost race on the idempotency key), so order numbers have gaps. They are
unique and increase with time, which is all a person needs of them; invoices, which must be
gapless, number themselves.

On MariaDB/MySQL the bump is one autocommitted statement, `UPDATE ... SET last =
LAST_INSERT_ID(last + 1)`, whose value comes back with the statement's reply (the connection's
insert id), so the row is locked for that statement alone. Elsewhere (SQLite: writers are
serialised anyway) one UPDATE ... RETURNING, likewise autocommitted. Called inside an outer
transaction (a test, a caller's atomic block), it joins that transaction, and the row stays locked
until it ends.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import connections, router
from django.utils import timezone

from orders.models import OrderNumberCounter

SEQUENCE_DIGITS = 7


def number_year(created_at: dt.datetime) -> int:
    """The year an order's number belongs to: its creation's, in the shop's time zone."""
    return timezone.localtime(created_at, timezone.get_default_timezone()).year


def number_format(*, year: int, sequence: int, prefix: str | None = None) -> str:
    prefix = settings.ORDER_NUMBER_PREFIX if prefix is None else prefix
    return f"{prefix}-{year % 100:02d}-{sequence:0{SEQUENCE_DIGITS}d}"


def order_number_next(*, now: dt.datetime) -> str:
    """The next number of `now`'s year (the counter row is made on the year's first order)."""
    year = number_year(now)
    return number_format(year=year, sequence=_sequence_next(year))


def _sequence_next(year: int) -> int:
    alias = router.db_for_write(OrderNumberCounter)
    connection = connections[alias]
    table = connection.ops.quote_name(OrderNumberCounter._meta.db_table)
    # Each statement commits on its own (autocommit), unless a caller's transaction is open.
    with connection.cursor() as cursor:
        for _ in range(2):
            if connection.vendor == "mysql":
                # The value travels back with the UPDATE's reply: no second round trip under the lock.
                cursor.execute(f"UPDATE {table} SET last = LAST_INSERT_ID(last + 1) WHERE year = %s",  # noqa: S608
                               [year])
                if cursor.rowcount == 1:
                    return int(cursor.lastrowid)  # the DB-API cursor is untyped
            else:
                cursor.execute(f"UPDATE {table} SET last = last + 1 WHERE year = %s RETURNING last",  # noqa: S608
                               [year])
                row = cursor.fetchone()
                if row is not None:
                    return int(row[0])
            # The year's first order: make its row (another request may be making it too).
            OrderNumberCounter.objects.using(alias).bulk_create([OrderNumberCounter(year=year, last=0)],
                                                                ignore_conflicts=True)
    raise AssertionError(f"order number counter for {year} could not be made")

