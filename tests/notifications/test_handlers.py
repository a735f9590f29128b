"""Order events become one inbox notification and one email, sent after the commit, once."""

from __future__ import annotations

import pytest
from django.core import mail

from events.registry import dispatch
from notifications.models import Notification
from notifications.services import notification_email_send
from tests.notifications.helpers import order_event

pytestmark = pytest.mark.django_db


def test_order_placed_creates_one_notification_and_one_email_after_commit(
        customer, django_capture_on_commit_callbacks):
    event = order_event("orders.order_placed.v1", user_id=customer.pk, total_paise=129950)

    with django_capture_on_commit_callbacks(execute=True):
        dispatch(event)
        assert mail.outbox == []  # never inside the transaction

    notification = Notification.objects.get(user_id=customer.pk)
    order_id = event.payload["order_id"]
    assert notification.kind == "order_placed"
    assert notification.title == "Your order is placed"
    assert notification.link == f"/orders/{order_id}/"
    assert "₹1,299.50" in notification.body
    assert "3 items" in notification.body
    assert notification.read_at is None
    assert notification.emailed_at is not None
    [email] = mail.outbox
    assert email.to == ["asha@example.com"]
    assert email.subject == "Your order is placed"
    assert "₹1,299.50" in email.body
    assert f"/orders/{order_id}/" in email.body


def test_a_redelivered_event_changes_nothing(customer, django_capture_on_commit_callbacks):
    event = order_event("orders.order_placed.v1", user_id=customer.pk)
    with django_capture_on_commit_callbacks(execute=True):
        dispatch(event)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        dispatch(event)

    assert callbacks == []
    assert Notification.objects.count() == 1
    assert len(mail.outbox) == 1


def test_the_email_task_run_twice_sends_once(customer, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        dispatch(order_event("orders.order_placed.v1", user_id=customer.pk))
    notification = Notification.objects.get()

    assert notification_email_send(notification_id=notification.pk) is False
    assert len(mail.outbox) == 1


def test_a_failing_mail_server_leaves_the_inbox_and_raises_for_a_retry(customer, settings):
    dispatch(order_event("orders.order_placed.v1", user_id=customer.pk))  # on_commit not run here
    notification = Notification.objects.get()
    settings.MAILERS = {"default": {"BACKEND": "tests.notifications.helpers.FailingBackend"}}

    from smtplib import SMTPException

    with pytest.raises(SMTPException):
        notification_email_send(notification_id=notification.pk)
    notification.refresh_from_db()
    assert notification.emailed_at is None  # the retry will send it

    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    assert notification_email_send(notification_id=notification.pk) is True
    assert len(mail.outbox) == 1


def test_the_task_is_registered_under_its_stable_name():
    from shop.celery import app

    assert "notifications.send_email" in app.tasks


@pytest.mark.parametrize(("reason", "expected"), [
    ("expired", "We didn't receive your payment in time, so we cancelled the order"),
    ("payment_failed", "Your payment didn't go through, so we cancelled the order."),
    ("late_payment_refund", "are refunding the full amount"),
    ("out_of_stock_at_warehouse", "We cancelled the order (out of stock at warehouse)."),
])
def test_cancelled_orders_say_why_in_plain_words(customer, reason, expected, django_capture_on_commit_callbacks):
    event = order_event("orders.order_cancelled.v1", user_id=customer.pk, status="cancelled",
                        total_paise=49900, reason=reason)
    with django_capture_on_commit_callbacks(execute=True):
        dispatch(event)

    notification = Notification.objects.get()
    assert notification.kind == "order_cancelled"
    assert notification.title == "Your order was cancelled"
    assert expected in notification.body
    assert "₹499" in notification.body
    assert "_" not in notification.body
    assert mail.outbox[0].subject == "Your order was cancelled"


def test_a_late_payment_that_was_honoured_reads_as_placed_after_all(customer):
    order_id = "0c4e2f9a-1111-4222-8333-444455556666"
    dispatch(order_event("orders.order_cancelled.v1", user_id=customer.pk, order_id=order_id, reason="expired"))
    dispatch(order_event("orders.order_placed.v1", user_id=customer.pk, order_id=order_id))
    dispatch(order_event("orders.late_payment_honoured.v1", user_id=None, order_id=order_id))

    placed = Notification.objects.get(kind="order_placed")
    assert placed.title == "Good news: your order is placed after all"
    assert "#0C4E2F9A" in placed.body
    assert Notification.objects.count() == 2  # honoured adds nothing: placed said it


def test_late_payment_refund_without_a_user_id_is_skipped(customer):
    """Today's orders payload carries no user_id, and notifications may not read orders' tables."""
    dispatch(order_event("orders.late_payment_refunded.v1", user_id=None, reason="late payment"))
    assert Notification.objects.count() == 0


def test_late_payment_refund_with_a_user_id_is_told(customer):
    dispatch(order_event("orders.late_payment_refunded.v1", user_id=customer.pk, reason="late payment"))
    notification = Notification.objects.get()
    assert notification.kind == "refund_started"
    assert "refunding it in full" in notification.body


@pytest.mark.parametrize(("event_type", "kind", "title"), [
    ("orders.order_shipped.v1", "order_shipped", "Your order is on its way"),
    ("orders.order_delivered.v1", "order_delivered", "Your order has been delivered"),
])
def test_fulfilment_steps_are_told(customer, event_type, kind, title):
    dispatch(order_event(event_type, user_id=customer.pk, quantities=(1,)))
    notification = Notification.objects.get()
    assert (notification.kind, notification.title) == (kind, title)
    assert "(1 item)" in notification.body


def test_a_customer_without_an_active_account_gets_no_email(user_factory, django_capture_on_commit_callbacks):
    gone = user_factory(is_active=False)
    with django_capture_on_commit_callbacks(execute=True):
        dispatch(order_event("orders.order_placed.v1", user_id=gone.pk))
    assert Notification.objects.count() == 1
    assert mail.outbox == []
