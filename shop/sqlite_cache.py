"""The embedded cache: one SQLite file that every process of the shop shares.

`make run` serves through several gunicorn workers beside the Celery workers. Django's local-memory
cache is one per process, so a count the worker forgot (the header's cart count after an order)
stayed stale in the web processes for minutes, and the rate limits and locks built on `cache.add`
and `cache.incr` held per process only. This backend keeps the cache in a SQLite file instead, and
does each of Django's cache operations in one SQL statement, so they are atomic across processes:

- `add` is one INSERT ... ON CONFLICT DO UPDATE ... WHERE the old entry has expired: of any number
  of processes racing, exactly one gets True (locks, the relay's kick flag).
- `incr` / `decr` are one UPDATE ... RETURNING on an integer column: no count is lost (rate limits).
- `touch` and `delete` are one statement each; `get` never blocks on a writer (WAL).

Figures and the options it was chosen over (Django's file and database caches): docs/decisions/0018.

Where the file is: `LOCATION` when set; else beside the default database, as `cache/<its file name>`
(var/cache/bazaar.sqlite3 for var/bazaar.sqlite3), so a cache never outlives or crosses the
database whose rows it copies: a test database gets its own cache, shared with the server and
workers that a test starts on it, and `DATABASE_URL=sqlite:///other.sqlite3` never reads counts
cached for the first one. On MariaDB without Redis: var/cache/<database name>.<vendor>.sqlite3.

It is its own file, not a table in the shop's SQLite database, on purpose: SQLite has one writer per
file, and services forget cached numbers inside their transactions (`cart.services._forget_count`),
so a cache write on a second connection to the same file would wait for the lock its own thread
holds. It is not Django's connection either, so cache reads don't show up as queries.

Values: Python ints are stored as SQLite integers (so `incr` is SQL arithmetic); anything else is
pickled, as every Django cache backend does. Expired entries are skipped on read and purged every
`CULL_EVERY` writes, when the oldest ones also go if there are more than MAX_ENTRIES.
"""

from __future__ import annotations

import os
import pickle
import re
import sqlite3
import threading
import time
import weakref
from pathlib import Path

from django.conf import settings
from django.core.cache.backends.base import DEFAULT_TIMEOUT, BaseCache
from django.db import connections

SQLITE_INT_MIN, SQLITE_INT_MAX = -(2**63), 2**63 - 1
CULL_EVERY = 500  # writes per connection between purges of expired entries
BUSY_TIMEOUT_SECONDS = 10.0
SCHEMA = (
    "CREATE TABLE IF NOT EXISTS cache (key TEXT PRIMARY KEY, value BLOB NOT NULL, expires REAL) WITHOUT ROWID",
    "CREATE INDEX IF NOT EXISTS cache_expires ON cache (expires)",
)
_INHERITED: list[sqlite3.Connection] = []  # a forked parent's connections, never to be touched
_INSTANCES: weakref.WeakSet[SQLiteCache] = weakref.WeakSet()
OTHER_DATABASES = re.compile(r"\.(mysql|postgresql|oracle)\.sqlite3$")  # caches named after a server's database
# Not expired: no expiry (timeout None), or an expiry still ahead.
LIVE = "(expires IS NULL OR expires > ?)"


def _encode(value: object) -> int | bytes:
    if type(value) is int and SQLITE_INT_MIN <= value <= SQLITE_INT_MAX:
        return value
    return pickle.dumps(value, pickle.HIGHEST_PROTOCOL)


def _decode(stored: int | bytes) -> object:
    if isinstance(stored, int):
        return stored
    return pickle.loads(stored)  # noqa: S301 - our own file, written by this backend only


def default_location() -> Path:
    """Beside the default database: its cache follows it (a test database gets its own)."""
    db = connections["default"].settings_dict
    name = str(db.get("NAME") or "")
    if db["ENGINE"].endswith("sqlite3"):
        if not name or name == ":memory:" or (name.startswith("file:") and "mode=memory" in name):
            return Path(":memory:")
        path = Path(name)
        return path.parent / "cache" / path.name
    vendor = db["ENGINE"].rsplit(".", 1)[-1]
    return Path(settings.VAR_DIR) / "cache" / f"{name}.{vendor}.sqlite3"


