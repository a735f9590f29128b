"""My orders, the order page and the orders API are kept (shop.pagecache, docs/decisions/0025):
a hit makes no query, and every change of what they show is there on the next request."""

from __future__ import annotations

import re
import socket
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from orders.models import Order
from orders.services import order_mark_delivered, order_mark_packed, order_mark_shipped, orders_archive
from payments.backends.base import GatewayError
from payments.backends.simulated import SimulatedGateway
from tests.orders.helpers import gateway_notifies, place


@pytest.fixture
def item(world):
    return world.add_item("A", title="Brass Lamp", stock={"DEL1": 100})


@pytest.fixture
def shopper(client, world):
    client.force_login(world.customer)
    return client


@pytest.fixture
def api(world):
    client = APIClient()
    client.force_authenticate(world.customer)
    return client


def status_shown(html: str) -> set[str]:
    return set(re.findall(r'data-status="([a-z_]+)"', html))


def unmasked(html: bytes) -> bytes:
    """The page without its CSRF tokens (masked afresh for each response)."""
    return re.sub(rb'name="csrfmiddlewaretoken" value="[^"]*"', b"", html)


def test_a_kept_hit_makes_no_query(shopper, api, world, item, django_assert_num_queries):
    order = place(world.customer.pk, item)
    paths = ["/orders/", "/orders/?status=pending_payment", f"/orders/{order.pk}/",
             f"/orders/{order.pk}/?payment=cancel"]
    first = {path: shopper.get(path).content for path in paths}
    answers = {path: api.get(path).content for path in ("/api/v1/orders", f"/api/v1/orders/{order.pk}")}
    with django_assert_num_queries(0):
        for path in paths:
            response = shopper.get(path)
            assert response.status_code == 200
            if "payment=" not in path:  # that one's message is composed per request, and is used once
                assert unmasked(response.content) == unmasked(first[path])
        for path, body in answers.items():
            assert api.get(path).content == body  # the same bytes as when it was built


def test_the_payment_message_is_each_requests_own(shopper, world, item):
    order = place(world.customer.pk, item)
    for _ in range(2):
        html = shopper.get(f"/orders/{order.pk}/?payment=fail").content.decode()
        assert "The payment failed." in html
    html = shopper.get(f"/orders/{order.pk}/").content.decode()
    assert "The payment failed." not in html  # not frozen into the kept page
    told_paid = shopper.get(f"/orders/{order.pk}/?payment=pay").content.decode()
    assert "Confirming your payment" in told_paid and 'http-equiv="refresh"' in told_paid
    assert 'http-equiv="refresh"' not in shopper.get(f"/orders/{order.pk}/").content.decode()


def test_a_new_order_appears_at_once(shopper, api, world, item):
    first = place(world.customer.pk, item)
    assert first.reference in shopper.get("/orders/").content.decode()
    assert len(api.get("/api/v1/orders").json()["results"]) == 1

    second = place(world.customer.pk, item)

    html = shopper.get("/orders/").content.decode()
    assert first.reference in html and second.reference in html
    assert [o["id"] for o in api.get("/api/v1/orders").json()["results"]] == [str(second.pk), str(first.pk)]


def test_a_status_change_shows_on_the_order_page_the_list_and_the_api(shopper, api, world, item):
    order = place(world.customer.pk, item)
    detail, listing = f"/orders/{order.pk}/", "/orders/?status=placed"
    gateway_notifies(order, "succeeded")
    assert status_shown(shopper.get(detail).content.decode()) == {"placed"}
    assert order.reference in shopper.get(listing).content.decode()
    assert api.get(f"/api/v1/orders/{order.pk}").json()["status"] == "placed"

    order_mark_packed(order_id=order.pk)
    order_mark_shipped(order_id=order.pk)

    assert status_shown(shopper.get(detail).content.decode()) == {"in_transit"}
    assert order.reference not in shopper.get(listing).content.decode()
    assert status_shown(shopper.get("/orders/").content.decode()) >= {"in_transit"}
    assert api.get(f"/api/v1/orders/{order.pk}").json()["status"] == "in_transit"
    assert api.get("/api/v1/orders").json()["results"][0]["timeline"][-1]["status"] == "in_transit"


def test_a_payment_link_opened_later_and_a_failed_payment_show(shopper, api, world, item, monkeypatch):
    def down(self, **kwargs):
        raise GatewayError("connect timeout")

    with monkeypatch.context() as patch:
        patch.setattr(SimulatedGateway, "start", down)
        order = place(world.customer.pk, item, key="k1")
    assert order.payment_url == ""
    assert "Pay ₹" not in shopper.get(f"/orders/{order.pk}/").content.decode()
    assert api.get("/api/v1/orders").json()["results"][0]["payment_url"] is None

    order = place(world.customer.pk, item, key="k1")  # the retry (same key) opens the payment

    assert order.payment_url
    assert "Pay ₹" in shopper.get(f"/orders/{order.pk}/").content.decode()
    assert api.get("/api/v1/orders").json()["results"][0]["payment_url"].endswith(order.payment_url)

    gateway_notifies(order, "failed")  # the payment attempt fails: the order is cancelled

    html = shopper.get(f"/orders/{order.pk}/").content.decode()
    assert status_shown(html) == {"cancelled"} and "the payment failed" in html and "Pay ₹" not in html
    assert api.get("/api/v1/orders").json()["results"][0]["payment_url"] is None


