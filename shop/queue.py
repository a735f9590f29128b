"""Queueing a Celery task from a service, by the task's stable name, once the transaction commits.

Services never import their app's tasks module (the tasks import the services): they name the
task (`enqueue("orders.refund_payment", order_id, ...)`), and the task runs only if what decided
it was committed. A broker that can't be reached is logged, not raised: the decision is in the
database, and the periodic sweeps (expiry, reconciliation, the search flush, the nightly
serviceability run) act on it without the task. A notification's email has no sweep: its inbox
row stays, and the lost email is only logged.

`send_now` is for the one caller that is already past its commit and must decide there and then
(the event relay's kick, which runs as an on-commit callback of whichever database emitted and
throttles itself through the cache): it sends at once and lets a broker failure raise, for the
caller to handle.
"""

from __future__ import annotations

import logging
from datetime import datetime

from celery import current_app
from celery.result import AsyncResult
from django.db import transaction

logger = logging.getLogger(__name__)


def enqueue(task_name: str, *args, eta: datetime | None = None) -> None:
    """Send `task_name` with `args` after the current transaction commits (at once outside one)."""

    def send() -> None:
        try:
            current_app.tasks[task_name].apply_async(args=args, eta=eta)
        except Exception:
            logger.warning("Could not queue %s%s; what decided it is committed (a sweep catches up where "
                           "the task has one)", task_name, args, exc_info=True)

    transaction.on_commit(send)


def send_now(task_name: str, *args, countdown: float | None = None) -> AsyncResult:
    """Send `task_name` with `args` at once, not on commit (to run after `countdown` seconds, if given).

    Raises what the broker raises: the caller decides what a failure means.
    """
    options = {} if countdown is None else {"countdown": countdown}
    return current_app.tasks[task_name].apply_async(args=args, **options)
