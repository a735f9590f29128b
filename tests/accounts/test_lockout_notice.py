"""When an account's log-ins lock after too many wrong passwords, its owner is told by email once
(issue 10: "an account lockout notice by email"), through `accounts.login_locked.v1`.

The event is emitted whether or not the email has an account, so the failing request does the same
work either way; only an event with a user id becomes a notification.
"""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse
from rest_framework.test import APIClient

from events.interface import Event
from events.models import OutboxEvent
from events.registry import dispatch
from notifications.models import Notification

PASSWORD = "a-long-test-password"
LOCKED = "accounts.login_locked.v1"



def fail_log_ins(client, email: str, times: int) -> list[int]:
    """`times` wrong passwords for `email`, each from its own address (so only the account's limit
    can lock), through the log-in page."""
    return [client.post(reverse("accounts:login"), {"username": email, "password": "wrong"},
                        HTTP_X_FORWARDED_FOR=f"198.51.100.{n}").status_code
            for n in range(times)]


def deliver(row: OutboxEvent, capture) -> None:
    with capture(execute=True):
        dispatch(Event(event_id=row.event_id, type=row.type, key=row.key, payload=row.payload,
                       occurred_at=row.occurred_at))


@pytest.mark.django_db
def test_the_owner_is_emailed_once_when_wrong_passwords_lock_their_account(
        client, settings, user_factory, django_capture_on_commit_callbacks):
    settings.TRUSTED_PROXIES = 1
    owner = user_factory(email="meera@example.com", password=PASSWORD)

    statuses = fail_log_ins(client, "Meera@Example.com", 14)

    assert statuses == [200] * 10 + [429] * 4
    [row] = OutboxEvent.objects.filter(type=LOCKED)  # the refused tries after the lock add nothing
    assert row.payload["user_id"] == owner.pk
    assert row.payload["failed_attempts"] == 10
    assert "email" not in row.payload and "meera" not in str(row.payload).lower()

    deliver(row, django_capture_on_commit_callbacks)
    deliver(row, django_capture_on_commit_callbacks)  # a redelivery tells nobody twice

    [notice] = Notification.objects.filter(user_id=owner.pk)
    assert notice.kind == Notification.Kind.ACCOUNT_SECURITY
    [email] = mail.outbox
    assert email.to == ["meera@example.com"]
    assert email.subject == "Log-ins to your account are paused"
    assert "10 failed log-ins" in email.body and "Nobody got in" in email.body
    assert reverse("accounts:password_reset") in email.body


@pytest.mark.django_db
def test_an_email_without_an_account_locks_alike_and_nobody_is_emailed(
        client, settings, django_capture_on_commit_callbacks):
    settings.TRUSTED_PROXIES = 1

    assert fail_log_ins(client, "nobody@example.com", 11) == [200] * 10 + [429]

    [row] = OutboxEvent.objects.filter(type=LOCKED)
    assert row.payload["user_id"] is None
    deliver(row, django_capture_on_commit_callbacks)
    assert not Notification.objects.exists()
    assert mail.outbox == []


@pytest.mark.django_db
def test_mistakes_followed_by_the_right_password_tell_nobody(client, settings, user_factory):
    settings.TRUSTED_PROXIES = 1
    user_factory(email="meera@example.com", password=PASSWORD)

    fail_log_ins(client, "meera@example.com", 9)
    right = client.post(reverse("accounts:login"), {"username": "meera@example.com", "password": PASSWORD})

    assert right.status_code == 302
    assert not OutboxEvent.objects.filter(type=LOCKED).exists()


@pytest.mark.django_db
def test_the_api_token_endpoint_locks_and_tells_the_owner_the_same_way(settings, user_factory):
    settings.TRUSTED_PROXIES = 1
    api_client = APIClient()
    owner = user_factory(email="meera@example.com", password=PASSWORD)

    statuses = [api_client.post(reverse("api:auth-token"), {"email": "meera@example.com", "password": "wrong"},
                                format="json", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}").status_code
                for n in range(11)]

    assert statuses == [401] * 10 + [429]
    [row] = OutboxEvent.objects.filter(type=LOCKED)
    assert row.payload["user_id"] == owner.pk
