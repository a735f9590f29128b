"""Real servers for tests: a noida-db server process per service, on a free port, stopped after.

    elasticsearch = broker_fixture("elasticsearch")   # once, in tests/conftest.py: a session fixture
    def test_x(elasticsearch): requests.get(elasticsearch.url)

    with noida_server("elasticsearch", data_dir=tmp) as es: requests.get(es.url)

noida-db is one binary that speaks several wire protocols. It is not the real server. Kafka is
no longer tested here: tests/events use the real Apache Kafka broker (infra/engines/kafka.py).
"""

from __future__ import annotations

import contextlib
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from infra.engines.base import RunningEngine, free_port, port_open, stop_process_group

HOST = "127.0.0.1"


def noida_binary() -> str | None:
    """The noida-db next to this interpreter (the project's venv), else one on PATH."""
    beside = Path(sys.executable).parent / "noida-db"
    return str(beside) if beside.exists() else shutil.which("noida-db")


def _http_answers(host: str, port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://{host}:{port}/", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


PROBES: dict[str, Callable[[str, int], bool]] = {
    "elasticsearch": _http_answers,
}


@contextlib.contextmanager
def noida_server(service: str, *, data_dir: Path, startup_timeout_s: float = 30.0,
                 attempts: int = 3) -> Iterator[RunningEngine]:
    """Run `noida-db start --only <service>` in the foreground for the duration of the block."""
    binary = noida_binary()
    if binary is None:
        raise FileNotFoundError("noida-db is not installed (pip install noida-db)")
    probe = PROBES.get(service, lambda host, port: True)
    for attempt in range(1, attempts + 1):
        port = free_port()
        log_path = data_dir / f"noida-db-{service}-{port}.log"
        with log_path.open("wb") as log:
            # Its own session, so stopping it reaches the native child of the Python wrapper too.
            process = subprocess.Popen(
                [binary, "start", "--data-dir", str(data_dir), "--host", HOST,
                 "--only", service, f"--{service}-port", str(port)],
                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
            )
            try:
                if _wait_ready(process, service, port, probe, startup_timeout_s):
                    yield RunningEngine(name=service, host=HOST, port=port, data_dir=data_dir)
                    return
            finally:
                stop_process_group(process, NOIDA_STOP_STEPS)
        if attempt == attempts:
            raise RuntimeError(f"noida-db {service} did not start; see {log_path}:\n{log_path.read_text()}")


def _wait_ready(process: subprocess.Popen, service: str, port: int,
                probe: Callable[[str, int], bool], timeout_s: float) -> bool:
    """True once the port accepts connections and the service answers; False if it died."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False  # exited early, most likely the port was taken meanwhile: retry
        if port_open(port) and probe(HOST, port):
            return True
        time.sleep(0.05)
    raise TimeoutError(f"noida-db {service} on port {port} not ready after {timeout_s} s")


NOIDA_STOP_STEPS = ((signal.SIGINT, 10), (signal.SIGTERM, 5), (signal.SIGKILL, 5))  # Ctrl-C saves and exits


def broker_fixture(service: str, *, scope: str = "session"):
    """A pytest fixture yielding a RunningEngine; skips the test when noida-db is not installed."""

    @pytest.fixture(scope=scope)
    def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningEngine]:
        if noida_binary() is None:
            pytest.skip("noida-db is not installed")
        with noida_server(service, data_dir=tmp_path_factory.mktemp(f"noida-{service}")) as running:
            yield running

    return server
