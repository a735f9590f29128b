"""Django's MySQL/MariaDB backend, with the per-request health check kept for idle connections.

`CONN_HEALTH_CHECKS` makes Django ping the server at the start of every request that reuses a
connection: a round trip per request, 10 % of the time of a page that makes three queries
(py-spy on `/orders/` under wrk; docs/decisions/0026). A connection whose last request ran its
queries without an error less than `HEALTH_CHECK_AFTER_IDLE_SECONDS` ago is not pinged; one idle
for longer (the server's `wait_timeout`, a failover while the shop was quiet) still is.

What it gives up: if the server restarts while the shop is busy, the first query on each
connection that was in use fails once (that request errs, Django closes the connection at its
end, the next request reconnects), where the ping would have reconnected first.
"""

from __future__ import annotations

import time

from django.db.backends.mysql import base

HEALTH_CHECK_AFTER_IDLE_SECONDS = 5.0


class DatabaseWrapper(base.DatabaseWrapper):
    _answered_at = 0.0  # time.monotonic() when a request last ended with this connection working
    # Set by BaseDatabaseWrapper.__init__, missing from django-stubs: declared here for mypy only.
    health_check_enabled: bool
    health_check_done: bool

    def close_if_health_check_failed(self) -> None:
        if (self.connection is not None and self.health_check_enabled and not self.health_check_done
                and time.monotonic() - self._answered_at < HEALTH_CHECK_AFTER_IDLE_SECONDS):
            self.health_check_done = True
            return
        super().close_if_health_check_failed()

    def close_if_unusable_or_obsolete(self) -> None:
        # Called as each request starts and ends; `health_check_done` says this one used the connection.
        used_without_error = self.health_check_done and not self.errors_occurred
        super().close_if_unusable_or_obsolete()
        if used_without_error and self.connection is not None:
            self._answered_at = time.monotonic()
