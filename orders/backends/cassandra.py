"""The order archive on Cassandra (cassandra-driver): one table per query, as Cassandra wants.

| table                  | partition          | clustering (newest first)   | answers                        |
|------------------------|--------------------|-----------------------------|--------------------------------|
| orders_by_id           | (order_id)         | -                           | get(order_id)                  |
| orders_by_user         | (user_id)          | created_at_us, order_id     | list_for_user(user_id)         |
| orders_by_user_status  | (user_id, status)  | created_at_us, order_id     | list_for_user(user_id, status) |
| orders_by_status_day   | (status, day)      | created_at_us, order_id     | list_for_day(day, status)      |

Every row holds the whole snapshot (JSON text), so each read is one slice of one partition; `put`
writes the four rows one statement each, `orders_by_id` last (see `put`). Partitions
stay bounded: one customer's orders, one customer's orders of one status, one day's orders of
one status.

The clustering time is microseconds since the epoch (bigint), not a CQL `timestamp`, which holds
milliseconds: our created_at has microseconds, and "newest first, resume after (created_at, id)"
must be exact. A cursor is then a single CQL slice, `(created_at_us, order_id) < (?, ?)`. Within
one microsecond, Cassandra orders version-4 UUIDs as unsigned 128-bit numbers, as Python does.

The schema is made by `manage.py cassandra_schema` (create_schema below), never on first use:
see docs/decisions/0011-order-archive.md. Statements are prepared once per process.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import threading
import uuid
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from orders.backends.base import ArchivedOrder, ArchivePosition, ArchiveUnavailable, archive_day

if TYPE_CHECKING:  # the driver is imported when first used (the embedded archive needs none of it)
    from cassandra.cluster import Cluster, ResultSet, Session
    from cassandra.query import PreparedStatement, Statement

BY_ID = "orders_by_id"
BY_USER = "orders_by_user"
BY_USER_STATUS = "orders_by_user_status"
BY_STATUS_DAY = "orders_by_status_day"
TABLES = (BY_ID, BY_USER, BY_USER_STATUS, BY_STATUS_DAY)

NAME = re.compile(r"[A-Za-z0-9_]{1,48}")  # what Cassandra accepts for a keyspace (and we for options)
OPTION_VALUE = re.compile(r"[A-Za-z0-9_.\-]{1,100}")
DEFAULT_REPLICATION: dict[str, str | int] = {"class": "SimpleStrategy", "replication_factor": 1}
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)

NEWEST_FIRST = "WITH CLUSTERING ORDER BY (created_at_us DESC, order_id DESC)"
TABLE_DDL = {
    # The index tables' keys are kept here too, so a re-archival can find rows it must move.
    BY_ID: "(order_id uuid PRIMARY KEY, user_id bigint, status text, day date, created_at_us bigint, snapshot text)",
    BY_USER: "(user_id bigint, created_at_us bigint, order_id uuid, snapshot text, "
             f"PRIMARY KEY ((user_id), created_at_us, order_id)) {NEWEST_FIRST}",
    BY_USER_STATUS: "(user_id bigint, status text, created_at_us bigint, order_id uuid, snapshot text, "
                    f"PRIMARY KEY ((user_id, status), created_at_us, order_id)) {NEWEST_FIRST}",
    BY_STATUS_DAY: "(status text, day date, created_at_us bigint, order_id uuid, snapshot text, "
                   f"PRIMARY KEY ((status, day), created_at_us, order_id)) {NEWEST_FIRST}",
}
# The partition key columns of each listing table, in bind order.
PARTITIONS = {BY_USER: ("user_id",), BY_USER_STATUS: ("user_id", "status"), BY_STATUS_DAY: ("status", "day")}


def replication_cql(replication: dict[str, Any] | None) -> str:
    """`{'class': 'SimpleStrategy', 'replication_factor': 1}`, every key and value checked, since
    DDL can't take bind markers."""
    replication = replication or DEFAULT_REPLICATION
    parts = []
    for key, value in replication.items():
        # Keys are 'class', 'replication_factor' or data-centre names (Ec2Snitch's 'us-east').
        if not OPTION_VALUE.fullmatch(str(key)) or not OPTION_VALUE.fullmatch(str(value)):
            raise ValueError(f"Cassandra replication option {key!r}: {value!r} is not a plain name or number.")
        parts.append(f"'{key}': {int(value)}" if isinstance(value, int) else f"'{key}': '{value}'")
    return "{" + ", ".join(parts) + "}"


