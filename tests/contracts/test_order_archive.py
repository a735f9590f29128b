"""The order-archive contract (orders.backends.base.OrderArchive), one suite for every backend: the
relational archive (the embedded default) and Cassandra 5.0 (a real node from infra/engines).

Each test gets a backend configured through BAZAAR_BACKENDS, as the shop builds it. Cassandra's
keyspace is made once per session by `manage.py cassandra_schema` (so the command is exercised
every run), emptied before each test and dropped at the end.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import json
import re
import socket
import uuid
from collections.abc import Callable, Iterator
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from rest_framework.test import APIClient

from infra.engines.base import RunningEngine
from orders.backends.base import ArchivedOrder, ArchivedStatusChange, ArchiveUnavailable, Rows, archive_day
from orders.backends.cassandra import TABLES, CassandraOrderArchive
from orders.models import Order
from orders.selectors import Position, archived_orders_of_day, order_history
from orders.services import (
    order_fail_payment,
    order_mark_delivered,
    order_mark_packed,
    order_mark_shipped,
    orders_archive,
)
from shop.backends import get_backend, reset_backends
from tests.engines import ENGINE_MARKS
from tests.orders.helpers import gateway_notifies, place

SHOP_TZ = ZoneInfo("Asia/Kolkata")  # settings.TIME_ZONE: the zone archive_day() uses
OLD = dt.timedelta(days=40)  # finished longer ago than ORDER_ARCHIVE_AFTER_DAYS


# --- the backends ---------------------------------------------------------------------------------

def _cassandra_options(engine: RunningEngine, keyspace: str, **more) -> dict:
    return {"hosts": [engine.host], "port": engine.port, "keyspace": keyspace, **more}


@pytest.fixture(scope="session")
def cassandra_keyspace(cassandra_engine: RunningEngine) -> Iterator[str]:
    """A keyspace of this session's own, made by the schema command and dropped afterwards."""
    keyspace = f"contract_{uuid.uuid4().hex[:12]}"
    archive = CassandraOrderArchive(**_cassandra_options(cassandra_engine, keyspace))
    archive.create_schema()
    try:
        yield keyspace
    finally:
        _cql(cassandra_engine, f"DROP KEYSPACE IF EXISTS {keyspace}")


def _cql(engine: RunningEngine, *statements: str) -> None:
    """Run statements on the node directly (test set-up and clean-up only)."""
    from cassandra.cluster import EXEC_PROFILE_DEFAULT, Cluster, ExecutionProfile
    from cassandra.policies import RoundRobinPolicy

    cluster = Cluster([engine.host], port=engine.port, protocol_version=5, execution_profiles={
        EXEC_PROFILE_DEFAULT: ExecutionProfile(load_balancing_policy=RoundRobinPolicy(), request_timeout=60)})
    try:
        session = cluster.connect()
        for statement in statements:
            session.execute(statement)
    finally:
        cluster.shutdown()


def _relational(request: pytest.FixtureRequest) -> dict:
    return {"BACKEND": "orders.backends.relational.RelationalOrderArchive", "EMBEDDED": True}


def _cassandra(request: pytest.FixtureRequest) -> dict:
    engine = request.getfixturevalue("cassandra_engine")
    keyspace = request.getfixturevalue("cassandra_keyspace")
    _cql(engine, *(f"TRUNCATE {keyspace}.{table}" for table in TABLES))  # each test starts empty
    return {"BACKEND": "orders.backends.cassandra.CassandraOrderArchive", "EMBEDDED": False,
            "OPTIONS": _cassandra_options(engine, keyspace)}


BACKENDS: dict[str, Callable[[pytest.FixtureRequest], dict]] = {"relational": _relational, "cassandra": _cassandra}


