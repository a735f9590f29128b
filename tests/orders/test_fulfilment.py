"""Sellers move paid orders along: placed → packed → in transit → delivered, once each, in order."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from events.models import OutboxEvent
from orders.services import (
    NotSellersOrder,
    OrderNotFound,
    TransitionNotAllowed,
    order_fail_payment,
    order_mark_delivered,
    order_mark_packed,
    order_mark_paid,
    order_mark_shipped,
)
from tests.orders.helpers import place, refreshed

PROBLEM = "application/problem+json"


@pytest.fixture
def paid(world):
    """A placed (paid) order of the world's seller's item."""
    item = world.add_item("A", stock={"DEL1": 5})
    order = place(world.customer.pk, item)
    order_mark_paid(order_id=str(order.pk))  # what the payment-succeeded consumer does
    assert refreshed(order).status == "placed"
    return refreshed(order)


@pytest.fixture
def seller_api(world):
    client = APIClient()
    client.force_authenticate(world.seller)
    return client


def _events(order, kind: str) -> int:
    return OutboxEvent.objects.filter(key=str(order.pk), type=kind).count()


def test_the_seller_moves_an_order_to_delivered_with_a_timeline_and_an_event_per_step(paid, world):
    order_mark_packed(order_id=paid.pk, seller_id=world.seller.pk)
    order_mark_shipped(order_id=paid.pk, seller_id=world.seller.pk)
    order_mark_delivered(order_id=paid.pk, seller_id=world.seller.pk)

    order = refreshed(paid)
    assert order.status == "delivered"
    assert [(c.from_status, c.to_status) for c in order.timeline.filter(shipment=None)][-3:] == [
        ("placed", "packed"), ("packed", "in_transit"), ("in_transit", "delivered")]
    shipment = order.shipments.get()
    assert [(c.from_status, c.to_status) for c in shipment.timeline.all()] == [
        ("pending", "packed"), ("packed", "in_transit"), ("in_transit", "delivered")]
    for kind in ("orders.order_packed.v1", "orders.order_shipped.v1", "orders.order_delivered.v1"):
        assert _events(order, kind) == 1


def test_repeating_a_step_changes_nothing(paid, world):
    order_mark_packed(order_id=paid.pk, seller_id=world.seller.pk)
    before = refreshed(paid).timeline.count()

    again = order_mark_packed(order_id=paid.pk, seller_id=world.seller.pk)

    assert again.status == "packed"
    assert refreshed(paid).timeline.count() == before
    assert _events(paid, "orders.order_packed.v1") == 1


@pytest.mark.parametrize("steps", [
    [order_mark_shipped],  # skips packed
    [order_mark_delivered],  # skips two
    [order_mark_packed, order_mark_shipped, order_mark_packed],  # back
])
def test_skipping_or_going_back_is_refused(paid, world, steps):
    *ok, wrong = steps
    for step in ok:
        step(order_id=paid.pk, seller_id=world.seller.pk)
    status = refreshed(paid).status
    with pytest.raises(TransitionNotAllowed):
        wrong(order_id=paid.pk, seller_id=world.seller.pk)
    assert refreshed(paid).status == status


def test_unpaid_and_cancelled_orders_cannot_be_packed(world):
    item = world.add_item("A", stock={"DEL1": 5})
    pending = place(world.customer.pk, item)
    with pytest.raises(TransitionNotAllowed):
        order_mark_packed(order_id=pending.pk, seller_id=world.seller.pk)
    order_fail_payment(order_id=str(pending.pk))
    assert refreshed(pending).status == "cancelled"
    with pytest.raises(TransitionNotAllowed):
        order_mark_packed(order_id=pending.pk)


def test_another_seller_cannot_move_the_order(paid, user_factory):
    stranger = user_factory(email="other-seller@example.com", is_seller=True)
    with pytest.raises(NotSellersOrder):
        order_mark_packed(order_id=paid.pk, seller_id=stranger.pk)
    with pytest.raises(OrderNotFound):
        order_mark_packed(order_id="not-a-uuid")
    assert refreshed(paid).status == "placed"


def test_another_sellers_order_is_not_one_this_seller_can_move(paid, world, user_factory):
    from orders.models import OrderLine, Shipment

    other = user_factory(email="other-seller@example.com", is_seller=True)
    OrderLine.objects.filter(order=paid).update(seller_id=other.pk)  # as if the item were theirs
    Shipment.objects.filter(order=paid).update(seller_id=other.pk)
    with pytest.raises(NotSellersOrder):
        order_mark_packed(order_id=paid.pk, seller_id=world.seller.pk)


# --- the seller API ---------------------------------------------------------------------------

def test_the_seller_lists_their_paid_orders_newest_first_with_only_their_lines(paid, world, seller_api,
                                                                                 user_factory):
    second = place(world.customer.pk, world.add_item("B", stock={"DEL1": 5}))
    order_mark_paid(order_id=str(second.pk))
    place(world.customer.pk, world.items["A"])  # unpaid: not the seller's to ship yet
    other_seller = user_factory(email="s2@example.com", is_seller=True)
    other_api = APIClient()
    other_api.force_authenticate(other_seller)

    body = seller_api.get("/api/v1/seller/orders").json()

    assert [o["id"] for o in body["results"]] == [str(second.pk), str(paid.pk)]
    assert body["results"][1]["lines"][0]["sku"] == "A"
    assert body["results"][1]["ship_name"] == "Asha Buyer"
    assert other_api.get("/api/v1/seller/orders").json()["results"] == []


def test_the_seller_api_moves_orders_and_answers_problems(paid, world, seller_api, user_factory):
    url = f"/api/v1/seller/orders/{paid.pk}"

    wrong = seller_api.post(f"{url}/shipped")
    assert wrong.status_code == 409 and wrong["Content-Type"] == PROBLEM
    assert wrong.json()["type"].endswith("/transition-not-allowed")
    assert wrong.json()["order_status"] == "placed" and wrong.json()["status"] == 409

    for step, status in (("packed", "packed"), ("packed", "packed"), ("shipped", "in_transit"),
                         ("delivered", "delivered")):
        response = seller_api.post(f"{url}/{step}")
        assert response.status_code == 200, response.json()
        assert response.json()["status"] == status

    assert seller_api.post(f"{url}/teleported").status_code == 404
    assert seller_api.post("/api/v1/seller/orders/not-a-uuid/packed").status_code == 404
    stranger = APIClient()
    stranger.force_authenticate(user_factory(email="s2@example.com", is_seller=True))
    refused = stranger.post(f"{url}/delivered")
    assert refused.status_code == 404 and refused["Content-Type"] == PROBLEM


def test_customers_cannot_use_the_seller_api(paid, world):
    customer = APIClient()
    customer.force_authenticate(world.customer)
    assert customer.get("/api/v1/seller/orders").status_code == 403
    assert customer.post(f"/api/v1/seller/orders/{paid.pk}/packed").status_code == 403
    assert refreshed(paid).status == "placed"


# --- staff, from the admin ------------------------------------------------------------------------

def test_staff_move_orders_with_admin_actions(client, paid, world, user_factory):
    client.force_login(user_factory(email="staff@example.com", is_staff=True, is_superuser=True))

    def act(name: str):
        return client.post("/admin/orders/order/", {"action": name, "_selected_action": [str(paid.pk)]})

    act("mark_shipped")  # skips packed: refused
    assert refreshed(paid).status == "placed"
    for name in ("mark_packed", "mark_shipped", "mark_delivered"):
        assert act(name).status_code == 302
    assert refreshed(paid).status == "delivered"
    assert "by staff" in refreshed(paid).timeline.last().reason
