"""Queueing a Celery task from a service, by the task's stable name, once the transaction commits.

Services never import their app's tasks module (the tasks import the services): they name the
task (`enqueue("orders.refund_payment", order_id, ...)`), and the task runs only if what decided
it was committed. A broker that can't be reached is logged, not raised: the decision is in the
database, and the periodic sweeps (expiry, reconciliation) act on it without the task.
"""

from __future__ import annotations

import logging
from datetime import datetime

from celery import current_app
from django.db import transaction

logger = logging.getLogger(__name__)


def enqueue(task_name: str, *args, eta: datetime | None = None) -> None:
    """Send `task_name` with `args` after the current transaction commits (at once outside one)."""

    def send() -> None:
        try:
            current_app.tasks[task_name].apply_async(args=args, eta=eta)
        except Exception:
            logger.warning("Could not queue %s%s; its sweep will catch up", task_name, args, exc_info=True)

    transaction.on_commit(send)
