"""The embedded order archive: snapshots in a table of the main relational database."""

from __future__ import annotations

import datetime as dt
import uuid

from orders.backends.base import ArchivedOrder
from orders.models import ArchivedOrderRecord


class RelationalOrderArchive:
    def put(self, order: ArchivedOrder) -> None:
        ArchivedOrderRecord.objects.update_or_create(
            order_id=order.id,
            defaults={"user_id": order.user_id, "created_at": order.created_at, "snapshot": order.to_dict()})

    def get(self, order_id: uuid.UUID | str) -> ArchivedOrder | None:
        try:
            order_id = uuid.UUID(str(order_id))
        except ValueError:
            return None
        record = ArchivedOrderRecord.objects.filter(order_id=order_id).first()
        return ArchivedOrder.from_dict(record.snapshot) if record else None

    def list_for_user(self, user_id: int, *, before: dt.datetime | None, limit: int) -> list[ArchivedOrder]:
        records = ArchivedOrderRecord.objects.filter(user_id=user_id)
        if before is not None:
            records = records.filter(created_at__lt=before)
        return [ArchivedOrder.from_dict(r.snapshot)
                for r in records.order_by("-created_at", "-order_id")[:max(limit, 0)]]
