"""Behaviour events (issue 9 item 1): what a visitor does becomes a behaviour event on the batched
analytics path, with ids and the PIN only; with the in-process bus they reach the lake in batches."""

from __future__ import annotations

import pytest
from django.test import Client

from cart.interface import CartOwner, cart_add, cart_remove
from events.models import OutboxEvent
from events.services import relay_pending
from orders.services import (
    order_fail_payment,
    order_mark_delivered,
    order_mark_packed,
    order_mark_paid,
    order_mark_shipped,
)
from recommendations.behaviour import BehaviourType, behaviour_event_type
from recommendations.lake import lake_events, lake_files
from recommendations.lake_inbox import lake_drain
from recommendations.models import LakeInbox
from recommendations.visitor import RECENT_COOKIE, VISITOR_KEY
from tests.orders.helpers import place
from tests.recommendations.results import add_item
from tests.shop_world import BENGALURU_PIN, DELHI_PIN
from wishlist.services import wishlist_add, wishlist_remove

pytestmark = pytest.mark.django_db


@pytest.fixture
def lake(tmp_path, settings):
    settings.BEHAVIOUR_LAKE_PATH = str(tmp_path / "lake")
    return tmp_path / "lake"


def behaviour(kind: BehaviourType) -> list[dict]:
    return [e.payload for e in OutboxEvent.objects.filter(type=behaviour_event_type(kind)).order_by("id")]


def test_a_product_view_is_recorded_with_the_visitor_customer_and_pin(world, client):
    item = add_item(world, "PHONE", title="Phone")
    client.force_login(world.customer)
    response = client.get(f"/p/{item}/", follow=True)
    assert response.status_code == 200
    [viewed] = behaviour(BehaviourType.PRODUCT_VIEWED)
    assert viewed == {"visitor_id": client.session[VISITOR_KEY], "customer_id": world.customer.pk,
                      "item_id": item, "category_id": world.category_id, "price_paise": 49_900,
                      "pin_code": BENGALURU_PIN, "query": "", "position": None, "quantity": 1}
    assert response.cookies[RECENT_COOKIE].value == str(item)


def test_an_anonymous_visitor_keeps_one_visitor_id_across_log_in(world, client):
    item = add_item(world, "PHONE", title="Phone")
    client.get(f"/p/{item}/phone/")
    client.force_login(world.customer)
    client.get(f"/p/{item}/phone/")
    first, second = behaviour(BehaviourType.PRODUCT_VIEWED)
    assert first["visitor_id"] == second["visitor_id"] != ""
    assert (first["customer_id"], second["customer_id"]) == (None, world.customer.pk)


def test_a_search_result_click_is_recorded_before_the_redirect_and_the_redirect_is_not_permanent(world):
    item = add_item(world, "PHONE", title="Redmi phone")
    client = Client(HTTP_REFERER="http://testserver/search/?q=redmi+phone&page=2")
    response = client.get(f"/p/{item}/?ref=search&pos=23")
    assert response.status_code == 302 and response["Location"] == f"/p/{item}/redmi-phone/"
    [click] = behaviour(BehaviourType.SEARCH_CLICKED)
    assert (click["query"], click["position"], click["item_id"]) == ("redmi phone", 23, item)
    assert behaviour(BehaviourType.PRODUCT_VIEWED) == []  # the page itself records the view
    client.get(response["Location"])
    assert len(behaviour(BehaviourType.PRODUCT_VIEWED)) == 1
    assert len(behaviour(BehaviourType.SEARCH_CLICKED)) == 1


def test_a_click_from_another_site_keeps_no_query_and_a_bad_position_is_no_click(world):
    item = add_item(world, "PHONE", title="Phone")
    Client(HTTP_REFERER="https://elsewhere.example/?q=secret").get(f"/p/{item}/phone/?ref=search&pos=2")
    Client().get(f"/p/{item}/phone/?ref=search&pos=abc")
    [click] = behaviour(BehaviourType.SEARCH_CLICKED)
    assert (click["query"], click["position"]) == ("", 2)


