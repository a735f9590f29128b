"""Order numbers (decision 0030): BZ-26-0001234, sequential within a year, a new sequence each
year, unique when many place at once, kept when archived, and what every page, message, API and
admin screen shows of an order. Run on MariaDB too (DATABASE_URL=mysql://...), where the
concurrency tests mean most."""

from __future__ import annotations

import datetime as dt
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, connections, transaction
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from events.services import relay_pending
from inventory.interface import InsufficientStock
from inventory.models import Stock
from notifications.models import Notification
from orders.backends.base import ArchivedOrder
from orders.models import ArchivedOrderRecord, Order, OrderNumberCounter
from orders.numbers import order_number_next
from orders.services import (
    OrderLineRequest,
    TransitionNotAllowed,
    order_mark_delivered,
    order_mark_packed,
    order_mark_shipped,
    order_place,
    orders_archive,
)
from payments.models import Payment
from shop.backends import get_backend
from shop.references import order_reference
from tests.concurrency import run_concurrently
from tests.orders.helpers import address, gateway_notifies, place

IST = dt.timezone(dt.timedelta(hours=5, minutes=30))  # the shop's time zone (Asia/Kolkata)


def place_at(world, item: int, now: dt.datetime, *, key: str | None = None) -> Order:
    return order_place(user_id=world.customer.pk, idempotency_key=key or uuid.uuid4().hex,
                       lines=[OrderLineRequest(item, 1)], address=address(), now=now)


# --- the sequence ------------------------------------------------------------------------------------

def test_numbers_follow_each_other_within_a_year_and_start_again_in_the_next(world):
    item = world.add_item("A", stock={"DEL1": 10})
    late_2026 = dt.datetime(2026, 12, 31, 23, 59, 59, tzinfo=IST)

    first, second = place_at(world, item, late_2026), place_at(world, item, late_2026)
    new_year = place_at(world, item, late_2026 + dt.timedelta(seconds=1))  # midnight in India, still 2026 in UTC
    then = place_at(world, item, late_2026 + dt.timedelta(days=1))

    assert [o.number for o in (first, second, new_year, then)] == [
        "BZ-26-0000001", "BZ-26-0000002", "BZ-27-0000001", "BZ-27-0000002"]
    assert first.reference == "BZ-26-0000001"
    assert Order.objects.get(pk=first.pk).number == "BZ-26-0000001"
    assert dict(OrderNumberCounter.objects.values_list("year", "last")) == {2026: 2, 2027: 2}


def test_the_prefix_is_a_setting(world, settings):
    settings.ORDER_NUMBER_PREFIX = "QA"
    item = world.add_item("A", stock={"DEL1": 1})
    assert place(world.customer.pk, item).number.startswith(f"QA-{timezone.now().year % 100:02d}-")


def test_a_retried_request_gets_the_same_order_and_number_and_spends_none(world):
    item = world.add_item("A", stock={"DEL1": 10})

    order = place(world.customer.pk, item, key="checkout-1")
    again = place(world.customer.pk, item, key="checkout-1")
    next_one = place(world.customer.pk, item)

    assert again.pk == order.pk and again.number == order.number
    assert _sequence(next_one) == _sequence(order) + 1


def test_an_order_refused_at_planning_spends_no_number(world):
    """The number is taken after the allocation plan and before the order's transaction (so the
    counter is never locked while the order waits for stock): an order the plan refuses spends
    none; one that loses the stock to another order in its transaction leaves a gap."""
    item = world.add_item("A", stock={"DEL1": 1})
    first = place(world.customer.pk, item)
    with pytest.raises(InsufficientStock):
        place(world.customer.pk, item)
    Stock.objects.filter(item_id=item).update(on_hand=5)

    after = place(world.customer.pk, item)

    assert _sequence(after) == _sequence(first) + 1
    assert Order.objects.count() == 2


def _sequence(order: Order) -> int:
    return int(order.number.rsplit("-", 1)[1])


# --- many at once -----------------------------------------------------------------------------------

def test_buyers_placing_at_once_get_distinct_numbers(world_tx, user_factory):
    item = world_tx.add_item("HOT", stock={"DEL1": 1000})
    buyers = [user_factory(email=f"buyer{n}@example.com") for n in range(24)]

    results = run_concurrently(lambda user_id: place(user_id, item, 1), [(b.pk,) for b in buyers], workers=24)

    orders = [r for r in results if isinstance(r, Order)]
    assert [r for r in results if not isinstance(r, Order)] == []
    numbers = [o.number for o in orders]
    assert len(set(numbers)) == 24
    assert sorted(Order.objects.values_list("number", flat=True)) == sorted(numbers)
    # Every number came from the one row of the year (a deadlock retry may spend one more).
    assert 24 <= max(_sequence(o) for o in orders) <= OrderNumberCounter.objects.get().last