@pytest.fixture(params=[
    "relational",
    # The engine is asked for at run time (getfixturevalue), so tests/conftest.py can't see it in
    # the fixture names: the mark puts these tests on the engines' xdist worker itself.
    pytest.param("cassandra", marks=ENGINE_MARKS),
])
def archive_backend(request: pytest.FixtureRequest, settings, db) -> Iterator[str]:
    """The order archive the shop is configured with, for this test: its name."""
    settings.BAZAAR_BACKENDS = {**settings.BAZAAR_BACKENDS, "order_archive": BACKENDS[request.param](request)}
    reset_backends()
    try:
        yield request.param
    finally:
        close = getattr(get_backend("order_archive"), "close", None)
        if close is not None:
            close()  # the driver's connections and threads, not left to the garbage collector
        reset_backends()


@pytest.fixture
def archive(archive_backend):
    return get_backend("order_archive")


# --- orders ---------------------------------------------------------------------------------------

@pytest.fixture
def real_snapshot(world) -> ArchivedOrder:
    """A delivered order made the way customers and sellers make one (placed, paid, packed,
    shipped, delivered), snapshotted as the archival does: lines and a five-step timeline."""
    return ArchivedOrder.from_order(finished_order(world, "delivered"))


def finished_order(world, status: str, *, created_ago: dt.timedelta = OLD) -> Order:
    """An order of the world's customer, created and last changed `created_ago` ago: delivered,
    cancelled (its payment failed) or placed (paid, not yet shipped)."""
    item = world.items.get("A") or world.add_item("A", stock={"DEL1": 1000})
    order = place(world.customer.pk, item)
    if status == "cancelled":
        order_fail_payment(order_id=str(order.pk))
    else:
        gateway_notifies(order, "succeeded")
        steps = (order_mark_packed, order_mark_shipped, order_mark_delivered) if status == "delivered" else ()
        for step in steps:
            step(order_id=order.pk)
    when = timezone.now() - created_ago
    Order.objects.filter(pk=order.pk).update(created_at=when, updated_at=when)
    order = Order.objects.get(pk=order.pk)
    assert order.status == status
    return order


def variant(base: ArchivedOrder, *, created_at: dt.datetime, status: str = "delivered", user_id: int | None = None,
            order_id: uuid.UUID | None = None) -> ArchivedOrder:
    """Another archived order shaped like `base` (a real one): a new id, its own time and status."""
    return dataclasses.replace(base, id=order_id or uuid.uuid4(), created_at=created_at, status=status,
                               user_id=base.user_id if user_id is None else user_id)


def key(order) -> tuple[dt.datetime, uuid.UUID]:
    return order.created_at, uuid.UUID(str(order.pk))


def newest_first(orders) -> list[uuid.UUID]:
    return [o.id for o in sorted(orders, key=key, reverse=True)]


def read_all(page: Callable[[Position | None], list[ArchivedOrder]], *, limit: int) -> tuple[list[uuid.UUID], int]:
    """Follow the cursor from the newest to the end, as "my orders" does: (ids seen, page count)."""
    seen: list[uuid.UUID] = []
    before, pages = None, 0
    while True:
        found = page(before)
        assert len(found) <= limit
        pages += 1
        seen += [o.id for o in found]
        if len(found) < limit:
            return seen, pages
        before = Position(*key(found[-1]))


T0 = dt.datetime(2026, 3, 14, 9, 26, 53, 589_793, tzinfo=dt.UTC)


# --- the contract -----------------------------------------------------------------------------------

def test_an_archived_order_reads_back_whole(archive, real_snapshot):
    order = dataclasses.replace(
        real_snapshot, created_at=T0, ship_name="Zoë Ñandú 山田 花子", ship_line1="12, गांधी मार्ग",
        ship_city="Kōchi — കൊച്ചി", cancel_reason="", placed_at=T0 + dt.timedelta(microseconds=1),
        timeline=Rows((*real_snapshot.timeline,
                       ArchivedStatusChange("delivered", "delivered", "note: “ok” ✓", T0 + dt.timedelta(days=3)))))
    assert len(order.lines) == 1 and len([c for c in real_snapshot.timeline if c.shipment_id is None]) == 5
    assert len(order.shipments) == 1

    archive.put(order)
    back = archive.get(order.id)

    assert back == order  # every field, lines and timeline included
    assert back.number.startswith("BZ-") and back.reference == back.number  # the order's number (decision 0030)
    assert back.created_at == T0 and back.created_at.microsecond == 589_793
    assert back.ship_name == "Zoë Ñandú 山田 花子"
    assert [c.to_status for c in back.timeline if c.shipment_id is None] == [
        "pending_payment", "placed", "packed", "in_transit", "delivered", "delivered"]
    assert back.shipments == order.shipments and back.shipments[0].lines[0].line == order.lines[0]
    assert archive.get(str(order.id)) == order  # the id as text, as URLs give it
    assert archive.list_for_user(order.user_id, before=None, limit=5) == [order]


