"""Staff read the admin in the words they use: money in rupees, customers by email, warehouses by
code and name, items by SKU and title, orders by reference, statuses by their labels; never a
row's raw ids, paise or status codes, and never a query per row to get there."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import Address, User
from accounts.services import address_create
from catalog.models import Item
from events.models import OutboxEvent
from events.services import relay_pending
from inventory.models import Allocation, Stock, StockAdjustment
from inventory.services import stock_set
from logistics.models import Warehouse
from logistics.services import warehouse_create
from notifications.models import Notification
from orders.models import ArchivedOrderRecord, Order
from orders.services import order_mark_delivered, order_mark_packed, order_mark_paid, order_mark_shipped, orders_archive
from payments.models import Payment, SimulatedCharge
from shop.references import order_reference
from tests.orders.helpers import gateway_notifies, place, refreshed

ROWS = 30
MAX_QUERIES = 10  # a changelist page of 30 rows: session, user, count, rows, filters, one per kind of label


class Shop:
    """tests/shop_world.py's world in use: `rows` customers with an address and an order each (all
    paid but the first, the one of ₹5,158), as many items stocked at DEL1, the first five at
    Mumbai Fort too, and a count a storekeeper corrected there."""

    def __init__(self, world, user_factory, rows: int):
        self.world = world
        self.mumbai = warehouse_create(code="BOM1", name="Mumbai Fort", pin_code="400001", seller_id=world.seller.pk,
                                       refresh_serviceability=False)
        world.warehouses["BOM1"] = self.mumbai
        self.tv = world.add_item("TV-55", price_paise=515800, title="Sony Bravia 55-inch",
                                 stock={"DEL1": 50, "BOM1": 5})
        self.items = [self.tv, *(world.add_item(f"SKU-{n:02d}", stock={"DEL1": 50, "BOM1": 5} if n < 4 else
                                                {"DEL1": 50}) for n in range(rows - 1))]
        self.keeper = user_factory(email="keeper@example.com", full_name="Kavya Keeper", is_staff=True)
        stock_set(item_id=self.tv, warehouse_id=self.mumbai.pk, on_hand=7, actor_id=self.keeper.pk, source="admin",
                  reason="counted")
        self.customers = [user_factory(email=f"customer{n:02d}@example.com") for n in range(rows)]
        self.orders = []
        for n, customer in enumerate(self.customers):
            address_create(user_id=customer.pk, full_name=f"Customer {n}", phone="+91 99999 00000",
                           line1="1 Janpath", city="New Delhi", state="DELHI", pin_code="110001")
            order = place(customer.pk, self.items[n])
            if n:  # the first one, the television, still waits for its payment
                order_mark_paid(order_id=str(order.pk))
            self.orders.append(refreshed(order))
        relay_pending()
        self.pending = self.orders[0]
        self.placed = self.orders[1]


@pytest.fixture
def shop(world, user_factory) -> Shop:
    """A page of 30 rows in every list."""
    return Shop(world, user_factory, rows=ROWS)


@pytest.fixture
def small(world, user_factory) -> Shop:
    """The same, three rows each, for what does not need a full page."""
    return Shop(world, user_factory, rows=3)


@pytest.fixture
def staff(client, user_factory):
    client.force_login(user_factory(email="root@example.com", is_staff=True, is_superuser=True))
    return client


def visible(response, *, own_words: bool = False) -> str:
    """The page's text as a person reads it: no tags, scripts or hidden inputs.

    `own_words`: only what the admin classes write. A change page's breadcrumbs and an inline
    row's caption are the model's str(), which models.py chooses, not admin.py (issue 13's note)."""
    page = response.content.decode()
    if own_words:
        page = page[page.index('id="content"'):]
        page = re.sub(r'<td class="original">.*?</td>', " ", page, flags=re.S)
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    page = re.sub(r"<[^>]+>", " ", page)
    return re.sub(r"\s+", " ", html.unescape(page))


def _changelist(model) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


def _change(model, pk) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_change", args=[pk])


# What each list must say, and what it must not: (model, shows, never shows), given the shop.
LISTS = {
    "orders": (Order, lambda s: ["₹5,158.00", "customer00@example.com", s.pending.reference, "waiting for payment"],
               lambda s: ["515800", "5158.00", str(s.pending.pk), "pending_payment", "User id", "Total paise"]),
    "payments": (Payment, lambda s: ["₹5,158.00", s.pending.reference],
                 lambda s: ["515800", str(s.pending.pk), "Amount paise", "Order id"]),
    "simulated charges": (SimulatedCharge, lambda s: ["₹5,158.00", s.pending.reference],
                          lambda s: ["515800", str(s.pending.pk), "Amount paise"]),
    "stock": (Stock, lambda s: ["TV-55 · Sony Bravia 55-inch", "BOM1 (Mumbai Fort)", "DEL1"],
              lambda s: ["Item id", "Warehouse id"]),
    "reservations": (Allocation, lambda s: [s.pending.reference, "TV-55 · Sony Bravia 55-inch", "DEL1",
                                             "held for payment", "committed (paid)"],
                     lambda s: [str(s.pending.pk), "Item id", "Warehouse id", "Order id"]),
    "stock adjustments": (StockAdjustment, lambda s: ["TV-55 · Sony Bravia 55-inch", "BOM1 (Mumbai Fort)",
                                                      "keeper@example.com", "the system", "staff in admin"],
                          lambda s: ["Item id", "Warehouse id", "Actor id"]),
    "notifications": (Notification, lambda s: ["customer01@example.com", "order placed"],
                      lambda s: ["User id", "order_placed"]),
    "items": (Item, lambda s: ["₹5,158.00", "TV-55", "Sony Bravia 55-inch", "seller@example.com"],
              lambda s: ["515800", "5158.00", "Seller id"]),
    "warehouses": (Warehouse, lambda s: ["BOM1", "Mumbai Fort", "seller@example.com"],
                   lambda s: ["seller #", "Seller id"]),
    "users": (User, lambda s: ["customer00@example.com", "keeper@example.com"], lambda s: []),
    "addresses": (Address, lambda s: ["customer00@example.com", "Customer 0"], lambda s: ["User id"]),
    "outbox events": (OutboxEvent, lambda s: ["orders.order_placed.v1"], lambda s: []),
}


def test_every_list_reads_in_words_with_a_bounded_number_of_queries(shop, staff):
    """One shop for all the lists (building it is most of the time)."""
    for name, (model, shows, hides) in LISTS.items():
        staff.get(_changelist(model))  # the session and the user are read once; count the page alone

        with CaptureQueriesContext(connection) as queries:
            response = staff.get(_changelist(model))

        assert response.status_code == 200, name
        text = visible(response)
        for words in shows(shop):
            assert words in text, f"{name}: {words!r} is not shown"
        for raw in hides(shop):
            assert raw not in text, f"{name}: {raw!r} is shown"
        rows = len(response.context["cl"].result_list)
        assert rows >= (3 if model is Warehouse else ROWS - 1), name  # the unpaid order has no notification
        assert len(queries) <= MAX_QUERIES, f"{name}:\n" + "\n".join(q["sql"] for q in queries.captured_queries)


def test_labels_cost_the_same_queries_for_three_rows_as_for_thirty(world, staff, user_factory,
                                                                    django_assert_max_num_queries):
    """Warehouses of ten different sellers: their names are one query, not ten."""
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert staff.get(_changelist(Warehouse)).status_code == 200
        return len(queries)

    staff.get(_changelist(Warehouse))
    few = count()
    for n in range(10):
        seller = user_factory(email=f"maker{n}@example.com", full_name=f"Maker {n}", is_seller=True)
        warehouse_create(code=f"W{n}", name=f"Shed {n}", pin_code="560068", seller_id=seller.pk,
                         refresh_serviceability=False)
    many = count()

    assert many == few
    with django_assert_max_num_queries(MAX_QUERIES):
        page = staff.get(_changelist(Warehouse))
    assert "Maker 7 (maker7@example.com)" in visible(page)


def test_the_order_page_names_the_customer_items_sellers_and_warehouses(small, staff, django_assert_max_num_queries):
    order = small.pending
    staff.get(_change(Order, order.pk))

    with django_assert_max_num_queries(20):
        response = staff.get(_change(Order, order.pk))

    text = visible(response, own_words=True)
    assert f"Order {order.reference}, waiting for payment" in text
    assert "customer00@example.com" in text and reverse("admin:accounts_user_change",
                                                        args=[order.user_id]) in response.text
    assert "Total: ₹5,158.00" in text and "Shipping: ₹0.00" in text
    assert "TV-55" in text and "seller@example.com" in text and "DEL1" in text
    assert "new waiting for payment" in text  # the timeline, in words
    for raw in ("515800", "pending_payment", "User id", "Total paise", "Seller id", "Warehouse id"):
        assert raw not in text


def test_other_pages_are_headed_in_words(small, staff):
    order_id = str(small.pending.pk)
    rows = [Payment.objects.get(order_id=order_id), SimulatedCharge.objects.get(order_id=order_id),
            Allocation.objects.get(order_id=order_id), Stock.objects.filter(item_id=small.tv).first(),
            StockAdjustment.objects.filter(item_id=small.tv, source="admin").get(),
            Notification.objects.filter(user_id=small.placed.user_id).first()]
    headings = {
        Payment: f"Payment of ₹5,158.00 for order {small.pending.reference}, created",
        SimulatedCharge: f"of ₹5,158.00 for order {small.pending.reference}",
        Allocation: f"1 × TV-55 · Sony Bravia 55-inch for order {small.pending.reference}, held for payment",
        Stock: "TV-55 · Sony Bravia 55-inch at ",
        StockAdjustment: "TV-55 · Sony Bravia 55-inch at BOM1 (Mumbai Fort): on hand 5 → 7",
        Notification: "“Your order is placed” to customer01@example.com",
    }
    for row in rows:
        text = visible(staff.get(_change(type(row), row.pk)), own_words=True)

        assert headings[type(row)] in text.split(" History ")[0], type(row).__name__
        for raw in (order_id, "515800", "Item id", "Warehouse id", "User id", "Order id", "pending_payment"):
            assert raw not in text.replace(f"/orders/{order_id}/", ""), (type(row).__name__, raw)  # a return URL


def _act(staff, action: str, *orders: Order) -> list[str]:
    response = staff.post(_changelist(Order), {"action": action, "_selected_action": [str(o.pk) for o in orders]},
                          follow=True)
    assert response.redirect_chain and response.status_code == 200
    return [str(m) for m in response.context["messages"]]


def test_action_messages_use_words_not_status_codes(small, staff):
    pending, placed = small.pending, small.placed

    refused = _act(staff, "mark_shipped", pending, placed)
    done = _act(staff, "mark_packed", placed)

    assert f"Order {pending.reference} can't be marked in transit: it is waiting for payment." in refused
    assert f"Order {placed.reference} can't be marked in transit: it is placed, and has to be packed first." in refused
    assert done == ["1 order marked packed."]
    assert _act(staff, "mark_shipped", placed) == ["1 order marked in transit."]
    for message in refused + done:
        assert "in_transit" not in message and "pending_payment" not in message and str(pending.pk) not in message
    assert refreshed(placed).status == Order.Status.IN_TRANSIT and refreshed(pending).status == "pending_payment"


def test_the_sellers_api_says_the_same(small):
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(small.world.seller)
    response = api.post(f"/api/v1/seller/orders/{small.placed.pk}/delivered")

    assert response.status_code == 409
    assert response.json()["order_status"] == "placed"  # the code stays, for programs
    assert "can't be marked delivered: it is placed, and has to be in transit first." in response.json()["detail"]


def test_staff_search_by_what_the_lists_show(small, staff):
    order = small.orders[2]

    def found(model, q: str) -> list:
        return list(staff.get(_changelist(model), {"q": q}).context["cl"].result_list)

    old_reference = order_reference(order.pk)  # "#3F2A9C01", what people quoted before numbers

    assert order.reference == order.number
    assert found(Order, order.number) == [order]
    assert found(Order, order.number.lower()) == [order]
    assert found(Order, old_reference) == [order]
    assert found(Order, old_reference[1:].lower()) == [order]
    assert found(Order, "customer02@example.com") == [order]
    for model in (Payment, Allocation):
        assert [row.order_id for row in found(model, order.number)] == [str(order.pk)]
        assert [row.order_id for row in found(model, old_reference)] == [str(order.pk)]
    assert {s.warehouse_id for s in found(Stock, "tv-55")} == {small.world.warehouses["DEL1"].pk, small.mumbai.pk}
    assert {n.user_id for n in found(Notification, "customer02@example.com")} == {order.user_id}
    assert len(found(Order, "nobody@example.com")) == 0


def test_the_warehouse_filter_lists_codes_and_names(small, staff):
    listing = staff.get(_changelist(Stock))
    only_mumbai = staff.get(_changelist(Stock), {"warehouse": small.mumbai.pk})

    choices = [choice["display"] for spec in listing.context["cl"].filter_specs for choice in spec.choices(
        listing.context["cl"]) if spec.title == "warehouse"]
    assert choices == ["All", "BLR1", "BOM1 (Mumbai Fort)", "DEL1"]
    assert {s.warehouse_id for s in only_mumbai.context["cl"].result_list} == {small.mumbai.pk}
    assert "warehouse_id__exact" not in listing.text


def test_stock_is_added_by_choosing_a_warehouse_by_name(small, staff):
    page = staff.get(reverse("admin:inventory_stock_add"))
    assert "BOM1 (Mumbai Fort)" in page.text

    bengaluru = small.world.warehouses["BLR1"]
    response = staff.post(reverse("admin:inventory_stock_add"), {
        "item_id": small.items[2], "warehouse_id": bengaluru.pk, "on_hand": 3})

    assert response.status_code == 302
    stock = Stock.objects.get(item_id=small.items[2], warehouse_id=bengaluru.pk)
    assert stock.on_hand == 3
    assert StockAdjustment.objects.filter(item_id=stock.item_id, source="admin").exists()


def test_archived_orders_read_the_same(world, staff):
    item = world.add_item("PHONE", price_paise=515800, stock={"DEL1": 3})
    order = place(world.customer.pk, item)
    gateway_notifies(order, "succeeded")
    for mark in (order_mark_packed, order_mark_shipped, order_mark_delivered):
        mark(order_id=order.pk)
    assert orders_archive(older_than=timedelta(days=30), now=timezone.now() + timedelta(days=31)) == 1
    record = ArchivedOrderRecord.objects.get()

    listing = visible(staff.get(_changelist(ArchivedOrderRecord)))
    page = visible(staff.get(_change(ArchivedOrderRecord, record.pk)))
    by_day = visible(staff.get(reverse("admin:orders_archive_by_day"), {
        "day": timezone.localdate(record.created_at).isoformat(), "status": "delivered"}))

    for text in (listing, by_day):
        assert order.reference in text and "buyer@example.com" in text and "₹5,158.00" in text
        assert str(order.pk) not in text and "515800" not in text.replace('"total_paise": 515800', "")
    assert f"Archived order {order.reference}, delivered" in page


def test_reconciliation_findings_name_orders_by_reference(staff):
    from orders.models import ReconciliationRun, order_reference

    order_id = "3f2a9c01-0000-4000-8000-000000000001"
    run = ReconciliationRun.objects.create(findings=[
        {"check": "paid_order_still_pending", "subject": order_id, "detail": "the payment outcome was applied",
         "repaired": True},
        {"check": "gateway_unreachable", "subject": "payment gateway", "detail": "the next run will",
         "repaired": False},
    ])

    text = visible(staff.get(_change(ReconciliationRun, run.pk)), own_words=True)

    assert f"Paid order still pending order {order_reference(order_id)} — the payment outcome was applied" in text
    assert "Gateway unreachable payment gateway — the next run will (needs a person)" in text
    assert order_id not in text and "paid_order_still_pending" not in text
