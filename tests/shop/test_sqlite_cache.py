"""The embedded cache (shop.sqlite_cache): Django's cache API, atomic across processes.

Every process of `make run` shares it, so what the locks and rate limits rely on is checked with
several real processes: increments are never lost, and of processes racing to `add` one key,
exactly one wins. Decision 0018 has the figures against Django's file and database caches.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from pathlib import Path

import pytest

from shop.sqlite_cache import SQLiteCache, default_location


@pytest.fixture
def cache(tmp_path):
    return SQLiteCache(str(tmp_path / "cache.sqlite3"), {"KEY_PREFIX": "t"})


def test_values_come_back_as_they_went_in(cache):
    values = {"int": 3, "negative": -7, "big": 2**70, "float": 1.5, "bool": True, "none_in_list": [None],
              "text": "नमस्ते", "dict": {"a": (1, 2)}, "bytes": b"\x00\xff"}
    for key, value in values.items():
        cache.set(key, value)
    for key, value in values.items():
        assert cache.get(key) == value and type(cache.get(key)) is type(value)
    assert cache.get("missing") is None
    assert cache.get("missing", "default") == "default"
    assert cache.get_many(["int", "text", "missing"]) == {"int": 3, "text": "नमस्ते"}


def test_entries_expire(cache):
    cache.set("short", 1, timeout=1)
    cache.set("forever", 2, timeout=None)
    cache.set("gone", 3, timeout=0)
    assert cache.get("short") == 1 and cache.has_key("short")
    assert cache.get("gone") is None
    time.sleep(1.1)
    assert cache.get("short") is None and not cache.has_key("short")
    assert cache.get("forever") == 2


def test_add_stores_only_when_absent_or_expired(cache):
    assert cache.add("lock", "first", timeout=1) is True
    assert cache.add("lock", "second", timeout=1) is False
    assert cache.get("lock") == "first"
    time.sleep(1.1)
    assert cache.add("lock", "third", timeout=60) is True
    assert cache.get("lock") == "third"
    assert cache.get_or_set("made", lambda: "once", None) == "once"
    assert cache.get_or_set("made", "twice", None) == "once"


def test_incr_and_decr(cache):
    cache.set("n", 1)
    assert cache.incr("n") == 2
    assert cache.incr("n", 10) == 12
    assert cache.decr("n", 5) == 7
    cache.set("f", 1.5)
    assert cache.incr("f") == 2.5
    with pytest.raises(ValueError):
        cache.incr("missing")
    cache.set("expired", 1, timeout=1)
    time.sleep(1.1)
    with pytest.raises(ValueError):
        cache.incr("expired")


def test_touch_delete_and_clear(cache):
    cache.set("k", 1, timeout=1)
    assert cache.touch("k", timeout=60) is True
    time.sleep(1.1)
    assert cache.get("k") == 1
    assert cache.touch("missing") is False
    assert cache.delete("k") is True
    assert cache.delete("k") is False
    cache.set_many({"a": 1, "b": 2, "c": 3})
    cache.delete_many(["a", "b"])
    assert cache.get_many(["a", "b", "c"]) == {"c": 3}
    cache.clear()
    assert cache.get("c") is None


def test_entries_past_max_entries_are_culled_soonest_to_expire_first(tmp_path, monkeypatch):
    monkeypatch.setattr("shop.sqlite_cache.CULL_EVERY", 10)
    cache = SQLiteCache(str(tmp_path / "small.sqlite3"), {"OPTIONS": {"MAX_ENTRIES": 20}})
    cache.set("keep", "forever", timeout=None)
    for i in range(40):
        cache.set(f"k{i}", i, timeout=600 + i)
    (count,) = cache._db().execute("SELECT COUNT(*) FROM cache").fetchone()
    assert count <= 20 + 10
    assert cache.get("keep") == "forever"
    assert cache.get("k39") == 39


def _increment(path: str, times: int) -> None:
    cache = SQLiteCache(path, {"KEY_PREFIX": "t"})
    for _ in range(times):
        cache.incr("counter")


def _take_locks(path: str, keys: int, out) -> None:
    cache = SQLiteCache(path, {"KEY_PREFIX": "t"})
    out.put([i for i in range(keys) if cache.add(f"lock:{i}", os.getpid(), 60)])


# Plain fork on purpose (what gunicorn and a prefork pool do); xdist's own thread makes Python warn.
FORK_WARNING = "ignore:This process .* is multi-threaded:DeprecationWarning"


@pytest.mark.filterwarnings(FORK_WARNING)
def test_increments_from_several_processes_are_never_lost(cache):
    cache.set("counter", 0, timeout=None)
    path = str(cache.path())
    ctx = multiprocessing.get_context("fork")
    procs = [ctx.Process(target=_increment, args=(path, 300)) for _ in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
    assert cache.get("counter") == 1200


@pytest.mark.filterwarnings(FORK_WARNING)
def test_processes_racing_to_add_a_key_have_exactly_one_winner(cache):
    cache.set("warm", 1)  # the parent has a connection open when it forks: none may cross the fork
    ctx = multiprocessing.get_context("fork")
    out = ctx.Queue()
    procs = [ctx.Process(target=_take_locks, args=(str(cache.path()), 200, out)) for _ in range(4)]
    for p in procs:
        p.start()
    won = [out.get(timeout=60) for _ in procs]
    for p in procs:
        p.join(60)
    winners = [sum(i in w for w in won) for i in range(200)]
    assert winners == [1] * 200


def test_without_a_location_the_cache_lives_beside_the_database(settings):
    from django.db import connections

    name = Path(connections["default"].settings_dict["NAME"])
    if connections["default"].vendor == "sqlite":
        assert default_location() == name.parent / "cache" / name.name
    else:
        vendor = connections["default"].vendor
        assert default_location() == Path(settings.VAR_DIR) / "cache" / f"{name}.{vendor}.sqlite3"


def test_cache_files_of_databases_that_are_gone_are_swept_away(settings, db):
    folder = Path(settings.VAR_DIR) / "cache"
    folder.mkdir(exist_ok=True)
    gone = folder / f"test-gone-{os.getpid()}.sqlite3"
    server = folder / f"test_gone_{os.getpid()}.mysql.sqlite3"
    for path in (gone, Path(f"{gone}-wal"), server):
        path.write_bytes(b"")
    cache = SQLiteCache("", {})
    cache.set("k", 1)  # opens this test database's own cache file, beside it, and sweeps
    assert cache.path() == default_location() and cache.path().exists()
    assert not gone.exists() and not Path(f"{gone}-wal").exists()
    assert server.exists()  # a MariaDB database's cache: no file to compare with
    server.unlink()
