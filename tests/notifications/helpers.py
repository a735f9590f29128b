from __future__ import annotations

import uuid
from smtplib import SMTPException

from django.core.mail.backends.base import BaseEmailBackend
from django.utils import timezone

from events.interface import Event


def order_event(type_: str, *, user_id: int | None, order_id: str | None = None, total_paise: int = 129900,
                status: str = "placed", quantities: tuple[int, ...] = (1, 2), **extra) -> Event:
    """An order event shaped like orders.services._snapshot (plus `extra`, e.g. reason)."""
    order_id = order_id or str(uuid.uuid4())
    payload = {"order_id": order_id, "user_id": user_id, "status": status, "pin_code": "560001",
               "total_paise": total_paise, "currency": "INR",
               "lines": [{"item_id": n, "seller_id": 7, "sku": f"SKU-{n}", "quantity": q,
                          "unit_price_paise": 100} for n, q in enumerate(quantities, start=1)],
               **extra}
    if user_id is None:
        payload.pop("user_id")
    return Event(event_id=uuid.uuid4(), type=type_, key=order_id, payload=payload, occurred_at=timezone.now())


class FailingBackend(BaseEmailBackend):
    """A mail server that refuses everything."""

    def send_messages(self, email_messages):
        raise SMTPException("451 try again later")
