"""Finished orders move to the archive store; "my orders" still shows them, in order, with their
timeline. These run on the embedded (relational) archive; what every archive backend must do,
Cassandra's included, is tests/contracts/test_order_archive.py."""

from __future__ import annotations

import re
import socket
import uuid
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from rest_framework.test import APIClient

from orders.backends.base import ArchivedOrder, ArchiveUnavailable
from orders.models import ArchivedOrderRecord, Order, OrderLine, OrderStatusChange
from orders.reconciliation import GATEWAY_LOOKBACK, reconcile
from orders.selectors import Position, order_history
from orders.services import (
    MIN_ARCHIVE_AGE,
    order_fail_payment,
    order_mark_delivered,
    order_mark_packed,
    order_mark_paid,
    order_mark_shipped,
    orders_archive,
)
from shop.backends import get_backend
from tests.orders.helpers import gateway_notifies, place

OLD = timedelta(days=40)


def _order(world, status: str, *, age: timedelta = OLD, created_ago: timedelta | None = None) -> Order:
    """An order of the world's customer that reached `status`, last changed `age` ago."""
    item = world.items.get("A") or world.add_item("A", stock={"DEL1": 1000})
    order = place(world.customer.pk, item)
    if status == "cancelled":
        order_fail_payment(order_id=str(order.pk))
    elif status != "pending_payment":
        gateway_notifies(order, "succeeded")  # the payment succeeds; the orders consumer places it
        steps = {"placed": [], "packed": [order_mark_packed], "in_transit": [order_mark_packed, order_mark_shipped],
                 "delivered": [order_mark_packed, order_mark_shipped, order_mark_delivered]}[status]
        for step in steps:
            step(order_id=order.pk)
    now = timezone.now()
    Order.objects.filter(pk=order.pk).update(updated_at=now - age, created_at=now - (created_ago or age))
    order = Order.objects.get(pk=order.pk)
    assert order.status == status
    return order


def _archived_ids() -> set[str]:
    return {str(pk) for pk in ArchivedOrderRecord.objects.values_list("order_id", flat=True)}


def test_only_terminal_orders_older_than_the_threshold_move(world):
    delivered, cancelled = _order(world, "delivered"), _order(world, "cancelled")
    recent = _order(world, "delivered", age=timedelta(days=5))
    in_transit = _order(world, "in_transit")
    pending = _order(world, "pending_payment")

    assert orders_archive(older_than=timedelta(days=30), limit=100) == 2

    assert _archived_ids() == {str(delivered.pk), str(cancelled.pk)}
    assert set(Order.objects.values_list("pk", flat=True)) == {recent.pk, in_transit.pk, pending.pk}
    assert not OrderLine.objects.filter(order_id__in=[delivered.pk, cancelled.pk]).exists()
    assert not OrderStatusChange.objects.filter(order_id__in=[delivered.pk, cancelled.pk]).exists()


def test_the_archived_snapshot_keeps_lines_and_timeline(world):
    order = _order(world, "delivered")
    lines = [(x.sku, x.quantity, x.unit_price_paise) for x in order.lines.all()]
    items = [(x.item_id, x.quantity, x.sku) for x in order.lines.all()]
    timeline = [(c.from_status, c.to_status, c.reason, c.at) for c in order.timeline.order_by("at", "id")]
    shipment = order.shipments.get()

    orders_archive(older_than=timedelta(days=30), limit=10)
    archived = get_backend("order_archive").get(order.pk)

    assert archived.status == "delivered" and archived.total_paise == order.total_paise
    assert archived.created_at == order.created_at
    assert [(x.sku, x.quantity, x.unit_price_paise) for x in archived.lines] == lines
    assert [(c.from_status, c.to_status, c.reason, c.at) for c in archived.timeline] == timeline
    assert [c.to_status for c in archived.timeline if c.shipment_id is None] == [
        "pending_payment", "placed", "packed", "in_transit", "delivered"]
    assert [(s.id, s.seller_id, s.warehouse_id, s.status, s.promised_date) for s in archived.shipments] == [
        (shipment.pk, shipment.seller_id, shipment.warehouse_id, "delivered", shipment.promised_date)]
    assert [(x.item_id, x.quantity, x.line.sku) for x in archived.shipments[0].lines] == items


def test_archiving_twice_moves_an_order_once(world):
    order = _order(world, "delivered")
    assert orders_archive(older_than=timedelta(days=30), limit=10) == 1
    assert orders_archive(older_than=timedelta(days=30), limit=10) == 0
    assert _archived_ids() == {str(order.pk)}


