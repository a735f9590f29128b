"""A real MongoDB-wire server for tests: SecantusDB (PyPI `secantusdb`), one process per test session.

    mongo = mongo_fixture()                 # in a test module or conftest: a session-scoped fixture
    def test_x(mongo): MongoClient(mongo.url)   # one server per test process, shared by modules

    with mongo_server(data_dir=tmp) as server: ...

SecantusDB is an embeddable, MongoDB-compatible server on WiredTiger that speaks the wire
protocol pymongo uses (`python -m secantus --host H --port P --storage-path DIR`). It is not
MongoDB itself: docs/decisions/0006-item-documents.md says what was checked against it.
Tests that use it skip, saying why, when the package is not installed.
"""

from __future__ import annotations

import contextlib
import importlib.util
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from infra.engines.base import free_port, stop_process_group

HOST = "127.0.0.1"


@dataclass(frozen=True)
class RunningMongo:
    host: str
    port: int
    data_dir: Path

    @property
    def url(self) -> str:
        return f"mongodb://{self.host}:{self.port}/?directConnection=true"


def secantus_installed() -> bool:
    return importlib.util.find_spec("secantus") is not None


def _pings(port: int) -> bool:
    from pymongo import MongoClient

    client = MongoClient(
        HOST, port, directConnection=True, serverSelectionTimeoutMS=500, connectTimeoutMS=500
    )
    try:
        return client.admin.command("ping").get("ok") == 1
    except Exception:
        return False
    finally:
        client.close()


@contextlib.contextmanager
def mongo_server(
    *, data_dir: Path, startup_timeout_s: float = 60.0, attempts: int = 3
) -> Iterator[RunningMongo]:
    """Run SecantusDB in the foreground for the duration of the block; stop it after."""
    for attempt in range(1, attempts + 1):
        port = free_port()
        storage = data_dir / f"secantus-{port}"
        log_path = data_dir / f"secantus-{port}.log"
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "secantus",
                    "--host",
                    HOST,
                    "--port",
                    str(port),
                    "--storage-path",
                    str(storage),
                    "--log-level",
                    "WARNING",
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
            try:
                if _wait_ready(process, port, startup_timeout_s):
                    yield RunningMongo(host=HOST, port=port, data_dir=storage)
                    return
            finally:
                stop_process_group(process, ((signal.SIGTERM, 15), (signal.SIGKILL, 5)))
        if attempt == attempts:
            raise RuntimeError(f"SecantusDB did not start; see {log_path}:\n{log_path.read_text()[-3000:]}")


def _wait_ready(process: subprocess.Popen, port: int, timeout_s: float) -> bool:
    """True once pymongo's ping answers; False if the process died (most likely the port was taken)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        if _pings(port):
            return True
        time.sleep(0.1)
    raise TimeoutError(f"SecantusDB on port {port} did not answer a ping within {timeout_s} s")


_shared: dict[str, RunningMongo] = {}


def shared_mongo(tmp_path_factory: pytest.TempPathFactory, config: pytest.Config) -> RunningMongo:
    """One server per test process, whichever module asks first; stopped when the session ends."""
    if "server" not in _shared:
        stack = contextlib.ExitStack()
        _shared["server"] = stack.enter_context(mongo_server(data_dir=tmp_path_factory.mktemp("secantus")))

        def stop() -> None:
            _shared.pop("server", None)
            stack.close()

        config.add_cleanup(stop)
    return _shared["server"]


def mongo_fixture(*, scope: str = "session"):
    """A pytest fixture yielding the RunningMongo; skips when secantusdb is not installed.

    Modules that each define `mongo = mongo_fixture()` share one server per test process.
    Mark their tests `xdist_group("mongo")` so that `-n 2 --dist loadgroup` starts only one.
    """

    @pytest.fixture(scope=scope)
    def mongo(tmp_path_factory: pytest.TempPathFactory, pytestconfig: pytest.Config) -> RunningMongo:
        if not secantus_installed():
            pytest.skip("secantusdb is not installed (pip install --pre secantusdb)")
        return shared_mongo(tmp_path_factory, pytestconfig)

    return mongo


@contextlib.contextmanager
def mongo_database(server: RunningMongo, name: str) -> Iterator[str]:
    """A database of its own for one test, dropped after."""
    from pymongo import MongoClient

    client = MongoClient(server.url)
    try:
        yield name
    finally:
        client.drop_database(name)
        client.close()
