"""gunicorn's gthread worker, taking a new connection only while one of its threads is free.

gthread accepts every connection it can (up to `worker_connections`, 1,000) and keeps it for the
life of the keep-alive. When a few long-lived connections arrive at once, as a load balancer's
pool or the benchmark's eight do, the first worker to wake up can take all of them. Then one
process, one GIL and one core serve everything while the other workers sit idle. Measured on
2 workers × 4 threads: the product page ran at 290-370 req/s whenever `top` showed one worker at
105 % and the other at 0-2 %, and at 600-860 req/s when both were busy. It was the same page in
the same minute, and this was the "two speeds" of decision 0029 (decision 0036).

With a free thread as the condition, a busy worker leaves the next connection in the kernel's
queue for a worker that can serve it at once, as sync workers do by construction. Kept-alive
connections that are idle take no thread, so they do not stop a worker from accepting.
"""

from __future__ import annotations

import gc
from typing import Any

from gunicorn.workers.gthread import ThreadWorker

# Requests handled before the worker moves what it has built up (URL resolvers, compiled templates,
# the kept pages' recent copies) out of the collector's way a second time.
WARM_REQUESTS = 1000


class BalancedThreadWorker(ThreadWorker):
    """Also keeps the garbage collector's full passes short (decision 0037): every object alive
    once the app has loaded, and again after WARM_REQUESTS requests, is frozen (`gc.freeze`). A
    frozen object is still freed when its last reference goes; it is only no longer scanned, so
    the pauses that stop every thread of the worker stay short. Measured under load, those pauses
    were 117-328 ms before freezing and 25-90 ms after."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.in_flight = 0  # connections handed to the thread pool and not finished
        self.handled = 0
        super().__init__(*args, **kwargs)

    def run(self) -> None:
        _collect_and_freeze()
        super().run()

    # gthread's loop accepts while `nr_conns < worker_connections`: the limit drops to the
    # connections already held while every thread is taken.
    @property
    def worker_connections(self) -> int:
        if self.in_flight >= self.cfg.threads:
            return self.nr_conns
        return self._connections_limit

    @worker_connections.setter
    def worker_connections(self, value: int) -> None:
        self._connections_limit = value

    def enqueue_req(self, conn: Any) -> None:
        self.in_flight += 1  # the main loop's thread only, like every caller of these two
        super().enqueue_req(conn)

    def finish_request(self, conn: Any, fs: Any) -> None:
        self.in_flight -= 1
        self.handled += 1
        if self.handled == WARM_REQUESTS:
            _collect_and_freeze()
        super().finish_request(conn, fs)


def _collect_and_freeze() -> None:
    """Collect first, so that no garbage cycle is frozen with the live objects (it would never be freed)."""
    gc.collect()
    gc.freeze()
