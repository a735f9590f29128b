"""Real servers for tests: a noida-db server process per service, on a free port, stopped after.

    elasticsearch = broker_fixture("elasticsearch")   # in a test module: a session-scoped fixture
    def test_x(elasticsearch): requests.get(elasticsearch.url)

    with noida_server("elasticsearch", data_dir=tmp) as es: requests.get(es.url)

noida-db is one binary that speaks several wire protocols. It is not the real server. Kafka is
no longer tested here: tests/events use the real Apache Kafka broker (infra/engines/kafka.py).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

HOST = "127.0.0.1"


@dataclass(frozen=True)
class RunningServer:
    service: str
    host: str
    port: int
    data_dir: Path

    @property
    def address(self) -> str:
        """host:port, as Kafka's bootstrap_servers wants it."""
        return f"{self.host}:{self.port}"

    @property
    def url(self) -> str:
        """http://host:port, for HTTP services such as Elasticsearch."""
        return f"http://{self.host}:{self.port}"


def noida_binary() -> str | None:
    """The noida-db next to this interpreter (the project's venv), else one on PATH."""
    beside = Path(sys.executable).parent / "noida-db"
    return str(beside) if beside.exists() else shutil.which("noida-db")


def free_port() -> int:
    # The OS picks an unused port; the small race until noida-db binds it is covered by a retry.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def _port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


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
                 attempts: int = 3) -> Iterator[RunningServer]:
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
                    yield RunningServer(service=service, host=HOST, port=port, data_dir=data_dir)
                    return
            finally:
                stop_process_group(process)
        if attempt == attempts:
            raise RuntimeError(f"noida-db {service} did not start; see {log_path}:\n{log_path.read_text()}")


def _wait_ready(process: subprocess.Popen, service: str, port: int,
                probe: Callable[[str, int], bool], timeout_s: float) -> bool:
    """True once the port accepts connections and the service answers; False if it died."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False  # exited early, most likely the port was taken meanwhile: retry
        if _port_open(HOST, port) and probe(HOST, port):
            return True
        time.sleep(0.05)
    raise TimeoutError(f"noida-db {service} on port {port} not ready after {timeout_s} s")


NOIDA_STOP_STEPS = ((signal.SIGINT, 10), (signal.SIGTERM, 5), (signal.SIGKILL, 5))  # Ctrl-C saves and exits


def stop_process_group(process: subprocess.Popen, steps=NOIDA_STOP_STEPS) -> None:
    """Each (signal, seconds to wait) in turn until the server exits. Signals only the group we started."""
    for sig, wait_s in steps:
        if process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        try:
            process.wait(timeout=wait_s)
            return
        except subprocess.TimeoutExpired:
            continue


def broker_fixture(service: str, *, scope: str = "session"):
    """A pytest fixture yielding a RunningServer; skips the test when noida-db is not installed."""

    @pytest.fixture(scope=scope)
    def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
        if noida_binary() is None:
            pytest.skip("noida-db is not installed")
        with noida_server(service, data_dir=tmp_path_factory.mktemp(f"noida-{service}")) as running:
            yield running

    return server
