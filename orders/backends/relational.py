"""The embedded order archive: snapshots in a table of the main relational database."""

from __future__ import annotations

import datetime as dt
import uuid

from django.db.models import QuerySet
from django.utils import timezone

from orders.backends.base import ArchivedOrder, ArchivePosition
from orders.models import ArchivedOrderRecord


def _page(records: QuerySet[ArchivedOrderRecord], *, before: ArchivePosition | None,
          limit: int) -> list[ArchivedOrder]:
    """The first `limit` records after `before`, newest first by (created_at, id).

    Orders that share a microsecond are put in order here, by uuid.UUID's order, not by the
    database's: MariaDB's UUID type compares ids segment by segment from the end, so
    ORDER BY order_id would disagree with the cursor, with Cassandra and with the selectors.
    So the rows of the cursor's microsecond and of the page's last one are read whole (a few
    rows, one short indexed query each) and sorted in Python.
    """
    if limit <= 0:
        return []
    rows: list[ArchivedOrderRecord] = []
    if before is not None:
        created_at, order_id = before
        rows += [r for r in records.filter(created_at=created_at) if r.order_id < uuid.UUID(str(order_id))]
        records = records.filter(created_at__lt=created_at)
    older = list(records.order_by("-created_at")[:limit])
    if len(older) == limit:  # more rows of the last microsecond than fitted: all of them, sorted below
        older += records.filter(created_at=older[-1].created_at).exclude(order_id__in=[r.order_id for r in older])
    rows = sorted([*rows, *older], key=lambda r: (r.created_at, r.order_id), reverse=True)
    return [ArchivedOrder.from_dict(r.snapshot) for r in rows[:limit]]


class RelationalOrderArchive:
    def put(self, order: ArchivedOrder) -> None:
        ArchivedOrderRecord.objects.update_or_create(
            order_id=order.id,
            defaults={"user_id": order.user_id, "created_at": order.created_at, "number": order.number,
                      "snapshot": order.to_dict()})

    def get(self, order_id: uuid.UUID | str) -> ArchivedOrder | None:
        try:
            order_id = uuid.UUID(str(order_id))
        except ValueError:
            return None
        record = ArchivedOrderRecord.objects.filter(order_id=order_id).first()
        return ArchivedOrder.from_dict(record.snapshot) if record else None

    def list_for_user(self, user_id: int, *, status: str | None = None, before: ArchivePosition | None,
                      limit: int) -> list[ArchivedOrder]:
        records = ArchivedOrderRecord.objects.filter(user_id=user_id)
        if status is not None:
            # The status lives in the snapshot only (no column of its own yet): fine for one
            # customer's rows, which the (user_id, -created_at) index has already narrowed.
            records = records.filter(snapshot__status=status)
        return _page(records, before=before, limit=limit)

    def list_for_day(self, day: dt.date, *, status: str, before: ArchivePosition | None,
                     limit: int) -> list[ArchivedOrder]:
        # The day in the shop's time zone, as archive_day() assigns it: [its midnight, the next).
        start = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
        end = timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min))
        records = ArchivedOrderRecord.objects.filter(created_at__gte=start, created_at__lt=end,
                                                     snapshot__status=status)
        return _page(records, before=before, limit=limit)