def test_the_counter_hands_out_every_number_once_under_concurrency(transactional_db):
    now = timezone.now()
    results = run_concurrently(lambda _: [order_number_next(now=now) for _ in range(40)], [(n,) for n in range(8)],
                               workers=8)

    assert [r for r in results if isinstance(r, Exception)] == []
    sequences = sorted(int(number.rsplit("-", 1)[1]) for batch in results for number in batch)
    assert sequences == list(range(1, 8 * 40 + 1))  # the year's row made once, by whichever came first


def test_a_number_is_given_while_another_order_waits_on_a_hot_stock_row(world_tx, user_factory):
    """The point of the design: an order stuck behind the hot stock row's lock holds no lock on
    the counter, so the next buyer's number does not wait for it (MariaDB: row locks)."""
    if connection.vendor != "mysql":
        pytest.skip("SQLite serialises every writer, so there is no row lock to look at")
    item = world_tx.add_item("HOT", stock={"DEL1": 10})
    stock_pk = Stock.objects.get(item_id=item).pk
    buyer = user_factory(email="waiting@example.com")
    holding, release = threading.Event(), threading.Event()

    def hold_the_stock_row():
        try:
            with transaction.atomic():
                Stock.objects.select_for_update().get(pk=stock_pk)
                holding.set()
                release.wait(timeout=30)
        finally:
            connections.close_all()

    def place_behind_it():
        try:
            return place(buyer.pk, item, 1)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=2) as pool:
        holder = pool.submit(hold_the_stock_row)
        assert holding.wait(timeout=10)
        waiting = pool.submit(place_behind_it)
        time.sleep(0.5)  # it has its number and now waits inside its transaction for the stock row
        started = time.monotonic()
        number = order_number_next(now=timezone.now())
        took = time.monotonic() - started
        release.set()
        holder.result(timeout=30)
        order = waiting.result(timeout=30)

    assert took < 0.5, f"a number waited {took:.2f}s for another order's transaction"
    assert _sequence(order) == 1 and number.endswith("-0000002")


# --- the migration ----------------------------------------------------------------------------------

def test_the_migration_numbers_existing_orders_oldest_first_per_year(transactional_db):
    executor = MigrationExecutor(connection)
    before = [("orders", "0002_order_archive")]
    executor.migrate(before)
    try:
        apps = executor.loader.project_state(before).apps
        HistoricalOrder = apps.get_model("orders", "Order")
        created = {
            "a": dt.datetime(2025, 12, 31, 23, 0, tzinfo=IST),
            "b": dt.datetime(2025, 3, 1, 12, 0, tzinfo=IST),
            "c": dt.datetime(2026, 1, 1, 0, 10, tzinfo=IST),  # 2025 in UTC, 2026 in the shop
            "d": dt.datetime(2026, 2, 1, 9, 0, tzinfo=IST),
        }
        for name, when in created.items():
            row = HistoricalOrder.objects.create(
                id=uuid.uuid5(uuid.NAMESPACE_DNS, name), user_id=1, idempotency_key=name, request_fingerprint="f",
                pin_code="110001", ship_name="Asha", ship_line1="1 Janpath", ship_city="New Delhi",
                subtotal_paise=100, total_paise=100, expires_at=when)
            HistoricalOrder.objects.filter(pk=row.pk).update(created_at=when)
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())

    numbers = {o.idempotency_key: o.number for o in Order.objects.all()}
    assert numbers == {"b": "BZ-25-0000001", "a": "BZ-25-0000002", "c": "BZ-26-0000001", "d": "BZ-26-0000002"}
    assert dict(OrderNumberCounter.objects.values_list("year", "last")) == {2025: 2, 2026: 2}
    assert order_number_next(now=dt.datetime(2026, 3, 1, tzinfo=IST)) == "BZ-26-0000003"


# --- archived orders ---------------------------------------------------------------------------------

def _delivered_and_archived(world) -> Order:
    item = world.items.get("A") or world.add_item("A", stock={"DEL1": 10})
    order = place(world.customer.pk, item)
    gateway_notifies(order, "succeeded")
    for mark in (order_mark_packed, order_mark_shipped, order_mark_delivered):
        mark(order_id=order.pk)
    assert orders_archive(older_than=dt.timedelta(days=30), now=timezone.now() + dt.timedelta(days=31)) == 1
    return order


