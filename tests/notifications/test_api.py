"""GET /api/v1/notifications and POST /api/v1/notifications/read: the customer's own only."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from notifications.models import Notification

pytestmark = [pytest.mark.django_db]


def test_list_shape_newest_first_and_own_only(api, customer, stranger, notify):
    older = notify(customer, "Your order is placed")
    notify(stranger, "Someone else's order")
    newer = notify(customer, "Your order is on its way", kind=Notification.Kind.ORDER_SHIPPED)

    response = api.get("/api/v1/notifications")

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"next", "previous", "results"}
    assert [n["id"] for n in body["results"]] == [newer.pk, older.pk]
    first = body["results"][0]
    assert set(first) == {"id", "kind", "title", "body", "link", "created_at", "read_at", "unread"}
    assert first["kind"] == "order_shipped"
    assert first["title"] == "Your order is on its way"
    assert first["link"] == "/orders/0c4e2f9a-1111-4222-8333-444455556666/"
    assert first["read_at"] is None
    assert first["unread"] is True


def test_cursor_pages(api, customer, notify):
    made = [notify(customer, f"Notification {n}").pk for n in range(25)]
    first = api.get("/api/v1/notifications").json()
    assert len(first["results"]) == 20
    second = api.get(first["next"]).json()
    assert [n["id"] for n in first["results"] + second["results"]] == made[::-1]
    assert second["next"] is None


def test_a_made_up_cursor_is_a_404(api):
    assert api.get("/api/v1/notifications?cursor=bm9uc2Vuc2U").status_code == 404


def test_mark_all_read_touches_only_mine(api, customer, stranger, notify):
    notify(customer)
    notify(customer)
    notify(stranger)

    response = api.post("/api/v1/notifications/read")
    assert response.status_code == 200
    assert response.json() == {"marked": 2, "unread": 0}
    assert api.post("/api/v1/notifications/read").json() == {"marked": 0, "unread": 0}

    results = api.get("/api/v1/notifications").json()["results"]
    assert all(n["read_at"] and n["unread"] is False for n in results)
    assert Notification.objects.filter(user_id=stranger.pk, read_at__isnull=True).count() == 1


@pytest.mark.parametrize(("method", "url"), [("get", "/api/v1/notifications"),
                                             ("post", "/api/v1/notifications/read")])
def test_authentication_required(method, url):
    response = getattr(APIClient(), method)(url)
    assert response.status_code == 403  # session auth first: DRF answers 403, as for cart and orders