class SQLiteCache(BaseCache):
    def __init__(self, location: str, params: dict):
        # Django's default of 300 entries would cull sessions and locks; this one holds 100,000.
        options = {"MAX_ENTRIES": 100_000, **params.get("OPTIONS", {})}
        super().__init__({**params, "OPTIONS": options})
        self._location = str(location or "")
        self._busy_timeout = float(options.get("BUSY_TIMEOUT", BUSY_TIMEOUT_SECONDS))
        # Django builds one cache object per thread; the lock only guards a fork's or a test's reuse.
        self._lock = threading.Lock()
        self._connections: dict[tuple[int, str], sqlite3.Connection] = {}
        self._writes = 0
        _INSTANCES.add(self)

    # --- the connection -------------------------------------------------------------------------

    def path(self) -> Path:
        return Path(self._location) if self._location else default_location()

    def _sweep(self, path: Path) -> None:
        """Delete the cache files, in var/cache only, of SQLite databases that are gone: each test
        database gets one beside it and Django deletes only the database. Once per new connection."""
        if self._location or not getattr(settings, "VAR_DIR", None):
            return
        folder = Path(settings.VAR_DIR) / "cache"
        if path.parent != folder:
            return
        for cache_file in folder.iterdir():
            name = cache_file.name.removesuffix("-wal").removesuffix("-shm")
            if name == path.name or OTHER_DATABASES.search(name):
                continue
            if not (folder.parent / name).exists():
                cache_file.unlink(missing_ok=True)

    def _db(self) -> sqlite3.Connection:
        path = str(self.path())
        key = (os.getpid(), path)
        conn = self._connections.get(key)
        if conn is None:
            with self._lock:
                inherited = [k for k in self._connections if k[0] != key[0]]
                if inherited:
                    # A forked child must neither use nor close its parent's connections: closing
                    # one would drop this process's POSIX locks on the file, those of its own new
                    # connection included. They are kept, unused, for the life of the process.
                    _INHERITED.extend(self._connections.pop(k) for k in inherited)
                conn = self._connections.get(key)
                if conn is None:
                    conn = self._connect(path)
                    self._sweep(Path(path))
                self._connections[key] = conn
        return conn

    def _close_before_fork(self) -> None:
        with self._lock:
            mine = [k for k in self._connections if k[0] == os.getpid()]
            for key in mine:
                self._connections.pop(key).close()

    def _connect(self, path: str) -> sqlite3.Connection:
        if path == ":memory:":  # an in-memory database: the cache can only be this process's
            conn = sqlite3.connect(f"file:bazaar-cache-{os.getpid()}?mode=memory&cache=shared", uri=True,
                                   timeout=self._busy_timeout, isolation_level=None, check_same_thread=False)
        else:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(path, timeout=self._busy_timeout, isolation_level=None,
                                   check_same_thread=False)
            # WAL: readers never wait for a writer. NORMAL: no fsync per write (a cache may lose its
            # last writes in a power cut, never its consistency).
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
        for statement in SCHEMA:
            conn.execute(statement)
        return conn

    def _expiry(self, timeout) -> float | None:
        return self.get_backend_timeout(timeout)

    def _wrote(self, conn: sqlite3.Connection) -> None:
        self._writes += 1
        if self._writes % CULL_EVERY == 0:
            self._cull(conn)

    def _cull(self, conn: sqlite3.Connection) -> None:
        conn.execute("DELETE FROM cache WHERE expires <= ?", (time.time(),))
        (count,) = conn.execute("SELECT COUNT(*) FROM cache").fetchone()
        if self._max_entries and count > self._max_entries:
            excess = count - self._max_entries + (self._max_entries // max(self._cull_frequency, 1))
            # Soonest to expire first; entries without an expiry last.
            conn.execute("DELETE FROM cache WHERE key IN (SELECT key FROM cache "
                         "ORDER BY expires IS NULL, expires LIMIT ?)", (excess,))

    # --- Django's cache API ---------------------------------------------------------------------

    def get(self, key, default=None, version=None):
        key = self.make_and_validate_key(key, version=version)
        row = self._db().execute(f"SELECT value FROM cache WHERE key = ? AND {LIVE}",  # noqa: S608
                                 (key, time.time())).fetchone()
        return default if row is None else _decode(row[0])

    def get_many(self, keys, version=None):
        wanted = {self.make_and_validate_key(k, version=version): k for k in keys}
        found = {}
        names = list(wanted)
        conn, now = self._db(), time.time()
        for start in range(0, len(names), 500):
            chunk = names[start:start + 500]
            marks = ",".join("?" * len(chunk))
            rows = conn.execute(f"SELECT key, value FROM cache WHERE key IN ({marks}) AND {LIVE}",  # noqa: S608
                                (*chunk, now))
            for name, stored in rows:
                found[wanted[name]] = _decode(stored)
        return found

    def has_key(self, key, version=None):
        key = self.make_and_validate_key(key, version=version)
        return self._db().execute(f"SELECT 1 FROM cache WHERE key = ? AND {LIVE}",  # noqa: S608
                                  (key, time.time())).fetchone() is not None

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        key = self.make_and_validate_key(key, version=version)
        conn, expires = self._db(), self._expiry(timeout)
        if expires is not None and expires <= time.time():  # timeout 0 or negative: gone at once
            conn.execute("DELETE FROM cache WHERE key = ?", (key,))
            return
        conn.execute("INSERT INTO cache (key, value, expires) VALUES (?, ?, ?) ON CONFLICT (key) "
                     "DO UPDATE SET value = excluded.value, expires = excluded.expires",
                     (key, _encode(value), expires))
        self._wrote(conn)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        for key, value in data.items():
            self.set(key, value, timeout, version=version)
        return []

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        """Store only if the key is absent or expired; True if stored. One statement: atomic."""
        key = self.make_and_validate_key(key, version=version)
        conn, expires, now = self._db(), self._expiry(timeout), time.time()
        if expires is not None and expires <= now:
            return not self.has_key(key)  # stored and gone at once, as Django's own backends behave
        cursor = conn.execute(
            "INSERT INTO cache (key, value, expires) VALUES (?, ?, ?) ON CONFLICT (key) "
            "DO UPDATE SET value = excluded.value, expires = excluded.expires "
            "WHERE cache.expires IS NOT NULL AND cache.expires <= ?",
            (key, _encode(value), expires, now))
        self._wrote(conn)
        return cursor.rowcount == 1

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        key = self.make_and_validate_key(key, version=version)
        conn, expires, now = self._db(), self._expiry(timeout), time.time()
        if expires is not None and expires <= now:
            return conn.execute(f"DELETE FROM cache WHERE key = ? AND {LIVE}", (key, now)).rowcount == 1  # noqa: S608
        return conn.execute(f"UPDATE cache SET expires = ? WHERE key = ? AND {LIVE}",  # noqa: S608
                            (expires, key, now)).rowcount == 1

    def incr(self, key, delta=1, version=None):
        """Add `delta` in one UPDATE ... RETURNING: concurrent increments are never lost."""
        name = self.make_and_validate_key(key, version=version)
        conn, now = self._db(), time.time()
        rows = conn.execute(f"UPDATE cache SET value = value + ? WHERE key = ? AND {LIVE} "  # noqa: S608
                            "AND typeof(value) = 'integer' RETURNING value", (delta, name, now)).fetchall()
        if rows:
            return rows[0][0]
        # Absent, or not stored as an integer (a float, a pickled object): under a write lock, the
        # way Django's other backends do it, so it is still atomic here.
        conn.execute("BEGIN IMMEDIATE")
        try:
            row = conn.execute(f"SELECT value FROM cache WHERE key = ? AND {LIVE}",  # noqa: S608
                               (name, now)).fetchone()
            if row is None:
                raise ValueError(f"Key '{key}' not found")
            new_value = _decode(row[0]) + delta
            conn.execute("UPDATE cache SET value = ? WHERE key = ?", (_encode(new_value), name))
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        return new_value

    def delete(self, key, version=None):
        key = self.make_and_validate_key(key, version=version)
        return self._db().execute("DELETE FROM cache WHERE key = ?", (key,)).rowcount == 1

    def delete_many(self, keys, version=None):
        names = [(self.make_and_validate_key(k, version=version),) for k in keys]
        self._db().executemany("DELETE FROM cache WHERE key = ?", names)

    def clear(self):
        self._db().execute("DELETE FROM cache")

    def close(self, **kwargs):
        """Kept open between requests (Django closes caches after each one): reopening costs more
        than the work. Closed with the process."""


def _before_fork() -> None:
    """SQLite's rule: an open connection must not cross a fork (its locks are per process, and
    the library's record of them would be the parent's). So the parent closes its connections
    before any os.fork (gunicorn's, a multiprocessing pool's) and reopens on its next use."""
    for instance in list(_INSTANCES):
        instance._close_before_fork()


os.register_at_fork(before=_before_fork)
