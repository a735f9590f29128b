"""Buy again: a past order's items back in the cart at today's price, what is gone skipped, what is
short capped, live and archived orders alike."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from cart.interface import MAX_QUANTITY_PER_LINE, cart_lines
from cart.models import Line
from catalog.services import item_retire, item_update
from inventory.services import stock_set
from orders.models import Order
from orders.services import OrderNotFound, order_fail_payment, order_place, order_reorder, orders_archive
from tests.orders.helpers import OrderLineRequest, address


@pytest.fixture
def past_order(world):
    """A failed order of three items; then one is retired, one runs short and one gets dearer."""
    mug = world.add_item("MUG", title="Blue Mug", price_paise=29_900, stock={"DEL1": 10})
    lamp = world.add_item("LAMP", title="Desk Lamp", stock={"DEL1": 10})
    tea = world.add_item("TEA", title="Masala Tea", stock={"DEL1": 10})
    order = order_place(user_id=world.customer.pk, idempotency_key=uuid.uuid4().hex, address=address(),
                        lines=[OrderLineRequest(mug, 2), OrderLineRequest(lamp, 1), OrderLineRequest(tea, 4)])
    order_fail_payment(order_id=str(order.pk))
    item_update(item_id=mug, seller_id=world.seller.pk, price_paise=34_900)
    item_retire(item_id=lamp)
    stock_set(item_id=tea, warehouse_id=world.warehouses["DEL1"].pk, on_hand=3, actor_id=None, source="system")
    return Order.objects.get(pk=order.pk)


def cart_of(world) -> dict[int, int]:
    return {line.item_id: line.quantity for line in cart_lines(user_id=world.customer.pk)}


def test_a_live_order_goes_back_in_the_cart_at_todays_price_skipping_and_capping(world, past_order):
    mug, lamp, tea = world.items["MUG"], world.items["LAMP"], world.items["TEA"]

    result = order_reorder(order_id=past_order.pk, user_id=world.customer.pk)

    assert cart_of(world) == {mug: 2, tea: 3}
    assert Line.objects.get(item_id=mug).price_paise_at_add == 34_900  # today's price, not the order's
    assert [(x.item_id, x.added) for x in result.added] == [(mug, 2)]
    assert [(x.item_id, x.ordered, x.added) for x in result.capped] == [(tea, 4, 3)]
    assert "Only 3 units" in result.capped[0].note
    assert [(x.item_id, x.added) for x in result.skipped] == [(lamp, 0)]
    assert "no longer sold" in result.skipped[0].note


def test_buying_again_tops_up_to_what_is_in_stock(world, past_order):
    order_reorder(order_id=past_order.pk, user_id=world.customer.pk)

    again = order_reorder(order_id=past_order.pk, user_id=world.customer.pk)

    tea = world.items["TEA"]
    assert cart_of(world)[tea] == 3  # never more than the 3 in stock
    assert [x.item_id for x in again.skipped] == [world.items["LAMP"], tea]
    assert cart_of(world)[world.items["MUG"]] == 4
    assert MAX_QUANTITY_PER_LINE >= 4


def test_an_archived_order_is_bought_again_through_the_api(world, past_order):
    Order.objects.filter(pk=past_order.pk).update(updated_at=timezone.now() - timedelta(days=40))
    assert orders_archive(older_than=timedelta(days=30)) == 1
    assert not Order.objects.filter(pk=past_order.pk).exists()
    api = APIClient()
    api.force_authenticate(world.customer)

    response = api.post(f"/api/v1/orders/{past_order.pk}/reorder")

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["order_id"] == str(past_order.pk)
    assert [(x["product_id"], x["added"]) for x in body["added"]] == [(world.items["MUG"], 2)]
    assert [(x["product_id"], x["ordered"], x["added"]) for x in body["capped"]] == [(world.items["TEA"], 4, 3)]
    assert [x["product_id"] for x in body["skipped"]] == [world.items["LAMP"]]
    assert body["skipped"][0]["note"]
    assert cart_of(world) == {world.items["MUG"]: 2, world.items["TEA"]: 3}


def test_only_the_customers_own_orders(world, past_order, user_factory):
    stranger = user_factory(email="stranger@example.com")
    with pytest.raises(OrderNotFound):
        order_reorder(order_id=past_order.pk, user_id=stranger.pk)
    api = APIClient()
    api.force_authenticate(stranger)
    assert api.post(f"/api/v1/orders/{past_order.pk}/reorder").status_code == 404
    assert api.post(f"/api/v1/orders/{uuid.uuid4()}/reorder").status_code == 404
    assert cart_lines(user_id=stranger.pk) == []


def test_buy_again_on_the_pages_says_what_was_skipped_or_capped(client, world, past_order):
    client.force_login(world.customer)
    assert 'data-testid="reorder"' in client.get(f"/orders/{past_order.pk}/").content.decode()
    assert 'data-testid="reorder"' in client.get("/orders/").content.decode()

    response = client.post(f"/orders/{past_order.pk}/reorder/", follow=True)

    assert response.redirect_chain[-1][0] == "/cart/"
    html = response.content.decode()
    assert "Added 5 items from your order to your cart" in html
    assert "Added 3 of the 4 you ordered. Only 3 units of “Masala Tea” available." in html
    assert "Not added: “Desk Lamp” is no longer sold." in html
    assert client.post(f"/orders/{uuid.uuid4()}/reorder/").status_code == 404
