"""The inbox page: the customer's own notifications, newest first, unread ones highlighted."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse

from notifications.interface import unread_count
from notifications.models import Notification

pytestmark = [pytest.mark.django_db]


def titles(response) -> list[str]:
    import re

    return [re.sub(r"\s+", " ", t).strip() for t in re.findall(
        r'<h2 class="notification-title">(.*?)</h2>', response.text, re.S)]


def test_the_inbox_shows_only_my_notifications_newest_first(customer_client, customer, stranger, notify):
    notify(customer, "Your order is placed")
    notify(stranger, "Someone else's order")
    notify(customer, "Your order is on its way", kind=Notification.Kind.ORDER_SHIPPED)

    response = customer_client.get("/notifications/")

    assert response.status_code == 200
    assert "Someone else" not in response.text
    assert response.text.count('data-testid="notification"') == 2
    assert response.text.index("Your order is on its way") < response.text.index("Your order is placed")
    assert response.text.count("notification-unread") == 2
    assert 'href="/orders/0c4e2f9a-1111-4222-8333-444455556666/"' in response.text
    assert "notifications/notifications.css" in response.text
    assert "<style" not in response.text.split("<main", 1)[1]


def test_mark_all_read(customer_client, customer, stranger, notify):
    notify(customer)
    notify(customer)
    notify(stranger)

    response = customer_client.post(reverse("notifications:mark_all_read"), follow=True)

    assert response.redirect_chain[-1][0] == reverse("notifications:list")
    assert "All notifications are marked as read." in response.text
    assert "notification-unread" not in response.text
    assert 'data-testid="mark-all-read"' not in response.text  # nothing left to mark
    assert Notification.objects.filter(user_id=customer.pk, read_at__isnull=True).count() == 0
    assert Notification.objects.filter(user_id=stranger.pk, read_at__isnull=True).count() == 1


def test_mark_all_read_is_post_only(customer_client):
    assert customer_client.get(reverse("notifications:mark_all_read")).status_code == 405


def test_an_empty_inbox_says_so(customer_client):
    response = customer_client.get("/notifications/")
    assert "No notifications yet." in response.text


def test_pages_of_twenty(customer_client, customer, notify):
    for n in range(23):
        notify(customer, f"Notification {n}")
    first = customer_client.get("/notifications/")
    second = customer_client.get("/notifications/?page=2")
    assert first.text.count('data-testid="notification"') == 20
    assert second.text.count('data-testid="notification"') == 3
    assert "Page 1 of 2" in first.text
    assert "Notification 0" in second.text


@pytest.mark.parametrize(("method", "url"), [("get", "/notifications/"), ("post", "/notifications/read/")])
def test_anonymous_visitors_are_sent_to_log_in(client, method, url):
    response = getattr(client, method)(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_unread_count_costs_no_query_for_anonymous_visitors(rf, django_assert_num_queries):
    request = rf.get("/")
    request.user = AnonymousUser()
    with django_assert_num_queries(0):
        assert unread_count(request) == 0


def test_unread_count_is_one_query_then_cached_and_forgotten_on_change(
        rf, customer, notify, django_assert_num_queries, django_capture_on_commit_callbacks):
    request = rf.get("/")
    request.user = customer
    notify(customer)
    with django_assert_num_queries(1):
        assert unread_count(request) == 1
    with django_assert_num_queries(0):
        assert unread_count(request) == 1

    with django_capture_on_commit_callbacks(execute=True):
        notify(customer)
    assert unread_count(request) == 2

    from notifications.services import notification_mark_all_read

    with django_capture_on_commit_callbacks(execute=True):
        notification_mark_all_read(user_id=customer.pk)
    assert unread_count(request) == 0