def test_a_run_that_stopped_between_archive_and_delete_is_finished_by_the_next(world, shopper_api):
    order = _order(world, "delivered")
    get_backend("order_archive").put(ArchivedOrder.from_order(order))  # the crash: written, not deleted

    listed = [o["id"] for o in shopper_api.get("/api/v1/orders").json()["results"]]
    assert listed == [str(order.pk)]  # in both stores, shown once

    assert orders_archive(older_than=timedelta(days=30), limit=10) == 1
    assert not Order.objects.filter(pk=order.pk).exists()
    assert [o["id"] for o in shopper_api.get("/api/v1/orders").json()["results"]] == [str(order.pk)]


def test_an_order_that_changes_after_its_snapshot_stays_live(world, monkeypatch):
    """A writer slips in between the archive write and the delete: the delete re-checks and backs off."""
    order = _order(world, "cancelled")
    archive = get_backend("order_archive")
    real_put = archive.put

    def put_then_someone_writes(snapshot):
        real_put(snapshot)
        live = Order.objects.get(pk=snapshot.id)
        live.cancel_reason = "late_payment_refund"
        live.save(update_fields=["cancel_reason", "updated_at"])

    monkeypatch.setattr(archive, "put", put_then_someone_writes)
    assert orders_archive(older_than=timedelta(days=30), limit=10) == 0
    assert Order.objects.filter(pk=order.pk).exists()


def test_archiving_sooner_than_reconciliation_looks_back_is_refused(world):
    assert MIN_ARCHIVE_AGE > GATEWAY_LOOKBACK
    with pytest.raises(ValueError, match="reconciled"):
        orders_archive(older_than=timedelta(hours=1), limit=10)


def test_reconciliation_finds_nothing_wrong_with_archived_orders(world):
    _order(world, "delivered")
    _order(world, "cancelled")
    assert reconcile(repair=False).findings == []
    orders_archive(older_than=timedelta(days=30), limit=10)
    run = reconcile(repair=False)
    assert run.findings == [], run.findings


def test_a_late_payment_for_an_archived_cancelled_order_is_refunded(world, django_capture_on_commit_callbacks):
    order = _order(world, "cancelled")
    orders_archive(older_than=timedelta(days=30), limit=10)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert order_mark_paid(order_id=str(order.pk)) is None
    assert len(callbacks) == 1  # orders.refund_payment, queued after commit
    assert order_fail_payment(order_id=str(order.pk)) is None  # and a late failure is a no-op