def test_a_fifty_line_order_archives_whole(archive, real_snapshot):
    """A full cart (MAX_LINES_PER_CART) with long non-ASCII titles: far beyond Cassandra's 50 KiB
    batch limit if its four rows went in one batch."""
    line = real_snapshot.lines[0]
    lines = Rows(dataclasses.replace(line, item_id=line.item_id + n, sku=f"SKU-{n:03}", quantity=n + 1,
                                     title=f"ब्लूटूथ हेडफ़ोन — wireless over-ear headphones, model {n} " * 3)
                 for n in range(50))
    order = dataclasses.replace(real_snapshot, lines=lines)

    archive.put(order)

    assert archive.get(order.id) == order
    assert archive.list_for_user(order.user_id, status=order.status, before=None, limit=2) == [order]
    assert len(json.dumps(order.to_dict(), ensure_ascii=False).encode()) * 4 > 50 * 1024


@pytest.mark.parametrize("order_id", [uuid.UUID(int=1), "not-an-id", "", "'; DROP TABLE x; --"])
def test_an_unknown_or_malformed_id_is_none(archive, real_snapshot, order_id):
    archive.put(real_snapshot)
    assert archive.get(order_id) is None
    assert archive.get(uuid.uuid4()) is None


def test_a_customers_history_is_newest_first_and_the_cursor_pages_without_gaps_or_repeats(archive, real_snapshot):
    me, someone_else = real_snapshot.user_id, real_snapshot.user_id + 1
    mine = [variant(real_snapshot, created_at=T0 - dt.timedelta(minutes=n)) for n in range(14)]
    # Neighbours within one millisecond (a CQL timestamp could not tell them apart) ...
    mine += [variant(real_snapshot, created_at=T0 + dt.timedelta(microseconds=n)) for n in (1, 2, 500, 999)]
    # ... and three in the very same microsecond: the id decides, as it does for live orders.
    mine += [variant(real_snapshot, created_at=T0 + dt.timedelta(microseconds=250)) for _ in range(3)]
    theirs = [variant(real_snapshot, created_at=T0 + dt.timedelta(microseconds=n), user_id=someone_else)
              for n in (3, 250)]
    for order in [*mine, *theirs]:
        archive.put(order)

    for limit in (4, 5, 21, 50):
        seen, pages = read_all(lambda before, limit=limit: archive.list_for_user(me, before=before, limit=limit),
                               limit=limit)
        assert seen == newest_first(mine)
        assert pages == len(mine) // limit + 1
    assert archive.list_for_user(someone_else, before=None, limit=10) == sorted(theirs, key=key, reverse=True)
    assert archive.list_for_user(me + 2, before=None, limit=10) == []
    assert archive.list_for_user(me, before=None, limit=0) == []


def test_a_customers_history_by_status(archive, real_snapshot):
    me = real_snapshot.user_id
    orders = [variant(real_snapshot, created_at=T0 - dt.timedelta(seconds=n, microseconds=n),
                      status=("cancelled" if n % 3 else "delivered")) for n in range(17)]
    for order in orders:
        archive.put(order)

    for status in ("cancelled", "delivered"):
        seen, _ = read_all(lambda before, s=status: archive.list_for_user(me, status=s, before=before, limit=4),
                           limit=4)
        assert seen == newest_first(o for o in orders if o.status == status)
    assert archive.list_for_user(me, status="placed", before=None, limit=4) == []
    assert archive.list_for_user(me, status=None, before=None, limit=100) == sorted(orders, key=key, reverse=True)