def test_an_archived_order_keeps_its_number(world, client):
    order = _delivered_and_archived(world)

    record = ArchivedOrderRecord.objects.get(order_id=order.pk)
    archived = get_backend("order_archive").get(order.pk)
    assert record.number == order.number and record.snapshot["number"] == order.number
    assert archived.number == order.number and archived.reference == order.number
    client.force_login(world.customer)
    page = client.get(reverse("orders:detail", args=[order.pk])).content.decode()
    assert f"<title>Order {order.number} · Bazaar</title>" in page


def test_a_snapshot_archived_before_numbers_reads_with_its_old_reference(world):
    order = _delivered_and_archived(world)
    record = ArchivedOrderRecord.objects.get(order_id=order.pk)
    old = {key: value for key, value in record.snapshot.items() if key != "number"} | {"version": 1}
    ArchivedOrderRecord.objects.filter(pk=record.pk).update(snapshot=old, number="")

    archived = get_backend("order_archive").get(order.pk)

    assert archived.number == ""
    assert archived.reference == order_reference(order.pk) == f"#{order.pk.hex[:8].upper()}"
    assert ArchivedOrder.from_dict(old).to_dict()["version"] == 2


# --- where people read it ---------------------------------------------------------------------------

def test_my_orders_the_order_page_and_the_api_show_the_number(world, client):
    item = world.add_item("A", stock={"DEL1": 3})
    order = place(world.customer.pk, item)
    client.force_login(world.customer)
    api = APIClient()
    api.force_authenticate(world.customer)

    listing = client.get("/orders/").content.decode()
    page = client.get(reverse("orders:detail", args=[order.pk])).content.decode()
    body = api.get(f"/api/v1/orders/{order.pk}").json()

    assert order.number in listing
    assert f"<title>Order {order.number} · Bazaar</title>" in page
    assert f'data-testid="order-reference">{order.number}</span>' in page
    assert body["number"] == order.number and body["id"] == str(order.pk)
    assert api.get("/api/v1/orders").json()["results"][0]["number"] == order.number


def test_the_customers_messages_name_the_order_by_number(world):
    item = world.add_item("A", stock={"DEL1": 3})
    order = place(world.customer.pk, item)
    gateway_notifies(order, "succeeded")
    order_mark_packed(order_id=order.pk)
    order_mark_shipped(order_id=order.pk)
    relay_pending()

    bodies = list(Notification.objects.filter(user_id=world.customer.pk).values_list("body", flat=True))

    assert len(bodies) == 2 and all(order.number in body for body in bodies)


def test_refusals_name_the_order_by_number(world):
    item = world.add_item("A", stock={"DEL1": 3})
    order = place(world.customer.pk, item)

    with pytest.raises(TransitionNotAllowed) as refused:
        order_mark_shipped(order_id=order.pk)

    assert str(refused.value) == f"Order {order.number} can't be marked in transit: it is waiting for payment."


@pytest.fixture
def staff(client, user_factory):
    client.force_login(user_factory(email="root@example.com", is_staff=True, is_superuser=True))
    return client


def test_staff_find_an_order_and_its_payment_by_number_in_admin(world, staff):
    item = world.add_item("A", stock={"DEL1": 3})
    order, other = place(world.customer.pk, item), place(world.customer.pk, item)

    def found(url: str, q: str) -> list:
        return list(staff.get(url, {"q": q}).context["cl"].result_list)

    orders = reverse("admin:orders_order_changelist")
    payments = reverse("admin:payments_payment_changelist")
    assert found(orders, order.number) == [order]
    assert found(orders, order.number.lower()) == [order]
    assert found(orders, order_reference(order.pk)) == [order]  # the old "#3F2A9C01" still finds it
    assert [p.order_id for p in found(payments, order.number)] == [str(order.pk)]
    listing = staff.get(payments).content.decode()
    assert order.number in listing and other.number in listing
    assert order.number in staff.get(reverse("admin:orders_order_changelist")).content.decode()
    assert Payment.objects.count() == 2


def test_staff_find_an_archived_order_by_number(world, staff):
    order = _delivered_and_archived(world)
    url = reverse("admin:orders_archivedorderrecord_changelist")

    results = list(staff.get(url, {"q": order.number}).context["cl"].result_list)

    assert [r.order_id for r in results] == [order.pk]
    assert order.number in staff.get(url).content.decode()
    # Its payment still names it by number, from the archive.
    assert order.number in staff.get(reverse("admin:payments_payment_changelist")).content.decode()
