"""The cache options for several processes without Redis, side by side (`manage.py bench --caches`).

Run as its own process (`python -m shop.bench_caches`): it configures a bare Django with every
candidate cache, so nothing of the shop's own settings decides the outcome. For each cache:

- get and set: p50 in µs, one process, a small value (a page's header count) and a session-sized
  one (2 KB);
- shared: a value set by one process is read by another;
- incr: 4 processes add 1 to one counter 500 times each; how many of the 2,000 increments landed
  (a rate limit counts with incr);
- add: 4 processes race to `add` the same 300 keys; keys won by more than one process (a lock or
  the relay's kick flag is an add).

Decision 0018 records a run of it.
"""

from __future__ import annotations

import multiprocessing
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

PROCESSES = 4
INCREMENTS = 500
ADD_KEYS = 300
SAMPLES = 3000


def configure(tmp: Path, redis_url: str | None) -> list[str]:
    import django
    from django.conf import settings

    caches = {
        "locmem": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "bench"},
        "file": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
                 "LOCATION": str(tmp / "file-cache"), "OPTIONS": {"MAX_ENTRIES": 100_000}},
        "database": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "bench_cache",
                     "OPTIONS": {"MAX_ENTRIES": 100_000}},
        "sqlite": {"BACKEND": "shop.sqlite_cache.SQLiteCache", "LOCATION": str(tmp / "cache.sqlite3")},
    }
    if redis_url:
        caches["redis"] = {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": redis_url,
                           "KEY_PREFIX": f"bench-caches-{os.getpid()}",
                           "OPTIONS": {"CLIENT_CLASS": "django_redis.client.DefaultClient"}}
    settings.configure(
        DATABASES={"default": {  # the shop's embedded database settings (shop.config)
            "ENGINE": "django.db.backends.sqlite3", "NAME": str(tmp / "db.sqlite3"),
            "OPTIONS": {"init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                        "transaction_mode": "IMMEDIATE", "timeout": 20}}},
        CACHES={"default": caches["locmem"], **caches},
        INSTALLED_APPS=[], USE_TZ=True,
    )
    django.setup()
    from django.core.management import call_command

    call_command("createcachetable", verbosity=0)
    return list(caches)


def _p50(fn, n: int = SAMPLES) -> float:
    for i in range(100):
        fn(i)
    samples = []
    for i in range(n):
        started = time.perf_counter_ns()
        fn(i)
        samples.append((time.perf_counter_ns() - started) / 1000)
    return statistics.median(samples)


def _child(alias: str, job: str, out) -> None:
    from django.core.cache import caches

    cache = caches[alias]
    if job == "incr":
        for _ in range(INCREMENTS):
            cache.incr("counter")
        out.put(0)
    elif job == "add":
        out.put([i for i in range(ADD_KEYS) if cache.add(f"lock-{i}", os.getpid(), 60)])
    elif job == "write":
        cache.set("shared", f"from process {os.getpid()}", 300)
        out.put(os.getpid())


def _in_processes(alias: str, job: str, n: int) -> list:
    from django.db import connections

    connections.close_all()
    ctx = multiprocessing.get_context("fork")
    out = ctx.Queue()
    procs = [ctx.Process(target=_child, args=(alias, job, out)) for _ in range(n)]
    for p in procs:
        p.start()
    results = [out.get(timeout=120) for _ in procs]
    for p in procs:
        p.join()
    return results


def measure(alias: str) -> dict:
    from django.core.cache import caches

    cache = caches[alias]
    cache.clear()
    small, session = 3, {"_auth_user_id": "42", "blob": "x" * 2000}
    cache.set("small", small, 300)
    cache.set("session", session, 300)
    row: dict[str, float | bool | str] = {
        "get µs": _p50(lambda i: cache.get("small")),
        "get 2KB µs": _p50(lambda i: cache.get("session")),
        "set µs": _p50(lambda i: cache.set(f"k{i % 500}", small, 300)),
        "set 2KB µs": _p50(lambda i: cache.set(f"s{i % 500}", session, 300)),
    }
    cache.delete("shared")
    writer = _in_processes(alias, "write", 1)[0]
    row["shared"] = cache.get("shared") == f"from process {writer}"
    cache.set("counter", 0, 300)
    _in_processes(alias, "incr", PROCESSES)
    row["incr landed"] = f"{cache.get('counter') or 0}/{PROCESSES * INCREMENTS}" if row["shared"] else "per process"
    won = _in_processes(alias, "add", PROCESSES)
    doubles = sum(1 for i in range(ADD_KEYS) if sum(i in w for w in won) > 1)
    row["add: keys won twice"] = f"{doubles}/{ADD_KEYS}" if row["shared"] else "per process"
    cache.clear()
    return row


def main() -> None:
    redis_url = os.environ.get("REDIS_URL") or None
    with tempfile.TemporaryDirectory(prefix="bazaar-caches-") as tmp:
        aliases = configure(Path(tmp), redis_url)
        rows = {alias: measure(alias) for alias in aliases}
    columns = list(next(iter(rows.values())))
    print(f"cache options, {PROCESSES} processes (machine {os.cpu_count()} cores)")
    print(f"{'cache':<10}" + "".join(f"{c:>22}" for c in columns))
    for alias, row in rows.items():
        cells = [f"{v:>22.1f}" if isinstance(v, float) else f"{v!s:>22}" for v in row.values()]
        print(f"{alias:<10}" + "".join(cells))


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    main()