def test_an_order_saved_outside_the_services_shows_at_once(shopper, api, world, item):
    """The admin, a shell or a data fix: orders.signals forgets the version on any save."""
    order = place(world.customer.pk, item)
    assert "Asha Buyer" in shopper.get(f"/orders/{order.pk}/").content.decode()
    assert api.get(f"/api/v1/orders/{order.pk}").json()["lines"][0]["quantity"] == 1

    order = Order.objects.get(pk=order.pk)
    order.ship_name = "Asha B. Buyer"
    order.save()
    line = order.lines.get()
    line.quantity = 2
    line.save()

    assert "Asha B. Buyer" in shopper.get(f"/orders/{order.pk}/").content.decode()
    assert api.get(f"/api/v1/orders/{order.pk}").json()["lines"][0]["quantity"] == 2


def _delivered_long_ago(user_id: int, item: int) -> Order:
    """An order paid, shipped and delivered, dated 40 days back (an `update`: no signal)."""
    order = place(user_id, item)
    gateway_notifies(order, "succeeded")
    for step in (order_mark_packed, order_mark_shipped, order_mark_delivered):
        step(order_id=order.pk)
    old = timezone.now() - timedelta(days=40)
    Order.objects.filter(pk=order.pk).update(updated_at=old, created_at=old)
    return order


def test_archival_keeps_the_pages_right(shopper, api, world, item):
    order = _delivered_long_ago(world.customer.pk, item)  # read afresh below
    shopper.get("/orders/")  # kept pages of the live order, under the version before archival
    shopper.get(f"/orders/{order.pk}/")
    api.get("/api/v1/orders")

    assert orders_archive(older_than=timedelta(days=30), limit=10) == 1
    assert not Order.objects.filter(pk=order.pk).exists()

    detail = shopper.get(f"/orders/{order.pk}/")
    assert detail.status_code == 200 and status_shown(detail.content.decode()) == {"delivered"}
    assert order.reference in shopper.get("/orders/").content.decode()
    assert api.get("/api/v1/orders").json()["results"][0]["id"] == str(order.pk)
    assert api.get(f"/api/v1/orders/{order.pk}").json()["status"] == "delivered"


def test_one_customer_never_sees_anothers_kept_pages(shopper, api, world, item, user_factory, client):
    mine = place(world.customer.pk, item)
    for path in ("/orders/", f"/orders/{mine.pk}/"):
        assert shopper.get(path).status_code == 200
    assert api.get("/api/v1/orders").json()["results"]

    other = user_factory(email="someone-else@example.com")
    client.force_login(other)  # the same client, now another customer's session
    html = client.get("/orders/").content.decode()
    assert mine.reference not in html and "You have no orders yet" in html
    assert client.get(f"/orders/{mine.pk}/").status_code == 404
    theirs = APIClient()
    theirs.force_authenticate(other)
    assert theirs.get("/api/v1/orders").json()["results"] == []
    assert theirs.get(f"/api/v1/orders/{mine.pk}").status_code == 404


def test_not_found_stays_not_found(shopper, api, world, item):
    made_up = uuid.uuid4()
    for _ in range(2):
        assert shopper.get(f"/orders/{made_up}/").status_code == 404
        assert shopper.get("/orders/not-an-order/").status_code == 404
        assert api.get(f"/api/v1/orders/{made_up}").status_code == 404


def test_a_page_without_the_archive_is_not_kept(shopper, api, world, item, settings):
    """With the archive down, "my orders" shows live orders and says so; once it is back, the whole
    list, without the warning: the partial page was not kept under the same version."""
    from shop.backends import reset_backends

    archived = _delivered_long_ago(world.customer.pk, item)
    assert orders_archive(older_than=timedelta(days=30), limit=10) == 1
    live = place(world.customer.pk, item)
    working = settings.BAZAAR_BACKENDS

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.BAZAAR_BACKENDS = {**working, "order_archive": {
        "BACKEND": "orders.backends.cassandra.CassandraOrderArchive",
        "OPTIONS": {"hosts": ["127.0.0.1"], "port": port, "connect_timeout": 2}}}
    reset_backends()
    html = shopper.get("/orders/").content.decode()
    assert live.reference in html and archived.reference not in html and "older orders can&#x27;t be shown" in html
    assert shopper.get(f"/orders/{archived.pk}/").status_code == 302  # not kept either
    assert api.get("/api/v1/orders").status_code == 503

    settings.BAZAAR_BACKENDS = working
    reset_backends()
    html = shopper.get("/orders/").content.decode()
    assert live.reference in html and archived.reference in html and "older orders can&#x27;t be shown" not in html
    assert shopper.get(f"/orders/{archived.pk}/").status_code == 200
    assert len(api.get("/api/v1/orders").json()["results"]) == 2