def schema_statements(keyspace: str, replication: dict[str, Any] | None = None) -> list[tuple[str, str]]:
    """(what, CQL) for the keyspace and each table, all IF NOT EXISTS."""
    return [(f"keyspace {keyspace}",
             f"CREATE KEYSPACE IF NOT EXISTS {keyspace} WITH replication = {replication_cql(replication)}"),
            *((f"table {keyspace}.{table}", f"CREATE TABLE IF NOT EXISTS {keyspace}.{table} {ddl}")
              for table, ddl in TABLE_DDL.items())]


def _listing_statements() -> dict[str, str]:
    found = {}
    for table, partition in PARTITIONS.items():
        where = " AND ".join(f"{column} = ?" for column in partition)
        found[f"{table}:first"] = f"SELECT snapshot FROM {table} WHERE {where} LIMIT ?"  # noqa: S608 (constants)
        found[f"{table}:after"] = (f"SELECT snapshot FROM {table} WHERE {where} "  # noqa: S608 (constants)
                                   "AND (created_at_us, order_id) < (?, ?) LIMIT ?")
    return found


# Every statement the archive prepares, by name; `qualified` adds the keyspace to the table names
# (Cassandra 5 warns about unqualified names in prepared statements). Every value is a bind marker.
STATEMENTS = {
    "get": "SELECT snapshot FROM orders_by_id WHERE order_id = ?",
    "keys": "SELECT user_id, status, day, created_at_us FROM orders_by_id WHERE order_id = ?",
    "insert:" + BY_ID: "INSERT INTO orders_by_id (order_id, user_id, status, day, created_at_us, snapshot) "
                       "VALUES (?, ?, ?, ?, ?, ?)",
    "insert:" + BY_USER: "INSERT INTO orders_by_user (user_id, created_at_us, order_id, snapshot) VALUES (?, ?, ?, ?)",
    "insert:" + BY_USER_STATUS: "INSERT INTO orders_by_user_status (user_id, status, created_at_us, order_id, "
                                "snapshot) VALUES (?, ?, ?, ?, ?)",
    "insert:" + BY_STATUS_DAY: "INSERT INTO orders_by_status_day (status, day, created_at_us, order_id, snapshot) "
                               "VALUES (?, ?, ?, ?, ?)",
    "delete:" + BY_USER: "DELETE FROM orders_by_user WHERE user_id = ? AND created_at_us = ? AND order_id = ?",
    "delete:" + BY_USER_STATUS: "DELETE FROM orders_by_user_status WHERE user_id = ? AND status = ? "
                                "AND created_at_us = ? AND order_id = ?",
    "delete:" + BY_STATUS_DAY: "DELETE FROM orders_by_status_day WHERE status = ? AND day = ? "
                               "AND created_at_us = ? AND order_id = ?",
    **_listing_statements(),
}


def qualified(cql: str, keyspace: str) -> str:
    """`cql` with each of our table names prefixed by the (checked) keyspace name."""
    return re.sub(rf"\b({'|'.join(TABLES)})\b", rf"{keyspace}.\1", cql)


def micros(when: dt.datetime) -> int:
    """Microseconds since the epoch, exactly (no float on the way)."""
    if when.tzinfo is None:
        raise ValueError("the archive takes aware datetimes only")
    return (when - EPOCH) // dt.timedelta(microseconds=1)


def index_keys(user_id: int, status: str, day: dt.date, created_at_us: int, order_id: uuid.UUID) -> dict[str, tuple]:
    """Each listing table's primary key of one order, in its statements' bind order."""
    return {BY_USER: (user_id, created_at_us, order_id),
            BY_USER_STATUS: (user_id, status, created_at_us, order_id),
            BY_STATUS_DAY: (status, day, created_at_us, order_id)}