def test_search_result_links_carry_the_ref_and_position(world, search_index, client):
    from search.interface import items_reindex

    items = [add_item(world, f"PH-{n}", title=f"Galaxy phone {n}") for n in range(3)]
    items_reindex(item_ids=items)
    html = client.get("/search/?q=galaxy").content.decode()
    for n in (1, 2, 3):
        assert f"?ref=search&amp;pos={n}\"" in html


def test_cart_wishlist_and_order_changes_become_behaviour_events(world):
    item = add_item(world, "PHONE", stock={"DEL1": 5, "BLR1": 5})
    owner = CartOwner.customer(world.customer.pk)
    cart_add(owner=owner, item_id=item, quantity=1)
    cart_remove(owner=owner, item_id=item)
    wishlist_add(user_id=world.customer.pk, item_id=item)
    wishlist_remove(user_id=world.customer.pk, item_id=item)
    relay_pending()
    for kind in (BehaviourType.CART_ADDED, BehaviourType.CART_REMOVED, BehaviourType.WISHLIST_ADDED,
                 BehaviourType.WISHLIST_REMOVED):
        [event] = behaviour(kind)
        assert (event["customer_id"], event["item_id"], event["category_id"], event["price_paise"]) == (
            world.customer.pk, item, world.category_id, 49_900), kind
        assert event["visitor_id"] == f"customer:{world.customer.pk}"


def test_orders_placed_cancelled_and_delivered_become_behaviour_events(world):
    item = add_item(world, "PHONE", stock={"DEL1": 5})
    order = place(world.customer.pk, item, 2)
    order_mark_paid(order_id=str(order.pk))  # what the payment-succeeded consumer does
    for step in (order_mark_packed, order_mark_shipped, order_mark_delivered):
        step(order_id=order.pk)
    failed = place(world.customer.pk, item, 1)
    order_fail_payment(order_id=str(failed.pk), reason="declined")
    relay_pending()
    units = {BehaviourType.ORDER_PLACED: 2, BehaviourType.ORDER_DELIVERED: 2, BehaviourType.ORDER_CANCELLED: 1}
    for kind, quantity in units.items():
        [event] = behaviour(kind)
        assert (event["item_id"], event["pin_code"], event["customer_id"], event["price_paise"], event["quantity"]) == (
            item, DELHI_PIN, world.customer.pk, 49_900, quantity), kind  # the unit price and the line's units


def test_behaviour_events_reach_the_lake_in_batches_not_one_file_each(world, client, lake, settings,
                                                                      django_capture_on_commit_callbacks):
    settings.RECOMMENDATIONS_LAKE_BATCH = 5
    items = [add_item(world, f"PH-{n}", title=f"Phone {n}") for n in range(4)]
    for item in items:
        client.get(f"/p/{item}/", follow=True)
    with django_capture_on_commit_callbacks(execute=True):
        relay_pending()
    assert LakeInbox.objects.count() == 4 and lake_files() == []  # waiting for a batch of 5
    client.get(f"/p/{items[0]}/", follow=True)
    with django_capture_on_commit_callbacks(execute=True):  # the consumer's commit
        relay_pending()
    assert LakeInbox.objects.count() == 0
    assert len(lake_files()) == 1  # one partition (one type, one hour): one file for five events
    assert sorted(e.item_id for e in lake_events()) == sorted([*items, items[0]])


def test_a_drain_that_is_repeated_adds_no_duplicate(world, client, lake):
    item = add_item(world, "PHONE", title="Phone")
    client.get(f"/p/{item}/phone/")
    relay_pending()
    waiting = list(LakeInbox.objects.all())
    assert lake_drain() == 1
    LakeInbox.objects.bulk_create(waiting)  # a crash after the write, before the delete
    assert lake_drain() == 1
    assert [e.item_id for e in lake_events()] == [item]