def test_the_orders_of_a_day_by_status_in_the_shops_time_zone(archive, real_snapshot):
    day = dt.date(2026, 3, 14)
    midnight = dt.datetime.combine(day, dt.time.min, tzinfo=SHOP_TZ)
    times = {  # name: creation time
        "first": midnight, "last": midnight + dt.timedelta(days=1, microseconds=-1),
        "noon": midnight + dt.timedelta(hours=12), "noon+1µs": midnight + dt.timedelta(hours=12, microseconds=1),
        "day before": midnight - dt.timedelta(microseconds=1), "day after": midnight + dt.timedelta(days=1),
    }
    orders = {(name, status): variant(real_snapshot, created_at=when.astimezone(dt.UTC), status=status,
                                      user_id=real_snapshot.user_id + n % 3)  # several customers' orders
              for n, (name, when) in enumerate(times.items()) for status in ("delivered", "cancelled")}
    for order in orders.values():
        archive.put(order)
    assert archive_day(orders["last", "delivered"].created_at) == day  # 18:29:59.999999 UTC is still the 14th

    for status in ("delivered", "cancelled"):
        expected = newest_first(o for (name, s), o in orders.items() if s == status and "day " not in name)
        seen, pages = read_all(lambda before, s=status: archive.list_for_day(day, status=s, before=before, limit=3),
                               limit=3)
        assert seen == expected and pages == 2
        assert archive.list_for_day(day, status=status, before=None, limit=10) == [
            orders[name, status] for name in ("last", "noon+1µs", "noon", "first")]
    assert newest_first([archive.list_for_day(day - dt.timedelta(days=1), status="cancelled", before=None,
                                              limit=5)[0]]) == [orders["day before", "cancelled"].id]
    assert archive.list_for_day(day, status="placed", before=None, limit=5) == []


def test_archiving_the_same_order_again_changes_nothing(archive, real_snapshot):
    order = dataclasses.replace(real_snapshot, created_at=T0)
    archive.put(order)
    before = _everything(archive, order)

    archive.put(order)
    archive.put(archive.get(order.id))  # what it read back, too

    assert _everything(archive, order) == before
    assert before == {"get": order, "history": [order], "by status": [order], "by day": [order]}


def test_an_order_archived_again_in_a_new_status_is_listed_once_under_the_new_one(archive, real_snapshot):
    order = dataclasses.replace(real_snapshot, created_at=T0, status="cancelled")
    archive.put(order)
    changed = dataclasses.replace(order, status="delivered", cancel_reason="")
    archive.put(changed)

    assert _everything(archive, changed) == {"get": changed, "history": [changed], "by status": [changed],
                                             "by day": [changed]}
    assert archive.list_for_user(order.user_id, status="cancelled", before=None, limit=5) == []
    assert archive.list_for_day(archive_day(T0), status="cancelled", before=None, limit=5) == []


def _everything(archive, order: ArchivedOrder) -> dict:
    return {"get": archive.get(order.id),
            "history": archive.list_for_user(order.user_id, before=None, limit=10),
            "by status": archive.list_for_user(order.user_id, status=order.status, before=None, limit=10),
            "by day": archive.list_for_day(archive_day(order.created_at), status=order.status, before=None, limit=10)}


# --- through the shop: the archival service, "my orders" and the staff listing ------------------------

def test_my_orders_pages_across_live_and_archived_orders(archive_backend, archive, world):
    """The archival service moves finished orders to the configured archive; order_history (what
    the "my orders" page and API show) pages through both stores as one newest-first list."""
    statuses = ["delivered", "cancelled", "delivered", "cancelled", "delivered", "delivered", "cancelled"]
    finished = [finished_order(world, status, created_ago=OLD + dt.timedelta(minutes=n))
                for n, status in enumerate(statuses)]
    # Still live: two recent finished orders, and two old ones still on their way, which fall
    # between the archived ones in time.
    recent = [finished_order(world, status, created_ago=dt.timedelta(days=1, minutes=n))
              for n, status in enumerate(["delivered", "cancelled"])]
    on_the_way = [finished_order(world, "placed", created_ago=OLD + dt.timedelta(minutes=n, seconds=30))
                  for n in (1, 4)]
    assert orders_archive(older_than=dt.timedelta(days=30), limit=100) == len(finished)
    # An archival run that stopped between writing the archive and deleting the live rows.
    archive.put(ArchivedOrder.from_order(recent[0]))

    everything = finished + recent + on_the_way
    assert _my_orders(world.customer.pk, limit=3) == [o.pk for o in sorted(everything, key=key, reverse=True)]
    assert _my_orders(world.customer.pk, limit=2, status="cancelled") == [
        o.pk for o in sorted(everything, key=key, reverse=True) if o.status == "cancelled"]
    assert _my_orders(world.customer.pk, limit=100) == [o.pk for o in sorted(everything, key=key, reverse=True)]