class CassandraOrderArchive:
    def __init__(self, *, hosts: list[str], keyspace: str = "bazaar", port: int = 9042,
                 replication: dict[str, Any] | None = None, consistency: str = "LOCAL_QUORUM",
                 local_dc: str | None = None, protocol_version: int = 5,
                 connect_timeout: float = 5.0, request_timeout: float = 10.0):
        if not hosts:
            raise ArchiveUnavailable("CassandraOrderArchive needs at least one host (CASSANDRA_HOSTS).")
        if not NAME.fullmatch(keyspace):
            raise ArchiveUnavailable(f"Cassandra keyspace {keyspace!r}: use 1-48 letters, digits or underscores.")
        self.hosts, self.keyspace, self.port = list(hosts), keyspace.lower(), port
        self.replication = replication  # used by create_schema only
        # LOCAL_QUORUM both ways: a read sees every acknowledged archival (on one node: that node).
        self.consistency = consistency
        # Native protocol v5: Cassandra 4.0 and later (pinned, so the driver doesn't probe and warn).
        self.local_dc, self.protocol_version = local_dc, protocol_version
        self.connect_timeout, self.request_timeout = connect_timeout, request_timeout
        self._lock = threading.Lock()
        self._cluster = None
        self._session = None
        self._pid = 0
        self._prepared: dict[str, Any] = {}

    def __repr__(self) -> str:
        return f"CassandraOrderArchive({','.join(self.hosts)}:{self.port}/{self.keyspace})"

    # --- connection -------------------------------------------------------------------------

    def _new_cluster(self) -> Cluster:
        from cassandra import ConsistencyLevel
        from cassandra.cluster import EXEC_PROFILE_DEFAULT, Cluster, ExecutionProfile
        from cassandra.policies import DCAwareRoundRobinPolicy, TokenAwarePolicy

        profile = ExecutionProfile(
            # Token aware: each statement goes to a replica of its partition; local_dc None = the
            # data centre of the first contact point.
            load_balancing_policy=TokenAwarePolicy(DCAwareRoundRobinPolicy(local_dc=self.local_dc)),
            consistency_level=ConsistencyLevel.name_to_value[self.consistency],
            request_timeout=self.request_timeout)
        return Cluster(contact_points=self.hosts, port=self.port, protocol_version=self.protocol_version,
                       connect_timeout=self.connect_timeout, control_connection_timeout=self.connect_timeout,
                       execution_profiles={EXEC_PROFILE_DEFAULT: profile})

    def _unreachable(self, exc: Exception) -> ArchiveUnavailable:
        return ArchiveUnavailable(
            f"Cassandra order archive unreachable at {', '.join(self.hosts)} (port {self.port}): {exc}")

    def _connect(self) -> Session:
        """The session, its statements prepared; connects on first use (and again after a fork:
        a driver connection must not be shared by a pre-forked web or Celery worker's children)."""
        from cassandra import DriverException, InvalidRequest, OperationTimedOut
        from cassandra.cluster import NoHostAvailable

        with self._lock:
            if self._session is not None and self._pid == os.getpid():
                return self._session
            cluster = None
            try:
                # Inside the try: the driver resolves host names when the Cluster is built.
                cluster = self._new_cluster()
                session = cluster.connect()
                prepared = {name: session.prepare(qualified(cql, self.keyspace)) for name, cql in STATEMENTS.items()}
            except InvalidRequest as exc:  # keyspace or table missing: the schema was never made
                if cluster is not None:  # always made by then (only connect and prepare raise this)
                    cluster.shutdown()
                raise ArchiveUnavailable(
                    f"Cassandra order archive: keyspace {self.keyspace!r} lacks its tables ({exc}); "
                    "run `manage.py cassandra_schema`.") from exc
            except (NoHostAvailable, OperationTimedOut, DriverException) as exc:
                if cluster is not None:
                    cluster.shutdown()
                raise self._unreachable(exc) from exc
            except BaseException:
                if cluster is not None:
                    cluster.shutdown()  # the driver's threads, not left behind
                raise
            self._cluster, self._session, self._prepared, self._pid = cluster, session, prepared, os.getpid()
            return session

    def _execute(self, statement: Statement | PreparedStatement,
                 values: Sequence[object] | None = None) -> ResultSet:
        from cassandra import DriverException, OperationTimedOut
        from cassandra.cluster import NoHostAvailable

        session = self._connect()
        try:
            return session.execute(statement, values)
        except (NoHostAvailable, OperationTimedOut, DriverException) as exc:
            raise ArchiveUnavailable(f"Cassandra order archive: {exc}") from exc

    def close(self) -> None:
        with self._lock:
            if self._cluster is not None:
                self._cluster.shutdown()
            self._cluster = self._session = None

    # --- the port -----------------------------------------------------------------------------

    def put(self, order: ArchivedOrder) -> None:
        """One statement per row, not a batch: each row carries the whole snapshot, and a batch of
        four would pass Cassandra's 50 KiB batch limit from about 30 order lines (a cart holds 50).
        The order of the writes makes a partial put harmless: stale index rows go first, then the
        new index rows, and `orders_by_id` last; until it is written the archival has not
        succeeded, so the live order stays and the next run writes everything again (upserts)."""
        self._connect()
        created_at_us, day = micros(order.created_at), archive_day(order.created_at)
        snapshot = json.dumps(order.to_dict(), sort_keys=True, ensure_ascii=False)
        new_keys = index_keys(order.user_id, order.status, day, created_at_us, order.id)
        # A re-archival normally writes the very same rows (upserts: nothing changes). Should an
        # index key have changed since (a new status), the old row goes, or it would list twice.
        previous = self._execute(self._prepared["keys"], (order.id,)).one()
        if previous is not None:
            old_keys = index_keys(previous.user_id, previous.status, previous.day.date(), previous.created_at_us,
                                  order.id)
            for table, key in old_keys.items():
                if key != new_keys[table]:
                    self._execute(self._prepared["delete:" + table], key)
        for table, key in new_keys.items():
            self._execute(self._prepared["insert:" + table], (*key, snapshot))
        self._execute(self._prepared["insert:" + BY_ID],
                      (order.id, order.user_id, order.status, day, created_at_us, snapshot))

    def get(self, order_id: uuid.UUID | str) -> ArchivedOrder | None:
        try:
            order_id = uuid.UUID(str(order_id))
        except ValueError:
            return None
        self._connect()
        row = self._execute(self._prepared["get"], (order_id,)).one()
        return ArchivedOrder.from_dict(json.loads(row.snapshot)) if row else None

    def list_for_user(self, user_id: int, *, status: str | None = None, before: ArchivePosition | None,
                      limit: int) -> list[ArchivedOrder]:
        if status is None:
            return self._list(BY_USER, (user_id,), before=before, limit=limit)
        return self._list(BY_USER_STATUS, (user_id, status), before=before, limit=limit)

    def list_for_day(self, day: dt.date, *, status: str, before: ArchivePosition | None,
                     limit: int) -> list[ArchivedOrder]:
        return self._list(BY_STATUS_DAY, (status, day), before=before, limit=limit)

    def _list(self, table: str, partition: tuple, *, before: ArchivePosition | None,
              limit: int) -> list[ArchivedOrder]:
        if limit <= 0:
            return []
        self._connect()
        if before is None:
            statement, values = self._prepared[f"{table}:first"], (*partition, limit)
        else:
            created_at, order_id = before
            statement = self._prepared[f"{table}:after"]
            values = (*partition, micros(created_at), uuid.UUID(str(order_id)), limit)
        bound = statement.bind(values)
        bound.fetch_size = limit  # one round trip for the whole page
        return [ArchivedOrder.from_dict(json.loads(row.snapshot)) for row in self._execute(bound)]

    # --- schema (manage.py cassandra_schema) ----------------------------------------------------

    def create_schema(self, replication: dict[str, Any] | None = None) -> list[str]:
        """Create the keyspace and tables that are missing; say, per object, what was done.
        Idempotent: existing ones are left as they are (a keyspace's replication included)."""
        from cassandra import DriverException, OperationTimedOut
        from cassandra.cluster import NoHostAvailable

        ddl = schema_statements(self.keyspace, replication or self.replication)  # checked before connecting
        cluster = None
        report = []
        try:
            cluster = self._new_cluster()
            session = cluster.connect()
            for what, cql in ddl:
                keyspace = cluster.metadata.keyspaces.get(self.keyspace)
                table = what.rpartition(".")[2] if what.startswith("table ") else None
                existed = keyspace is not None and (table is None or table in keyspace.tables)
                if existed and table is not None and "created_at_us" not in keyspace.tables[table].columns:
                    # The first design's tables (millisecond `created_at` keys): IF NOT EXISTS would
                    # keep them, and every statement would then fail to prepare.
                    raise ValueError(
                        f"{self.keyspace}.{table} has the older layout (no created_at_us column; "
                        "docs/decisions/0011-order-archive.md). Copy what it holds, drop it, and run "
                        "`manage.py cassandra_schema` again.")
                if not existed:
                    # The driver waits for schema agreement after each change before returning.
                    session.execute(cql, timeout=max(self.request_timeout, 60.0))
                    cluster.refresh_schema_metadata()
                report.append(f"{what}: {'exists, left as it is' if existed else 'created'}")
            row = session.execute("SELECT replication FROM system_schema.keyspaces WHERE keyspace_name = %s",
                                  (self.keyspace,)).one()
            report.append(f"keyspace {self.keyspace} replication: {dict(row.replication)}")
        except (NoHostAvailable, OperationTimedOut, DriverException) as exc:
            raise self._unreachable(exc) from exc
        finally:
            if cluster is not None:
                cluster.shutdown()
        return report
