"""The data migration that gave orders taken before shipments one shipment per seller and
warehouse (orders 0003_shipments), from the warehouse each line recorded or, failing that, its
reservation."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from orders.models import Order

pytestmark = pytest.mark.django_db(transaction=True)
BEFORE = [("orders", "0002_order_archive"), ("inventory", "0002_reservation_without_fk_lock")]


def test_existing_orders_get_a_shipment_per_seller_and_warehouse_in_their_status(transactional_db):
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    try:
        apps = executor.loader.project_state(BEFORE).apps
        HistoricalOrder = apps.get_model("orders", "Order")
        Line = apps.get_model("orders", "OrderLine")
        Stock = apps.get_model("inventory", "Stock")
        Reservation = apps.get_model("inventory", "Reservation")
        when = dt.datetime(2026, 6, 1, 10, 0, tzinfo=dt.UTC)
        orders = {}
        for name, status in (("shipped", "in_transit"), ("delivered", "delivered"), ("unpaid", "pending_payment")):
            orders[name] = HistoricalOrder.objects.create(
                id=uuid.uuid5(uuid.NAMESPACE_DNS, name), user_id=1, idempotency_key=name, request_fingerprint="f",
                status=status, pin_code="110001", ship_name="Asha", ship_line1="1 Janpath", ship_city="New Delhi",
                subtotal_paise=300, total_paise=300, expires_at=when)
        day = dt.date(2026, 6, 3)
        # Two sellers' lines from two warehouses, one line never told its warehouse (its reservation knows).
        Line.objects.create(order=orders["shipped"], item_id=1, seller_id=7, sku="A", title="A",
                            unit_price_paise=100, quantity=1, warehouse_id=11, delivery_date=day)
        Line.objects.create(order=orders["shipped"], item_id=2, seller_id=7, sku="B", title="B",
                            unit_price_paise=100, quantity=2, warehouse_id=11, delivery_date=day + dt.timedelta(1))
        Line.objects.create(order=orders["shipped"], item_id=3, seller_id=8, sku="C", title="C",
                            unit_price_paise=100, quantity=1, warehouse_id=None, delivery_date=None)
        stock = Stock.objects.create(item_id=3, warehouse_id=12, on_hand=5)
        Reservation.objects.create(order_id=str(orders["shipped"].pk), item_id=3, warehouse_id=12, stock=stock,
                                   quantity=1, status="committed")
        Line.objects.create(order=orders["delivered"], item_id=1, seller_id=7, sku="A", title="A",
                            unit_price_paise=100, quantity=3, warehouse_id=11, delivery_date=day)
        Line.objects.create(order=orders["unpaid"], item_id=1, seller_id=7, sku="A", title="A",
                            unit_price_paise=100, quantity=1, warehouse_id=11, delivery_date=day)
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())

    shipped = Order.objects.get(idempotency_key="shipped")
    shipments = {(s.seller_id, s.warehouse_id): s for s in shipped.shipments.all()}
    assert set(shipments) == {(7, 11), (8, 12)}
    assert {k: s.status for k, s in shipments.items()} == {(7, 11): "in_transit", (8, 12): "in_transit"}
    assert shipments[(7, 11)].promised_date == day + dt.timedelta(1)  # its latest line
    assert sorted((p.line.sku, p.quantity) for p in shipments[(7, 11)].lines.all()) == [("A", 1), ("B", 2)]
    assert [(p.line.sku, p.quantity) for p in shipments[(8, 12)].lines.all()] == [("C", 1)]
    assert Order.objects.get(idempotency_key="delivered").shipments.get().status == "delivered"
    assert Order.objects.get(idempotency_key="unpaid").shipments.get().status == "pending"
    assert all(o.number for o in Order.objects.all())  # numbered by the later migration too
