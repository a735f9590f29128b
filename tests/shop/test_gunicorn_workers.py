"""The web server's worker class (shop/gunicorn_workers.py) under a real gunicorn: connections that
arrive together are spread over the workers, and idle kept-alive connections lock nobody out."""

from __future__ import annotations

import http.client
import subprocess
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from infra.engines.base import HOST, free_port, port_open

REPO = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).parent / "gunicorn"


@pytest.fixture
def server(tmp_path):
    """gunicorn with 2 balanced gthread workers of 2 threads each, serving tests/shop/pid_wsgi_app.py."""
    port = free_port()
    log = (tmp_path / "gunicorn.log").open("w")
    process = subprocess.Popen(
        [str(GUNICORN), "tests.shop.pid_wsgi_app:app", "--bind", f"{HOST}:{port}", "--workers", "2",
         "--threads", "2", "--worker-class", "shop.gunicorn_workers.BalancedThreadWorker", "--keep-alive", "30",
         "--no-control-socket"],
        cwd=REPO, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 30
        while not port_open(port):
            assert process.poll() is None and time.monotonic() < deadline, (tmp_path / "gunicorn.log").read_text()
            time.sleep(0.1)
        time.sleep(1)  # both workers booted and polling the socket
        yield port
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


def _pid(connection: http.client.HTTPConnection, sleep: float) -> int:
    connection.request("GET", f"/?sleep={sleep}")
    response = connection.getresponse()
    assert response.status == 200 and response.getheader("Connection", "").lower() != "close"
    return int(response.read())


def test_connections_that_arrive_together_are_spread_over_the_workers(server):
    """Plain gthread let the first worker awake take all four (it holds up to 1,000 connections),
    and one process served them while the other idled. Taking one only to a free thread, each
    worker gets two and keeps them."""
    connections = [http.client.HTTPConnection(HOST, server, timeout=10) for _ in range(4)]
    with ThreadPoolExecutor(4) as pool:
        first = list(pool.map(lambda c: _pid(c, 0.3), connections))
        again = list(pool.map(lambda c: _pid(c, 0.3), connections))

    assert sorted(Counter(first).values()) == [2, 2], first
    assert again == first  # kept alive, on the worker that took it
    for connection in connections:
        connection.close()


def test_idle_kept_alive_connections_lock_nobody_out(server):
    """Ten browsers that made a request and keep their connection open take no thread while they
    say nothing (gunicorn parks them in its poller): a new visitor is answered at once."""
    kept = [http.client.HTTPConnection(HOST, server, timeout=10) for _ in range(10)]
    try:
        with ThreadPoolExecutor(10) as pool:
            assert all(pool.map(lambda c: _pid(c, 0), kept))
        connection = http.client.HTTPConnection(HOST, server, timeout=5)
        started = time.monotonic()
        assert _pid(connection, 0) > 0
        assert time.monotonic() - started < 1
        connection.close()
        assert all(_pid(c, 0) for c in kept)  # and they are still served
    finally:
        for connection in kept:
            connection.close()


def test_the_worker_freezes_what_the_app_loaded(server):
    """Objects alive once the app has loaded are frozen (decision 0037): full collections no longer
    scan them, so their pauses stay short."""
    connection = http.client.HTTPConnection(HOST, server, timeout=5)
    connection.request("GET", "/?frozen=1")
    assert int(connection.getresponse().read()) > 10_000  # the interpreter, gunicorn and the app
    connection.close()