def _my_orders(user_id: int, *, limit: int, status: str | None = None) -> list[uuid.UUID]:
    seen, before = [], None
    while True:
        page = order_history(user_id=user_id, before=before, limit=limit, status=status)
        assert len(page.orders) <= limit and page.complete
        seen += [uuid.UUID(str(o.pk)) for o in page.orders]
        if page.next is None:
            assert len(seen) == len(set(seen))
            return seen
        before = page.next


def test_the_my_orders_page_and_api_filter_by_status_across_both_stores(archive_backend, world, client):
    archived = [finished_order(world, status, created_ago=OLD + dt.timedelta(minutes=n))
                for n, status in enumerate(["delivered", "cancelled", "delivered"])]
    live = finished_order(world, "delivered", created_ago=dt.timedelta(days=1))
    assert orders_archive(older_than=dt.timedelta(days=30), limit=100) == 3
    delivered = [str(o.pk) for o in sorted([*archived, live], key=key, reverse=True) if o.status == "delivered"]
    client.force_login(world.customer)

    page = client.get("/orders/", {"status": "delivered"}).content.decode()
    assert re.findall(r'href="/orders/([0-9a-f-]{36})/"', page) == delivered
    assert 'aria-current="page">Delivered</a>' in page
    assert client.get("/orders/", {"status": "shipped-yesterday"}).status_code == 404

    api = APIClient()
    api.force_authenticate(world.customer)
    answer = api.get("/api/v1/orders", {"status": "delivered"})
    assert [o["id"] for o in answer.json()["results"]] == delivered
    refused = api.get("/api/v1/orders", {"status": "lost"})
    assert refused.status_code == 400 and refused["Content-Type"].startswith("application/problem+json")


def test_a_stale_archived_copy_of_an_order_that_stayed_live_is_not_listed_under_its_old_status(
        archive_backend, archive, world):
    """The archival wrote an order, then found it changed and kept it live: its archived copy is
    in the old status. Filtered by status, "my orders" shows the live order only."""
    order = finished_order(world, "delivered")
    archive.put(dataclasses.replace(ArchivedOrder.from_order(order), status="cancelled"))

    assert _my_orders(world.customer.pk, limit=5, status="cancelled") == []
    assert _my_orders(world.customer.pk, limit=5, status="delivered") == [order.pk]
    assert _my_orders(world.customer.pk, limit=5) == [order.pk]


def test_staff_list_the_archived_orders_of_a_day_by_status(archive_backend, world):
    orders = [finished_order(world, status, created_ago=OLD + dt.timedelta(minutes=n))
              for n, status in enumerate(["delivered", "cancelled", "delivered", "delivered"])]
    assert orders_archive(older_than=dt.timedelta(days=30), limit=100) == 4
    day = archive_day(orders[0].created_at)
    delivered = [o.pk for o in sorted(orders, key=key, reverse=True)
                 if o.status == "delivered" and archive_day(o.created_at) == day]

    seen, before = [], None
    while True:
        page = archived_orders_of_day(day=day, status="delivered", before=before, limit=1)
        seen += [o.id for o in page.orders]
        if page.next is None:
            break
        before = page.next
    assert seen == delivered and seen