def test_the_command_and_the_task_archive(world):
    from orders.tasks import archive_orders

    first, second = _order(world, "delivered"), _order(world, "cancelled")
    call_command("archive_orders", "--batch", "1", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert _archived_ids() == {str(first.pk), str(second.pk)}
    third = _order(world, "delivered", age=timedelta(days=31))
    assert archive_orders.delay().get() == 1
    assert str(third.pk) in _archived_ids()


# --- "My orders": one list across both stores -------------------------------------------------

@pytest.fixture
def shopper_api(world):
    client = APIClient()
    client.force_authenticate(world.customer)
    return client


@pytest.fixture
def history(world):
    """25 orders of one customer, created a minute apart; the 13 finished ones get archived."""
    orders = []
    for n in range(25):
        status = ["delivered", "placed", "cancelled", "in_transit"][n % 4]
        orders.append(_order(world, status, created_ago=OLD + timedelta(minutes=n)))
    assert orders_archive(older_than=timedelta(days=30), limit=100) == 13
    return [str(o.pk) for o in orders]  # newest first


def test_the_api_pages_through_live_and_archived_orders_newest_first(world, shopper_api, history, user_factory):
    seen, url, pages = [], "/api/v1/orders", 0
    while url:
        body = shopper_api.get(url).json()
        assert body["previous"] is None
        seen += [o["id"] for o in body["results"]]
        url, pages = body["next"], pages + 1
    assert seen == history
    assert pages == 2

    first = shopper_api.get("/api/v1/orders").json()["results"]
    archived = next(o for o in first if o["id"] == history[0])  # delivered, archived
    assert [c["status"] for c in archived["timeline"]][-1] == "delivered"
    assert archived["lines"][0]["sku"] == "A" and archived["payment_url"] is None

    stranger = APIClient()
    stranger.force_authenticate(user_factory(email="x@example.com"))
    assert stranger.get("/api/v1/orders").json()["results"] == []


def test_the_api_detail_falls_back_to_the_archive(world, shopper_api, history, user_factory):
    body = shopper_api.get(f"/api/v1/orders/{history[0]}").json()
    assert body["status"] == "delivered" and body["id"] == history[0]
    stranger = APIClient()
    stranger.force_authenticate(user_factory(email="x@example.com"))
    assert stranger.get(f"/api/v1/orders/{history[0]}").status_code == 404


TRUNCATED = Position(timezone.datetime(2026, 1, 1, tzinfo=timezone.UTC),
                     uuid.UUID(int=7)).encode()[:-3]


@pytest.mark.parametrize("cursor", ["junk", "cD1hYmM", TRUNCATED])
def test_made_up_history_cursors_are_a_404(shopper_api, world, cursor):
    response = shopper_api.get("/api/v1/orders", {"cursor": cursor})
    assert response.status_code == 404 and response.json()["detail"] == "Invalid cursor."


def test_my_orders_page_shows_archived_orders_in_order_with_their_timeline(client, world, history):
    client.force_login(world.customer)
    seen, url = [], "/orders/"
    while url:
        html = client.get(url).content.decode()
        seen += re.findall(r'href="/orders/([0-9a-f-]{36})/"', html)
        older = re.search(r'href="(\?before=[^"]+)" rel="next"', html)
        url = f"/orders/{older.group(1)}" if older else None
    assert seen == history

    detail = client.get(f"/orders/{history[0]}/").content.decode()
    assert "Delivered" in detail and "Test item A" in detail
    assert detail.index("Waiting for payment") < detail.index("In transit") < detail.rindex("Delivered")
    assert client.get("/orders/?before=junk").status_code == 404


def test_an_order_in_both_stores_counts_once_and_pages_stay_whole(world):
    """order_history's own contract: `limit` per page, nothing twice, nothing lost."""
    orders = [_order(world, "delivered", created_ago=OLD + timedelta(minutes=n)) for n in range(5)]
    archive = get_backend("order_archive")
    for order in orders[:3]:
        archive.put(ArchivedOrder.from_order(order))  # in both stores
    seen, before = [], None
    while True:
        page = order_history(user_id=world.customer.pk, before=before, limit=2)
        assert len(page.orders) <= 2
        seen += [str(o.pk) for o in page.orders]
        if page.next is None:
            break
        before = page.next
    assert seen == [str(o.pk) for o in orders]
    assert all(isinstance(o, Order) for o in order_history(user_id=world.customer.pk, limit=5).orders)


# --- Cassandra, configured: what needs no server (the contract suite runs it on a real node) ------

def test_cassandra_archive_options_are_checked_before_connecting():
    from orders.backends.cassandra import CassandraOrderArchive

    with pytest.raises(ArchiveUnavailable, match="at least one host"):
        CassandraOrderArchive(hosts=[])
    with pytest.raises(ArchiveUnavailable, match="keyspace"):
        CassandraOrderArchive(hosts=["127.0.0.1"], keyspace="bazaar; DROP")


def test_the_registry_builds_the_cassandra_archive_without_connecting(settings):
    from shop.backends import reset_backends
    from shop.config import backends_from_env

    settings.BAZAAR_BACKENDS = backends_from_env({"CASSANDRA_HOSTS": "10.0.0.1,10.0.0.2"})
    reset_backends()
    archive = get_backend("order_archive")
    assert type(archive).__name__ == "CassandraOrderArchive"
    assert archive.hosts == ["10.0.0.1", "10.0.0.2"] and archive.keyspace == "bazaar"
    assert archive._session is None  # connects on first use, not at start-up


@pytest.fixture
def archive_down(settings):
    """The Cassandra archive configured at a port nothing listens on: a real refused connection."""
    from shop.backends import reset_backends

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.BAZAAR_BACKENDS = {**settings.BAZAAR_BACKENDS, "order_archive": {
        "BACKEND": "orders.backends.cassandra.CassandraOrderArchive",
        "OPTIONS": {"hosts": ["127.0.0.1"], "port": port, "connect_timeout": 2}}}
    reset_backends()


def test_with_the_archive_down_pages_show_live_orders_and_say_so_and_the_api_is_a_503(
        world, client, shopper_api, archive_down):
    live = _order(world, "placed")
    client.force_login(world.customer)

    response = client.get("/orders/")
    html = response.content.decode()
    assert response.status_code == 200 and str(live.pk) in html
    assert "older orders can&#x27;t be shown just now" in html
    assert client.get(f"/orders/{live.pk}/").status_code == 200  # live: the archive isn't asked
    assert client.get(f"/orders/{uuid.uuid4()}/").status_code == 302  # might be archived: not a 404

    api = shopper_api.get("/api/v1/orders")
    assert api.status_code == 503 and api.json()["type"].endswith("/archive-unavailable")
    assert shopper_api.get(f"/api/v1/orders/{live.pk}").status_code == 200
    assert shopper_api.get(f"/api/v1/orders/{uuid.uuid4()}").status_code == 503


# --- found by review ----------------------------------------------------------------------------

def test_sellers_never_see_checkouts_that_were_not_paid(world):
    from orders.services import order_expire
    from tests.orders.helpers import place

    item = world.add_item("PRIVATE", stock={"DEL1": 2})
    order = place(world.customer.pk, item, 1)
    order_expire(order_id=str(order.pk), now=order.expires_at + timedelta(seconds=1))
    seller = APIClient()
    seller.force_authenticate(world.seller)
    assert seller.get("/api/v1/seller/orders").json()["results"] == []


@pytest.mark.parametrize("when", ["9999-12-31T23:59:59.999999+00:00", "0001-01-01T00:00:00+05:00"])
def test_made_up_history_cursors_are_refused_not_500(world, when):
    import base64

    cursor = base64.urlsafe_b64encode(f"{when}|{uuid.uuid4()}".encode()).decode().rstrip("=")
    api = APIClient()
    api.force_authenticate(world.customer)
    assert api.get("/api/v1/orders", {"cursor": cursor}).status_code == 404


def test_an_order_with_stock_still_held_stays_live_for_reconciliation(world):
    from inventory.models import Allocation
    from orders.models import Order
    from orders.services import order_expire, orders_archive
    from tests.orders.helpers import place

    item = world.add_item("HELD", stock={"DEL1": 2})
    order = place(world.customer.pk, item, 1)
    order_expire(order_id=str(order.pk), now=order.expires_at + timedelta(seconds=1))
    Allocation.objects.filter(order_id=str(order.pk)).update(status="held")  # books not closed

    moved = orders_archive(older_than=timedelta(days=30), now=timezone.now() + timedelta(days=60))

    assert moved == 0
    assert Order.objects.filter(pk=order.pk).exists()


def test_a_version_1_snapshot_reads_with_a_shipment_per_seller_and_warehouse():
    """Orders archived before shipments (snapshot version 1) still read, as they shipped."""
    from orders.backends.base import ArchivedOrder

    line = {"seller_id": 7, "sku": "A", "title": "A", "image_url": "", "unit_price_paise": 100, "quantity": 2}
    data = {"version": 1, "id": "6f1c2d4e-0000-4000-8000-000000000001", "user_id": 3, "status": "delivered",
            "cancel_reason": "", "created_at": "2026-01-05T10:00:00+00:00", "placed_at": None, "expires_at": None,
            "pin_code": "110001", "ship_name": "A", "ship_phone": "", "ship_line1": "x", "ship_line2": "",
            "ship_city": "Delhi", "ship_state": "", "subtotal_paise": 500, "shipping_paise": 0, "total_paise": 500,
            "currency": "INR",
            "lines": [{**line, "item_id": 1, "warehouse_id": 11, "delivery_date": "2026-01-07"},
                      {**line, "item_id": 2, "warehouse_id": 12, "delivery_date": "2026-01-09"},
                      {**line, "item_id": 3, "warehouse_id": 11, "delivery_date": "2026-01-08", "quantity": 1}],
            "timeline": [{"from_status": "", "to_status": "pending_payment", "reason": "",
                          "at": "2026-01-05T10:00:00+00:00"}]}

    order = ArchivedOrder.from_dict(data)

    assert [(s.warehouse_id, s.status, str(s.promised_date), [(x.item_id, x.quantity) for x in s.lines])
            for s in order.shipments] == [(11, "delivered", "2026-01-08", [(1, 2), (3, 1)]),
                                          (12, "delivered", "2026-01-09", [(2, 2)])]
    assert order.shipments[0].lines[0].line.sku == "A" and order.timeline[0].shipment_id is None
    assert ArchivedOrder.from_dict(order.to_dict()) == order  # written back as version 2
