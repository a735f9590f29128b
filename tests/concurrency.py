"""Calls that start together, each in its own thread with its own database connection."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from django.db import connections


def run_concurrently(fn: Callable[..., Any], args_list: list, workers: int) -> list:
    """Each call in its own thread; the first `workers` start at once (a barrier). An exception is
    returned in the call's place, not raised."""
    barrier = threading.Barrier(min(workers, len(args_list)))

    def call(args):
        try:
            barrier.wait(timeout=30)
            return fn(*args)
        except Exception as exc:
            return exc
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(call, args_list))