def test_staff_see_the_archived_orders_of_a_day_in_admin(archive_backend, world, client, user_factory):
    noon = (timezone.now().astimezone(SHOP_TZ) - OLD).replace(hour=12, minute=0, second=0, microsecond=0)
    orders = [finished_order(world, status, created_ago=timezone.now() - noon - dt.timedelta(minutes=n))
              for n, status in enumerate(["delivered", "cancelled", "delivered"])]  # one day, whatever the hour
    assert orders_archive(older_than=dt.timedelta(days=30), limit=100) == 3
    day = archive_day(orders[0].created_at)
    client.force_login(user_factory(email="staff@example.com", is_staff=True, is_superuser=True))

    assert "Archived orders of a day" in client.get("/admin/orders/archivedorderrecord/").content.decode()
    page = client.get("/admin/orders/archivedorderrecord/by-day/", {"day": day.isoformat(), "status": "cancelled"})
    html = page.content.decode()
    assert page.status_code == 200
    cancelled_that_day = [o.reference for o in orders if o.status == "cancelled" and archive_day(o.created_at) == day]
    assert cancelled_that_day and re.findall(r"<td>(BZ-\d{2}-\d{7})</td>", html) == cancelled_that_day
    assert world.customer.email in html  # the customer by email, not by id
    bad = client.get("/admin/orders/archivedorderrecord/by-day/", {"day": "31/31/2026", "status": "lost"})
    assert bad.status_code == 200 and "errorlist" in bad.content.decode()
    client.force_login(user_factory(email="stock-clerk@example.com", is_staff=True))  # no permission on orders
    assert client.get("/admin/orders/archivedorderrecord/by-day/", {"day": day.isoformat(),
                                                                    "status": "cancelled"}).status_code == 403


# --- Cassandra only: when it can't be reached, and its schema command -----------------------------

def _closed_port() -> int:
    with socket.socket() as probe:  # bound, never listening: a connection is refused at once
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_cassandra_host_that_does_not_resolve_is_archive_unavailable_too():
    archive = CassandraOrderArchive(hosts=["cassandra.invalid"], keyspace="bazaar", connect_timeout=2)
    with pytest.raises(ArchiveUnavailable, match=r"unreachable at cassandra\.invalid"):
        archive.get(uuid.uuid4())
    with pytest.raises(ArchiveUnavailable, match=r"unreachable at cassandra\.invalid"):
        archive.create_schema()


def test_an_unreachable_cassandra_archive_is_archive_unavailable(settings, world):
    port = _closed_port()
    settings.BAZAAR_BACKENDS = {**settings.BAZAAR_BACKENDS, "order_archive": {
        "BACKEND": "orders.backends.cassandra.CassandraOrderArchive",
        "OPTIONS": {"hosts": ["127.0.0.1"], "port": port, "connect_timeout": 2}}}
    reset_backends()
    archive = get_backend("order_archive")
    snapshot = ArchivedOrder.from_order(finished_order(world, "delivered"))
    calls = {"put": lambda: archive.put(snapshot), "get": lambda: archive.get(snapshot.id),
             "history": lambda: archive.list_for_user(1, before=None, limit=5),
             "by status": lambda: archive.list_for_user(1, status="delivered", before=None, limit=5),
             "by day": lambda: archive.list_for_day(T0.date(), status="delivered", before=None, limit=5),
             "my orders": lambda: order_history(user_id=world.customer.pk, limit=5)}
    for name, call in calls.items():
        with pytest.raises(ArchiveUnavailable, match=rf"unreachable at 127\.0\.0\.1 \(port {port}\)"):
            call()
            pytest.fail(f"{name} did not raise")
    page = order_history(user_id=world.customer.pk, limit=5, live_only_if_archive_down=True)
    assert page.complete is False and [o.pk for o in page.orders] == [snapshot.id]  # still live


def test_a_cassandra_keyspace_without_its_tables_says_to_run_the_schema_command(cassandra_engine):
    keyspace = f"empty_{uuid.uuid4().hex[:12]}"
    _cql(cassandra_engine, f"CREATE KEYSPACE {keyspace} WITH replication = "
                           "{'class': 'SimpleStrategy', 'replication_factor': 1}")
    archive = CassandraOrderArchive(**_cassandra_options(cassandra_engine, keyspace))
    try:
        with pytest.raises(ArchiveUnavailable, match=r"run `manage\.py cassandra_schema`"):
            archive.get(uuid.uuid4())
    finally:
        archive.close()
        _cql(cassandra_engine, f"DROP KEYSPACE {keyspace}")


