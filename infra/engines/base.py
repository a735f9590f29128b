"""What every JVM engine launcher shares: Java, the cached class path from Maven, a process that is
started on loopback, waited for until it answers, and stopped cleanly.

    with start_java("kafka", argv, data_dir=tmp, ready=lambda: probe(port)) as process: ...

The class path of an engine is its module under infra/jvm, resolved by
`mvn dependency:copy-dependencies` into ~/.cache/bazaar/jvm/<module>-<hash of the pom>/ (or
$BAZAAR_JVM_CACHE), once: later runs, and other test workers, reuse it.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

HOST = "127.0.0.1"
JVM_MODULES = Path(__file__).resolve().parent.parent / "jvm"
DEPENDENCY_PLUGIN = "org.apache.maven.plugins:maven-dependency-plugin:3.8.1"


class EngineUnavailable(RuntimeError):
    """This machine cannot run the engine (no Java, no Maven, or the artifacts could not be fetched)."""


class EngineStartError(RuntimeError):
    """The engine was launched but died or did not answer in time (a bug to look at, not a skip)."""


@dataclass(frozen=True)
class RunningEngine:
    """An engine that answers on host:port; `env` is what the shop needs exported to use it."""

    name: str
    host: str
    port: int
    data_dir: Path
    env: dict[str, str] = field(default_factory=dict)

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"


def java_executable() -> str:
    """The `java` to run engines with: $JAVA_HOME's, else the one on PATH."""
    java_home = os.environ.get("JAVA_HOME")
    candidate = Path(java_home) / "bin" / "java" if java_home else None
    found = str(candidate) if candidate and candidate.exists() else shutil.which("java")
    if not found:
        raise EngineUnavailable("no Java found (install a JDK 17, or set JAVA_HOME)")
    return found


def cache_root() -> Path:
    return Path(os.environ.get("BAZAAR_JVM_CACHE") or Path.home() / ".cache" / "bazaar" / "jvm")


def module_pom(module: str) -> Path:
    pom = JVM_MODULES / module / "pom.xml"
    if not pom.exists():
        raise EngineUnavailable(f"no Maven description for {module!r} at {pom}")
    return pom


def classpath(module: str) -> list[Path]:
    """The jars of infra/jvm/<module>, fetched from Maven Central on first use and cached."""
    pom = module_pom(module)
    digest = hashlib.sha256(pom.read_bytes()).hexdigest()[:12]
    root = cache_root()
    target = root / f"{module}-{digest}"
    complete = target / ".complete"
    if not complete.exists():
        root.mkdir(parents=True, exist_ok=True)
        with (root / f"{module}.lock").open("w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # one fetch at a time; the others then find it done
            if not complete.exists():
                _fetch(pom, target)
    return sorted((target / "lib").glob("*.jar"))


def _fetch(pom: Path, target: Path) -> None:
    mvn = shutil.which("mvn")
    if not mvn:
        raise EngineUnavailable("no Maven (`mvn`) to fetch the engine's jars with")
    java_executable()  # Maven itself needs it; say so plainly
    partial = target.with_name(target.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    command = [mvn, "-B", "-q", "-f", str(pom), f"{DEPENDENCY_PLUGIN}:copy-dependencies",
               "-DincludeScope=runtime", f"-DoutputDirectory={partial / 'lib'}"]
    started = time.monotonic()
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise EngineUnavailable(f"Maven could not fetch {pom.parent.name}'s jars:\n{result.stdout[-4000:]}"
                                f"{result.stderr[-2000:]}")
    (partial / ".complete").write_text(f"fetched in {time.monotonic() - started:.1f} s\n")
    shutil.rmtree(target, ignore_errors=True)
    partial.rename(target)


def free_port() -> int:
    """A port nobody listens on now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((HOST, port))
        except OSError:
            return False
        return True


def port_open(port: int, host: str = HOST) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


@contextlib.contextmanager
def start_java(name: str, argv: list[str], *, data_dir: Path, ready: Callable[[], bool],
               startup_timeout_s: float, env: dict[str, str] | None = None,
               stop_timeout_s: float = 30.0) -> Iterator[subprocess.Popen]:
    """Run `java <argv>` (its output in data_dir/<name>.log) until the block ends.

    Returns once `ready()` is true; raises with the log's tail if the process dies or is not ready
    in time. On the way out: SIGTERM (the engines shut down cleanly on it), then SIGKILL.
    """
    log_path = data_dir / f"{name}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [java_executable(), *argv], cwd=data_dir, stdout=log, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True, env={**os.environ, **(env or {})},
        )
    try:
        _wait_until_ready(name, process, ready, startup_timeout_s, log_path)
        yield process
    finally:
        stop_process_group(process, ((signal.SIGTERM, stop_timeout_s), (signal.SIGKILL, 10.0)))


def _wait_until_ready(name: str, process: subprocess.Popen, ready: Callable[[], bool], timeout_s: float,
                      log_path: Path) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise EngineStartError(f"{name} exited with {process.returncode} while starting; "
                                    f"{log_path} ends:\n{log_tail(log_path)}")
        if ready():
            return
        time.sleep(0.25)
    raise EngineStartError(f"{name} did not answer within {timeout_s:.0f} s; {log_path} ends:\n{log_tail(log_path)}")


def log_tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


STOP_STEPS: tuple[tuple[signal.Signals, float], ...] = ((signal.SIGTERM, 30.0), (signal.SIGKILL, 10.0))


def stop_process_group(process: subprocess.Popen, steps: Sequence[tuple[signal.Signals, float]] = STOP_STEPS) -> None:
    """Each (signal, seconds to wait) in turn to the process group we started, until it has exited."""
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


def heap_options(megabytes: int, *, initial_megabytes: int | None = None) -> list[str]:
    """An explicit small heap (all of it committed at start unless `initial_megabytes` says less):
    engines share a 2-core machine with the shop and its tests."""
    return [f"-Xms{initial_megabytes or megabytes}m", f"-Xmx{megabytes}m", "-XX:+UseSerialGC",
            "-XX:TieredStopAtLevel=1", "-Xss512k", "-Djava.net.preferIPv4Stack=true"]
