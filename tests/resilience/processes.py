"""The real processes the resilience suite starts, kills and restarts: redis-server, gunicorn, celery.

Each runs in its own session (process group), writes its output to a log file under the test's
tmp_path, and is stopped by the `processes` fixture however the test ends. Killing is SIGKILL to
the whole group: no shutdown handler runs, as when a machine or a container dies.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import requests

from infra.engines.base import HOST, free_port, log_tail, port_open, stop_process_group

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
# At the end of a test nothing needs a clean shutdown (the assertions are made): SIGKILL at once.
STOP_STEPS = ((signal.SIGKILL, 10.0),)


def redis_server_binary() -> str | None:
    configured = os.environ.get("REDIS_SERVER")
    if configured:
        return configured if Path(configured).exists() else None
    return "/usr/bin/redis-server" if Path("/usr/bin/redis-server").exists() else shutil.which("redis-server")


def wait_until(condition: Callable[[], object], *, seconds: float, what: str,
               alive: Sequence[ShopProcess] = (), interval: float = 0.05) -> float:
    """Poll `condition` until it is true; fail with the processes' logs if it isn't within `seconds`,
    or at once if one of `alive` died. Returns how long it took."""
    started = time.monotonic()
    deadline = started + seconds
    while True:
        if condition():
            return time.monotonic() - started
        for process in alive:
            if not process.running:
                raise AssertionError(f"{process.name} died while waiting for {what}:\n{process.tail()}")
        if time.monotonic() > deadline:
            logs = "\n".join(f"--- {p.name}\n{p.tail(30)}" for p in alive)
            raise AssertionError(f"{what}: not within {seconds:.0f} s\n{logs}")
        time.sleep(interval)


class ShopProcess:
    """One command in its own process group, output to `log`."""

    def __init__(self, name: str, argv: list[str], *, env: dict[str, str], log: Path):
        self.name, self.argv, self.env, self.log = name, argv, env, log
        self.process: subprocess.Popen | None = None

    def start(self) -> ShopProcess:
        assert not self.running, f"{self.name} is running already"
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(self.argv, cwd=REPO, env=self.env, stdout=out, stderr=subprocess.STDOUT,
                                            stdin=subprocess.DEVNULL, start_new_session=True)
        return self

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def kill(self) -> None:
        """SIGKILL to the whole group: nothing gets to clean up."""
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None:
            stop_process_group(self.process, STOP_STEPS)
            # The group once more: a leader that exited earlier (killed by the test) may have left
            # children behind (gunicorn's workers).
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.process.pid, signal.SIGKILL)

    def tail(self, lines: int = 40) -> str:
        return log_tail(self.log, lines)

    def wait_ready(self, seconds: float = 60) -> float:
        return 0.0

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


class RedisServer(ShopProcess):
    """A redis-server of the test's own on a free port, nothing kept on disk: stopping it loses
    whatever it held, as a Redis without persistence does."""

    def __init__(self, name: str, *, binary: str, log: Path, port: int | None = None):
        self.port = port or free_port()
        super().__init__(name, [binary, "--port", str(self.port), "--bind", HOST, "--save", "", "--appendonly", "no",
                                "--daemonize", "no", "--protected-mode", "no"], env=dict(os.environ), log=log)

    def url(self, db: int = 0) -> str:
        return f"redis://{HOST}:{self.port}/{db}"

    def start(self) -> RedisServer:
        super().start()
        wait_until(self._answers, seconds=10, what=f"{self.name} answering on {self.port}", alive=[self])
        return self

    def _answers(self) -> bool:
        import redis

        if not port_open(self.port):
            return False
        try:
            return bool(redis.Redis(host=HOST, port=self.port, socket_timeout=1).ping())
        except redis.RedisError:
            return False

    def client(self):
        import redis

        return redis.Redis(host=HOST, port=self.port, socket_timeout=2)

    def kill(self) -> None:
        super().kill()
        wait_until(lambda: not port_open(self.port), seconds=5, what=f"{self.name} gone")


class Gunicorn(ShopProcess):
    """The shop under gunicorn, `workers` sync workers, as in production."""

    def __init__(self, name: str, *, env: dict[str, str], log: Path, workers: int = 2, timeout: int = 30):
        self.port = free_port()
        super().__init__(name, [str(BIN / "gunicorn"), "shop.wsgi", "-w", str(workers), "--bind", f"{HOST}:{self.port}",
                                "--timeout", str(timeout), "--graceful-timeout", "3", "--access-logfile", "-"],
                         env=env, log=log)
        self.workers = workers

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def wait_ready(self, seconds: float = 60) -> float:
        return wait_until(lambda: self._healthy() and len(self.worker_pids()) == self.workers, seconds=seconds,
                          what=f"{self.name} answering /healthz", alive=[self], interval=0.1)

    def _healthy(self) -> bool:
        try:
            return requests.get(self.url + "/healthz", timeout=2).status_code == 200
        except requests.RequestException:
            return False

    def worker_pids(self) -> list[int]:
        """The master's children (its workers), read from /proc."""
        children = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            # pid (comm) state ppid ...: comm may hold spaces, so split after its closing parenthesis.
            fields = stat.rsplit(")", 1)[1].split()
            if int(fields[1]) == self.pid and fields[0] != "Z":
                children.append(int(entry.name))
        return sorted(children)

    def kill_worker(self, pid: int) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


class CeleryWorker(ShopProcess):
    """`celery -A shop worker --pool=solo` on some queues, as scripts/run starts them."""

    def __init__(self, name: str, *, queues: list[str], env: dict[str, str], log: Path):
        argv = [str(BIN / "celery"), "-A", "shop", "worker", "--pool=solo", "-Q", ",".join(queues),
                "-n", f"{name}@%h", "--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel=INFO"]
        super().__init__(name, argv, env=env, log=log)
        self._ready_marks = 0

    def start(self) -> CeleryWorker:
        self._ready_marks = self.log_text().count(" ready.")
        return super().start()

    def wait_ready(self, seconds: float = 60) -> float:
        return wait_until(lambda: self.log_text().count(" ready.") > self._ready_marks, seconds=seconds,
                          what=f"{self.name} ready", alive=[self], interval=0.1)


class CeleryBeat(ShopProcess):
    """`celery -A shop beat`: the schedule in a process of its own."""

    def __init__(self, name: str, *, env: dict[str, str], log: Path, schedule: Path):
        super().__init__(name, [str(BIN / "celery"), "-A", "shop", "beat", "-s", str(schedule), "--loglevel=INFO"],
                         env=env, log=log)

    def wait_ready(self, seconds: float = 60) -> float:
        return wait_until(lambda: "beat: Starting..." in self.log_text(), seconds=seconds, what=f"{self.name} ready",
                          alive=[self], interval=0.1)