def test_the_schema_command_creates_what_is_missing_and_is_idempotent(cassandra_engine, settings, world):
    keyspace = f"schema_{uuid.uuid4().hex[:12]}"
    settings.BAZAAR_BACKENDS = {**settings.BAZAAR_BACKENDS, "order_archive": {
        "BACKEND": "orders.backends.cassandra.CassandraOrderArchive",
        "OPTIONS": _cassandra_options(cassandra_engine, keyspace)}}
    reset_backends()
    try:
        first = _schema_command("--replication", '{"class": "SimpleStrategy", "replication_factor": 1}')
        assert first == [f"keyspace {keyspace}: created",
                         *(f"table {keyspace}.{table}: created" for table in TABLES),
                         f"keyspace {keyspace} replication: {{'class': 'org.apache.cassandra.locator.SimpleStrategy', "
                         "'replication_factor': '1'}"]
        snapshot = ArchivedOrder.from_order(finished_order(world, "delivered"))
        get_backend("order_archive").put(snapshot)

        again = _schema_command("--replication", '{"class": "SimpleStrategy", "replication_factor": 3}')
        assert again == [f"keyspace {keyspace}: exists, left as it is",
                         *(f"table {keyspace}.{table}: exists, left as it is" for table in TABLES),
                         first[-1]]  # replication unchanged: the command never alters what exists
        assert get_backend("order_archive").get(snapshot.id) == snapshot  # and drops nothing
    finally:
        get_backend("order_archive").close()
        _cql(cassandra_engine, f"DROP KEYSPACE IF EXISTS {keyspace}")


def test_the_schema_command_names_a_table_left_from_the_first_layout(cassandra_engine, settings):
    keyspace = f"old_{uuid.uuid4().hex[:12]}"
    _cql(cassandra_engine,
         f"CREATE KEYSPACE {keyspace} WITH replication = {{'class': 'SimpleStrategy', 'replication_factor': 1}}",
         f"CREATE TABLE {keyspace}.orders_by_user (user_id bigint, created_at timestamp, order_id uuid, "
         "snapshot text, PRIMARY KEY ((user_id), created_at, order_id))")
    settings.BAZAAR_BACKENDS = {**settings.BAZAAR_BACKENDS, "order_archive": {
        "BACKEND": "orders.backends.cassandra.CassandraOrderArchive",
        "OPTIONS": _cassandra_options(cassandra_engine, keyspace)}}
    reset_backends()
    try:
        with pytest.raises(CommandError, match=rf"{keyspace}\.orders_by_user has the older layout"):
            _schema_command()
    finally:
        _cql(cassandra_engine, f"DROP KEYSPACE IF EXISTS {keyspace}")


def _schema_command(*args: str) -> list[str]:
    out = io.StringIO()
    call_command("cassandra_schema", *args, stdout=out)
    return out.getvalue().splitlines()


def test_the_schema_command_refuses_bad_replication_and_has_nothing_to_do_for_the_relational_archive(settings):
    from django.core.management.base import CommandError

    assert _schema_command() == ["The order archive is RelationalOrderArchive, not Cassandra: nothing to do "
                                 "(its table comes with `migrate`)."]
    settings.BAZAAR_BACKENDS = {**settings.BAZAAR_BACKENDS, "order_archive": {
        "BACKEND": "orders.backends.cassandra.CassandraOrderArchive",
        "OPTIONS": {"hosts": ["127.0.0.1"], "port": _closed_port()}}}
    reset_backends()
    with pytest.raises(CommandError, match="not JSON"):
        _schema_command("--replication", "{nope")
    with pytest.raises(CommandError, match="not a plain name"):
        _schema_command("--replication", '{"class": "SimpleStrategy\'}; DROP"}')
    with pytest.raises(CommandError, match="unreachable"):
        _schema_command()
