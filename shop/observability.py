"""Request ids and structured logs: one id follows a request into every log line it causes, in the
web process and in the Celery tasks it queues.

The id comes from the client's `X-Request-ID` when it is a sane token (a proxy or load balancer
usually sets one), else a new one; the response carries it back. `RequestIdLogFilter` puts it on
every log record as `request_id`; `JsonFormatter` writes one JSON object per line (LOG_FORMAT=json,
the default in production). Celery: the id travels in the task message's headers
(`before_task_publish`) and is set again while the task runs (`task_prerun`).
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import traceback
import uuid
from datetime import UTC, datetime

REQUEST_ID_HEADER = "X-Request-ID"
TASK_HEADER = "bazaar_request_id"
_SANE_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")

_request_id: contextvars.ContextVar[str] = contextvars.ContextVar("bazaar_request_id", default="")


def request_id_get() -> str:
    return _request_id.get()


def request_id_set(value: str) -> contextvars.Token:
    return _request_id.set(value)


def request_id_reset(token: contextvars.Token) -> None:
    _request_id.reset(token)


def request_id_from(header_value: str | None) -> str:
    """The client's id when it is a sane token, else a new one."""
    if header_value and _SANE_ID.fullmatch(header_value):
        return header_value
    return uuid.uuid4().hex


class RequestIdLogFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = _request_id.get()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC, ISO 8601), level, logger, message, request_id, and the
    exception's traceback when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "") or _request_id.get(),
            "process": record.process,
        }
        if record.exc_info:
            entry["exception"] = "".join(traceback.format_exception(*record.exc_info)).rstrip()
        return json.dumps(entry, ensure_ascii=False, default=str)


# --- Celery: the id goes with the task --------------------------------------------------------------

def _add_request_id_to_task(headers: dict | None = None, **kwargs) -> None:
    current = _request_id.get()
    if current and headers is not None:
        headers.setdefault(TASK_HEADER, current)


_task_tokens: dict[str, contextvars.Token] = {}


def _task_starts(task_id: str | None = None, task=None, **kwargs) -> None:
    incoming = getattr(task.request, TASK_HEADER, None) if task is not None else None
    if incoming is None and task is not None:
        incoming = (getattr(task.request, "headers", None) or {}).get(TASK_HEADER)
    if task_id:  # run eagerly (in the request's own thread), the task keeps the request's id
        _task_tokens[task_id] = _request_id.set(str(incoming or _request_id.get()))


def _task_ends(task_id: str | None = None, **kwargs) -> None:
    token = _task_tokens.pop(task_id or "", None)
    if token is not None:
        _request_id.reset(token)


def _request_finished(**kwargs) -> None:
    _request_id.set("")


def connect_signals() -> None:
    from django.core.signals import request_finished

    request_finished.connect(_request_finished, weak=False, dispatch_uid="bazaar-request-id-cleared")
    connect_celery_signals()


def connect_celery_signals() -> None:
    from celery import signals

    signals.before_task_publish.connect(_add_request_id_to_task, weak=False, dispatch_uid="bazaar-request-id-out")
    signals.task_prerun.connect(_task_starts, weak=False, dispatch_uid="bazaar-request-id-in")
    signals.task_postrun.connect(_task_ends, weak=False, dispatch_uid="bazaar-request-id-done")
