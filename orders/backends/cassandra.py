"""The order archive on Cassandra (cassandra-driver).

Two tables, both written by every `put` in one logged batch:

- `orders_by_user`: partition per customer, clustered newest first, for "my orders";
- `orders_by_id`: one row per order, for the order page.

Both keep the whole snapshot as JSON text, so a read is one partition, one query. The keyspace and
tables are created on first use (IF NOT EXISTS), and every statement is prepared once per process.

Cassandra's `timestamp` holds milliseconds, our created_at microseconds: the clustering key is the
millisecond value, the exact one is in the snapshot. `list_for_user(before=...)` therefore asks
for `created_at <= before` (at millisecond precision) and drops, by the exact value, the rows that
fall in that same millisecond but not before it.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import threading
import uuid

from orders.backends.base import ArchivedOrder, ArchiveUnavailable

BY_USER = "orders_by_user"
BY_ID = "orders_by_id"
KEYSPACE_NAME = re.compile(r"[A-Za-z0-9_]{1,48}")  # what Cassandra accepts for a keyspace
DEFAULT_REPLICATION = {"class": "SimpleStrategy", "replication_factor": 1}


def schema_statements(keyspace: str, replication: dict | None = None) -> list[str]:
    from cassandra.metadata import protect_name

    replication = replication or DEFAULT_REPLICATION
    options = ", ".join(f"'{k}': {v!r}" if isinstance(v, str) else f"'{k}': {int(v)}" for k, v in replication.items())
    ks = protect_name(keyspace)
    return [
        f"CREATE KEYSPACE IF NOT EXISTS {ks} WITH replication = {{{options}}}",
        f"CREATE TABLE IF NOT EXISTS {ks}.{BY_USER} (user_id bigint, created_at timestamp, order_id uuid, "
        f"snapshot text, PRIMARY KEY ((user_id), created_at, order_id)) "
        f"WITH CLUSTERING ORDER BY (created_at DESC, order_id DESC)",
        f"CREATE TABLE IF NOT EXISTS {ks}.{BY_ID} (order_id uuid PRIMARY KEY, user_id bigint, "
        f"created_at timestamp, snapshot text)",
    ]


# name: (CQL, the column types of its bind markers, in order). Constants: nothing is interpolated.
STATEMENTS = {
    "insert_by_id": ("INSERT INTO orders_by_id (order_id, user_id, created_at, snapshot) VALUES (?, ?, ?, ?)",
                     ("uuid", "bigint", "timestamp", "text")),
    "insert_by_user": ("INSERT INTO orders_by_user (user_id, created_at, order_id, snapshot) VALUES (?, ?, ?, ?)",
                       ("bigint", "timestamp", "uuid", "text")),
    "get": ("SELECT snapshot FROM orders_by_id WHERE order_id = ?", ("uuid",)),
    "list": ("SELECT snapshot FROM orders_by_user WHERE user_id = ?", ("bigint",)),
    "list_before": ("SELECT snapshot FROM orders_by_user WHERE user_id = ? AND created_at <= ?",
                    ("bigint", "timestamp")),
}


def bind_values(order: ArchivedOrder) -> dict[str, tuple]:
    """What `put` binds to each insert: exactly the driver's serialisable types."""
    snapshot = json.dumps(order.to_dict(), sort_keys=True)
    return {"insert_by_id": (order.id, order.user_id, order.created_at, snapshot),
            "insert_by_user": (order.user_id, order.created_at, order.id, snapshot)}


def newest_before(snapshots, *, before: dt.datetime | None, limit: int) -> list[ArchivedOrder]:
    """From rows read newest first (millisecond keys), the first `limit` strictly before `before`."""
    found: list[ArchivedOrder] = []
    for snapshot in snapshots:
        order = ArchivedOrder.from_dict(json.loads(snapshot))
        if before is not None and order.created_at >= before:
            continue  # same millisecond as `before`, but not before it
        found.append(order)
        if len(found) >= limit:
            break
    # Within one millisecond Cassandra orders by order_id only; the exact time decides here.
    return sorted(found, key=lambda o: (o.created_at, o.id), reverse=True)


class CassandraOrderArchive:
    def __init__(self, *, hosts: list[str], keyspace: str = "bazaar", port: int = 9042,
                 replication: dict | None = None, connect_timeout: float = 5.0, request_timeout: float = 10.0):
        if not hosts:
            raise ArchiveUnavailable("CassandraOrderArchive needs at least one host (CASSANDRA_HOSTS).")
        if not KEYSPACE_NAME.fullmatch(keyspace):
            raise ArchiveUnavailable(f"Cassandra keyspace {keyspace!r}: use 1-48 letters, digits or underscores.")
        self.hosts, self.keyspace, self.port = list(hosts), keyspace, port
        self.replication, self.connect_timeout, self.request_timeout = replication, connect_timeout, request_timeout
        self._lock = threading.Lock()
        self._session = None
        self._prepared: dict = {}

    def _connect(self):
        with self._lock:
            if self._session is not None:
                return self._session
            from cassandra.cluster import Cluster, NoHostAvailable

            cluster = Cluster(contact_points=self.hosts, port=self.port, connect_timeout=self.connect_timeout)
            try:
                session = cluster.connect()
                session.default_timeout = self.request_timeout
                for statement in schema_statements(self.keyspace, self.replication):
                    session.execute(statement)
                session.set_keyspace(self.keyspace)
                prepared = {name: session.prepare(cql) for name, (cql, _) in STATEMENTS.items()}
            except NoHostAvailable as exc:
                cluster.shutdown()
                raise ArchiveUnavailable(
                    f"Cassandra order archive unreachable at {', '.join(self.hosts)} (port {self.port}): {exc}"
                ) from exc
            except Exception:
                cluster.shutdown()
                raise
            self._cluster, self._session, self._prepared = cluster, session, prepared
            return session

    def _execute(self, statement, values):
        from cassandra import DriverException, RequestExecutionException
        from cassandra.cluster import NoHostAvailable

        session = self._connect()
        try:
            return session.execute(statement, values)
        except (NoHostAvailable, RequestExecutionException, DriverException) as exc:
            raise ArchiveUnavailable(f"Cassandra order archive: {exc}") from exc

    def put(self, order: ArchivedOrder) -> None:
        from cassandra.query import BatchStatement, BatchType

        self._connect()
        batch = BatchStatement(batch_type=BatchType.LOGGED)
        for name, values in bind_values(order).items():
            batch.add(self._prepared[name], values)
        self._execute(batch, None)

    def get(self, order_id: uuid.UUID | str) -> ArchivedOrder | None:
        try:
            order_id = uuid.UUID(str(order_id))
        except ValueError:
            return None
        self._connect()
        row = self._execute(self._prepared["get"], (order_id,)).one()
        return ArchivedOrder.from_dict(json.loads(row.snapshot)) if row else None

    def list_for_user(self, user_id: int, *, before: dt.datetime | None, limit: int) -> list[ArchivedOrder]:
        if limit <= 0:
            return []
        self._connect()
        if before is None:
            statement, values = self._prepared["list"], (user_id,)
        else:
            statement, values = self._prepared["list_before"], (user_id, before)
        statement = statement.bind(values)
        statement.fetch_size = limit + 8  # the driver pages on; a few spare rows cover the boundary millisecond
        rows = self._execute(statement, None)
        return newest_before((row.snapshot for row in rows), before=before, limit=limit)

    def close(self) -> None:
        with self._lock:
            if self._session is not None:
                self._cluster.shutdown()
                self._session = None
