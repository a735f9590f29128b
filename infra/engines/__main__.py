"""`python -m infra.engines fetch` fetches every module's jars; `... services [NAME ...]` starts the
engines (all by default) on loopback, prints the variables to export, and stops them on Ctrl-C."""

from __future__ import annotations

import argparse
import contextlib
import signal
import sys
import tempfile
import time
from pathlib import Path

from infra.engines import ENGINES, launcher
from infra.engines.base import JVM_MODULES, EngineUnavailable, classpath, port_is_free


def fetch() -> None:
    """Every Maven module under infra/jvm: the engines, OpenSearch's modules, Spark's connector."""
    for module in sorted(pom.parent.name for pom in JVM_MODULES.glob("*/pom.xml")):
        started = time.monotonic()
        jars = classpath(module)
        print(f"{module}: {len(jars)} jars ({time.monotonic() - started:.1f} s)", flush=True)


def services(names: list[str]) -> None:
    # The engines run in sessions of their own, so a closed terminal (SIGHUP) or a kill (SIGTERM)
    # would leave them running: stop them as Ctrl-C does.
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, lambda *_: sys.exit(0))
    with contextlib.ExitStack() as stack:
        # Entered first, so left last: the data goes once every engine has stopped.
        data_root = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bazaar-services-")))
        exports: dict[str, str] = {}
        for name in names:
            engine = launcher(name)
            port = engine.DEFAULT_PORT if port_is_free(engine.DEFAULT_PORT) else None
            data_dir = data_root / name
            data_dir.mkdir()
            started = time.monotonic()
            print(f"Starting {name}…", flush=True)
            running = stack.enter_context(engine.start(data_dir=data_dir, port=port))
            print(f"  {name} answers on {running.address} ({time.monotonic() - started:.0f} s; data in {data_dir})",
                  flush=True)
            exports.update(running.env)
        if "kafka" in names:
            # The live reports' stream reads the topic through Spark's Kafka connector: its jars from
            # here, so Spark need not fetch them (recommendations/spark.py).
            exports["SPARK_JARS"] = ",".join(str(jar) for jar in classpath("spark-kafka"))
        print("\nExport these, then `make run` uses the engines:\n")
        for key, value in exports.items():
            print(f"export {key}={value}")
        print("\nStop with Ctrl-C.", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            while True:
                time.sleep(3600)
        print("Stopping…", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m infra.engines")
    parser.add_argument("command", choices=["fetch", "services"])
    parser.add_argument("names", nargs="*", metavar="NAME",
                        help=f"engines to start: {', '.join(ENGINES)} (default: all)")
    args = parser.parse_args()
    unknown = set(args.names) - set(ENGINES)
    if unknown:
        parser.error(f"unknown engine(s): {', '.join(sorted(unknown))}; choose from {', '.join(ENGINES)}")
    names = args.names or list(ENGINES)
    try:
        fetch() if args.command == "fetch" else services(names)
    except EngineUnavailable as exc:
        sys.exit(f"{exc}")


if __name__ == "__main__":
    main()
