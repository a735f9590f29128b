"""Fixtures of the resilience suite: the shop's real processes on the test database, and faults.

Every test here starts real processes (redis-server, gunicorn, celery workers) that share the test
database, so the tests commit (`django_db(transaction=True)`) and the database must be a file or a
server. They need /usr/bin/redis-server (or $REDIS_SERVER): where it is missing the tests skip,
except under BAZAAR_REQUIRE_ENGINES (CI), where that is a failure (tests/engines.py).

The tests run one after another on one xdist worker (they would fight over the 2 cores otherwise),
and every process is stopped when the test ends, however it ends, before the database is flushed.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings

from tests.engines import unavailable
from tests.events.test_celery_worker import database_url_of_the_test_database
from tests.resilience.processes import CeleryBeat, CeleryWorker, Gunicorn, RedisServer, ShopProcess, redis_server_binary


class Processes:
    """Starts the shop's processes for one test and stops every one of them at its end."""

    def __init__(self, tmp_path: Path, redis_binary: str):
        self.tmp_path, self.redis_binary = tmp_path, redis_binary
        self.started: list[ShopProcess] = []
        self.prefix = f"resilience-{uuid.uuid4().hex[:8]}"

    def _track(self, process: ShopProcess) -> ShopProcess:
        self.started.append(process)
        return process

    def env(self, **overrides: str) -> dict[str, str]:
        """The environment of a shop process on the test database, its files under tmp_path."""
        env = {**os.environ, "DATABASE_URL": database_url_of_the_test_database(),
               "SEARCH_INDEX_DIR": str(self.tmp_path / "search-index"),
               "CACHE_KEY_PREFIX": self.prefix,  # the inherited Redis (CI) is shared with other tests
               "DJANGO_DEBUG": "0", "LOG_LEVEL": "WARNING", "EMAIL_HOST": "", "PYTHONUNBUFFERED": "1"}
        env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        env.update(overrides)
        return env

    def redis(self, name: str) -> RedisServer:
        server = RedisServer(name, binary=self.redis_binary, log=self.tmp_path / f"{name}.log")
        self._track(server)
        return server.start()

    def gunicorn(self, name: str = "web", *, env: dict[str, str], workers: int = 2) -> Gunicorn:
        """Started, not yet answering: `ready()` waits for it (start several, then wait once)."""
        server = Gunicorn(name, env=env, log=self.tmp_path / f"{name}.log", workers=workers)
        self._track(server)
        return server.start()

    def worker(self, name: str, *, queues: list[str], env: dict[str, str]) -> CeleryWorker:
        """`celery worker --pool=solo` on `queues`, as scripts/run starts them. Started, not yet
        consuming: `ready()` waits for it."""
        worker = CeleryWorker(name, queues=queues, env=env, log=self.tmp_path / f"{name}.log")
        self._track(worker)
        return worker.start()

    def beat(self, name: str = "beat", *, env: dict[str, str]) -> CeleryBeat:
        """`celery beat`, the schedule in a process of its own as scripts/run starts it (not -B inside a
        worker: on SQLite that one sometimes died syncing its schedule file, docs/resilience.md)."""
        beat = CeleryBeat(name, env=env, log=self.tmp_path / f"{name}.log", schedule=self.tmp_path / f"{name}-schedule")
        self._track(beat)
        return beat.start()

    def ready(self) -> None:
        """Wait until every process started so far answers (they boot in parallel meanwhile)."""
        for process in self.started:
            if process.running:
                process.wait_ready()

    def stop_all(self) -> None:
        for process in reversed(self.started):
            process.stop()


@pytest.fixture
def processes(transactional_db, tmp_path) -> Iterator[Processes]:
    """Depends on the database fixture, so it is torn down (every process stopped) before the
    database is flushed: no server keeps a connection or a lock into the next test."""
    binary = redis_server_binary()
    if binary is None:
        unavailable("redis-server is not installed (apt-get install redis-server, or set REDIS_SERVER)")
    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3") and (not db["NAME"] or "memory" in str(db["NAME"])):
        unavailable("the resilience suite needs a file or server database that its processes can share")
    running = Processes(tmp_path, binary)
    try:
        yield running
    finally:
        running.stop_all()
