"""Paying again for an order whose payment failed or expired: stock allocated afresh, a new payment
attempt, and an earlier attempt that still takes money refunded (decision 0033)."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from events.models import OutboxEvent
from events.services import relay_pending
from inventory.interface import InsufficientStock, availability_get
from inventory.models import Stock
from orders.models import Order
from orders.reconciliation import reconcile
from orders.services import (
    RetryNotAllowed,
    order_cancel,
    order_expire_stale,
    order_fail_payment,
    order_payment_retry,
)
from payments.backends.simulated import SIGNATURE_HEADER, sign
from payments.models import Payment, SimulatedCharge
from payments.services import notification_receive
from tests.orders.helpers import (
    charge_of,
    customer_presses,
    gateway_notifies,
    payment_of,
    place,
    refreshed,
)

pytestmark = pytest.mark.django_db(transaction=True)


def event_types(order) -> list[str]:
    return list(OutboxEvent.objects.filter(key=str(order.pk)).order_by("id").values_list("type", flat=True))


def failed(buyer, item, quantity: int = 2) -> Order:
    order = place(buyer.pk, item, quantity)
    customer_presses(order, "fail")
    order = refreshed(order)
    assert (order.status, order.cancel_reason) == (Order.Status.CANCELLED, "payment_failed")
    return order


def expired(buyer, item, quantity: int = 2) -> Order:
    order = place(buyer.pk, item, quantity)
    customer_presses(order, "cancel")  # leaves the gateway's page: no answer
    assert order_expire_stale(now=order.expires_at + timedelta(seconds=1)) == 1
    order = refreshed(order)
    assert (order.status, order.cancel_reason) == (Order.Status.CANCELLED, "expired")
    return order


def the_gateway_took_the_money_of(order, attempt: int) -> None:
    """The attempt's charge succeeded at the gateway after all (a bank's late confirmation, money
    taken as we voided); its notification has not been sent yet."""
    SimulatedCharge.objects.filter(pk=charge_of(order, attempt).pk).update(status=SimulatedCharge.Status.SUCCEEDED)


def test_a_failed_payment_is_paid_again_and_the_order_placed(item, buyer):
    order = failed(buyer, item)
    first_page = order.payment_url
    assert availability_get(item_ids=[item]) == {item: 3}  # released at the failure

    order = order_payment_retry(order_id=order.pk, user_id=buyer.pk)

    assert order.status == Order.Status.PENDING_PAYMENT and order.cancel_reason == ""
    assert order.payment_url.startswith("/payments/simulated/") and order.payment_url != first_page
    assert order.expires_at > timezone.now()
    assert availability_get(item_ids=[item]) == {item: 1}  # held again
    assert order.shipments.get().status == "pending"
    assert [(p.attempt, p.status) for p in Payment.objects.filter(order_id=str(order.pk)).order_by("attempt")] == [
        (1, "failed"), (2, "created")]

    customer_presses(order, "pay")  # on the new attempt's page

    order = refreshed(order)
    assert order.status == Order.Status.PLACED and order.placed_at
    assert payment_of(order).status == "succeeded"
    stock = Stock.objects.get(item_id=item)
    assert (stock.on_hand, stock.reserved) == (1, 0)
    assert [c.to_status for c in order.timeline.filter(shipment=None)] == [
        "pending_payment", "cancelled", "pending_payment", "placed"]
    assert "paying again (was payment_failed)" in [c.reason for c in order.timeline.all()]
    types = event_types(order)
    assert types.index("orders.payment_retried.v1") < types.index("orders.order_placed.v1")
    retried = OutboxEvent.objects.get(key=str(order.pk), type="orders.payment_retried.v1").payload
    assert (retried["attempt"], retried["previous_attempt"], retried["was"]) == (2, 1, "payment_failed")
    assert reconcile().findings == []  # the current attempt is the one every check reads


def test_an_expired_order_is_paid_again(item, buyer):
    order = expired(buyer, item)
    assert charge_of(order).status == "voided"

    order = order_payment_retry(order_id=order.pk, user_id=buyer.pk)
    assert order.status == Order.Status.PENDING_PAYMENT
    assert payment_of(order).attempt == 2
    assert payment_of(order, 1).status == "voided"  # untouched: voided at the expiry
    customer_presses(order, "pay")

    assert refreshed(order).status == Order.Status.PLACED
    assert availability_get(item_ids=[item]) == {item: 1}


def test_a_retried_order_that_is_not_paid_expires_again_and_only_its_new_attempt_is_voided(item, buyer):
    order = order_payment_retry(order_id=failed(buyer, item).pk, user_id=buyer.pk)

    assert order_expire_stale(now=order.expires_at + timedelta(seconds=1)) == 1

    order = refreshed(order)
    assert (order.status, order.cancel_reason) == (Order.Status.CANCELLED, "expired")
    assert (payment_of(order, 1).status, payment_of(order, 2).status) == ("failed", "voided")
    assert availability_get(item_ids=[item]) == {item: 3}
    assert order_payment_retry(order_id=order.pk, user_id=buyer.pk).status == Order.Status.PENDING_PAYMENT
    assert payment_of(order).attempt == 3  # and again, while the window lasts


def test_paying_again_is_refused_when_the_stock_is_gone_and_nothing_changes(item, buyer, world_tx):
    order = failed(buyer, item)
    rival = place(world_tx.seller.pk, item, 3)  # someone else buys all three meanwhile
    customer_presses(rival, "pay")
    timeline = list(order.timeline.values_list("to_status", flat=True))

    with pytest.raises(InsufficientStock):
        order_payment_retry(order_id=order.pk, user_id=buyer.pk)

    after = refreshed(order)
    assert (after.status, after.cancel_reason, after.payment_url) == ("cancelled", "payment_failed", order.payment_url)
    assert list(after.timeline.values_list("to_status", flat=True)) == timeline
    assert Payment.objects.filter(order_id=str(order.pk)).count() == 1
    assert "orders.payment_retried.v1" not in event_types(order)


def test_a_double_click_returns_the_same_attempt(item, buyer):
    order = failed(buyer, item)

    first = order_payment_retry(order_id=order.pk, user_id=buyer.pk)
    second = order_payment_retry(order_id=order.pk, user_id=buyer.pk)

    assert first.payment_url == second.payment_url
    assert Payment.objects.filter(order_id=str(order.pk)).count() == 2
    assert SimulatedCharge.objects.filter(order_id=str(order.pk)).count() == 2
    assert availability_get(item_ids=[item]) == {item: 1}  # held once
    assert event_types(order).count("orders.payment_retried.v1") == 1


def test_an_earlier_attempt_that_succeeds_while_the_retry_waits_is_refunded(item, buyer):
    order = expired(buyer, item)
    order = order_payment_retry(order_id=order.pk, user_id=buyer.pk)
    # The race: attempt 1's money was taken as we voided it, and its success notification only
    # arrives now, while the order waits on attempt 2.
    the_gateway_took_the_money_of(order, 1)
    gateway_notifies(order, "succeeded", attempt=1)

    order = refreshed(order)
    assert order.status == Order.Status.PENDING_PAYMENT  # it waits on attempt 2, not placed by 1
    assert (payment_of(order, 1).status, charge_of(order, 1).status) == ("refunded", "refunded")
    refund = OutboxEvent.objects.get(key=str(order.pk), type="orders.late_payment_refunded.v1").payload
    assert (refund["policy"], refund["attempt"]) == ("superseded_attempt", 1)

    customer_presses(order, "pay")  # attempt 2

    order = refreshed(order)
    assert order.status == Order.Status.PLACED
    assert (payment_of(order, 1).status, payment_of(order, 2).status) == ("refunded", "succeeded")
    assert availability_get(item_ids=[item]) == {item: 1}
    assert reconcile().findings == []


def test_an_earlier_attempt_that_succeeds_after_the_retry_was_paid_is_refunded(item, buyer):
    order = order_payment_retry(order_id=expired(buyer, item).pk, user_id=buyer.pk)
    customer_presses(order, "pay")
    assert refreshed(order).status == Order.Status.PLACED

    the_gateway_took_the_money_of(order, 1)
    gateway_notifies(order, "succeeded", attempt=1)

    order = refreshed(order)
    assert order.status == Order.Status.PLACED  # the order is paid once, by attempt 2
    assert (payment_of(order, 1).status, payment_of(order, 2).status) == ("refunded", "succeeded")
    assert charge_of(order, 2).status == "succeeded"


def test_an_earlier_attempts_failure_leaves_the_retried_order_waiting(item, buyer):
    order = place(buyer.pk, item, 1)
    customer_presses(order, "cancel")
    order_expire_stale(now=order.expires_at + timedelta(seconds=1))
    Payment.objects.filter(order_id=str(order.pk)).update(status="created")  # never voided on our side
    order = order_payment_retry(order_id=order.pk, user_id=buyer.pk)

    order_fail_payment(order_id=str(order.pk), reason="declined", attempt=1)

    assert refreshed(order).status == Order.Status.PENDING_PAYMENT


def test_a_success_recorded_but_not_yet_applied_refuses_the_retry(item, buyer, settings):
    """Attempt 1's success is recorded by payments while its event is still on the way to orders:
    the order is about to be placed (late payment honoured), not paid again."""
    settings.LATE_PAYMENT_POLICY = "honour"
    order = expired(buyer, item)
    the_gateway_took_the_money_of(order, 1)
    body = json.dumps({"event_id": f"evt_{uuid.uuid4().hex}", "ref": charge_of(order).ref,
                       "outcome": "succeeded"}).encode()
    notification_receive(gateway_name="simulated", body=body, headers={SIGNATURE_HEADER: sign(body)})

    with pytest.raises(RetryNotAllowed, match="went through"):
        order_payment_retry(order_id=order.pk, user_id=buyer.pk)

    relay_pending()
    order = refreshed(order)
    assert order.status == Order.Status.PLACED  # the late payment, honoured
    assert Payment.objects.filter(order_id=str(order.pk)).count() == 1


@pytest.mark.parametrize("how", ["paid", "cancelled_by_customer", "too_old", "someone_elses"])
def test_paying_again_is_refused(item, buyer, world_tx, settings, how):
    settings.ORDER_RETRY_WINDOW_SECONDS = 3600
    order = place(buyer.pk, item, 1)
    if how == "paid":
        customer_presses(order, "pay")
    elif how == "cancelled_by_customer":
        order_cancel(order_id=order.pk, user_id=buyer.pk)
    else:
        customer_presses(order, "fail")
    if how == "too_old":
        Order.objects.filter(pk=order.pk).update(updated_at=timezone.now() - timedelta(hours=2))
    user_id = world_tx.seller.pk if how == "someone_elses" else buyer.pk
    before = refreshed(order)

    with pytest.raises(Exception) as refused:
        order_payment_retry(order_id=order.pk, user_id=user_id)

    assert type(refused.value).__name__ == ("OrderNotFound" if how == "someone_elses" else "RetryNotAllowed")
    after = refreshed(order)
    assert (after.status, after.cancel_reason, after.updated_at) == (before.status, before.cancel_reason,
                                                                     before.updated_at)
    assert Payment.objects.filter(order_id=str(order.pk)).count() == 1


def test_the_window_never_reaches_archival(settings):
    from orders.services import MIN_ARCHIVE_AGE, retry_window

    settings.ORDER_RETRY_WINDOW_SECONDS = 30 * 86400
    assert retry_window() < MIN_ARCHIVE_AGE


def test_reconciliation_refunds_an_earlier_attempts_money_whose_refund_was_lost(item, buyer):
    order = order_payment_retry(order_id=expired(buyer, item).pk, user_id=buyer.pk)
    customer_presses(order, "pay")
    # Attempt 1 succeeded at the gateway and on our side, but the event that would refund it was lost.
    the_gateway_took_the_money_of(order, 1)
    Payment.objects.filter(order_id=str(order.pk), attempt=1).update(
        status="succeeded", updated_at=timezone.now() - timedelta(minutes=10))

    run = reconcile()

    assert [(f["check"], f["repaired"]) for f in run.findings] == [("superseded_attempt_paid", True)]
    assert payment_of(order, 1).status == "refunded" and charge_of(order, 1).status == "refunded"
    assert refreshed(order).status == Order.Status.PLACED
    assert reconcile().findings == []


# --- At once (threads, one connection each; MariaDB in CI: DATABASE_URL=mysql://…) -----------------

def test_clicks_at_once_open_one_attempt_and_hold_the_stock_once(item, buyer):
    from tests.orders.test_concurrency import run_concurrently

    order = failed(buyer, item)

    results = run_concurrently(lambda: order_payment_retry(order_id=order.pk, user_id=buyer.pk), [()] * 4,
                               workers=4)

    assert [r for r in results if isinstance(r, Exception)] == []
    assert len({r.payment_url for r in results}) == 1
    assert Payment.objects.filter(order_id=str(order.pk)).count() == 2
    assert availability_get(item_ids=[item]) == {item: 1}
    assert event_types(order).count("orders.payment_retried.v1") == 1


@pytest.mark.parametrize("policy", ["honour", "refund"])
def test_an_earlier_attempts_success_racing_the_retry_ends_in_one_consistent_state(world_tx, settings, policy):
    """Attempt 1's success notification and the customer's "Try paying again" at once, for many
    orders: each ends either paid by attempt 1 (the retry refused) or waiting on attempt 2 with
    attempt 1 refunded; never both, never money kept without an order that waits for or has it."""
    from tests.orders.test_concurrency import run_concurrently

    settings.LATE_PAYMENT_POLICY = policy
    item = world_tx.add_item("RACE", stock={"DEL1": 20})
    orders = []
    for _ in range(6):
        order = place(world_tx.customer.pk, item, 1)
        customer_presses(order, "cancel")
        order_expire_stale(now=order.expires_at + timedelta(seconds=1))
        the_gateway_took_the_money_of(order, 1)
        orders.append(refreshed(order))

    def notify(order):
        body = json.dumps({"event_id": f"evt_{uuid.uuid4().hex}", "ref": charge_of(order, 1).ref,
                           "outcome": "succeeded"}).encode()
        notification_receive(gateway_name="simulated", body=body, headers={SIGNATURE_HEADER: sign(body)})
        relay_pending()

    def retry(order):
        return order_payment_retry(order_id=order.pk, user_id=world_tx.customer.pk)

    calls = [call for order in orders for call in ((notify, order), (retry, order))]
    results = run_concurrently(lambda fn, order: fn(order), calls, workers=4)
    assert [r for r in results if isinstance(r, Exception) and not isinstance(r, RetryNotAllowed)] == []
    # A handler that lost a deadlock (MariaDB) is delivered again after its backoff: at least once.
    relay_pending(now=timezone.now() + timedelta(minutes=5))

    for order in orders:
        order = refreshed(order)
        attempts = dict(Payment.objects.filter(order_id=str(order.pk)).values_list("attempt", "status"))
        if attempts.keys() == {1}:  # the success came first: the late-payment policy decided
            assert attempts[1] == ("succeeded" if policy == "honour" else "refunded")
            assert order.status == ("placed" if policy == "honour" else "cancelled")
        else:  # the retry came first: attempt 1 is refunded, the order waits on attempt 2
            assert attempts == {1: "refunded", 2: "created"}
            assert order.status == Order.Status.PENDING_PAYMENT
    stock = Stock.objects.get(item_id=item)
    waiting_or_placed = Order.objects.filter(status__in=["placed", "pending_payment"]).count()
    assert stock.on_hand - stock.reserved == 20 - waiting_or_placed


# --- The order page's "Try paying again" and the API ------------------------------------------------

@pytest.fixture
def shopper(client, buyer):
    client.force_login(buyer)
    return client


@pytest.fixture
def api(buyer):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(buyer)
    return client


def test_the_order_page_offers_to_pay_again_and_sends_the_customer_to_the_new_payment(item, buyer, shopper):
    order = failed(buyer, item)
    html = shopper.get(f"/orders/{order.pk}/").content.decode()
    assert "Try paying again" in html and f'action="/orders/{order.pk}/pay-again/"' in html

    response = shopper.post(f"/orders/{order.pk}/pay-again/")

    order = refreshed(order)
    assert response.status_code == 302 and response["Location"] == order.payment_url
    assert order.status == Order.Status.PENDING_PAYMENT
    html = shopper.get(f"/orders/{order.pk}/").content.decode()  # the kept page follows the order
    assert "Try paying again" not in html and f'href="{order.payment_url}"' in html


def test_the_order_page_says_why_it_cannot_be_paid_again(item, buyer, world_tx, shopper):
    order = failed(buyer, item)
    customer_presses(place(world_tx.seller.pk, item, 3), "pay")  # the stock is gone

    response = shopper.post(f"/orders/{order.pk}/pay-again/", follow=True)

    html = response.content.decode()
    assert "no longer in stock" in html and "Buy again" in html
    assert refreshed(order).status == Order.Status.CANCELLED
    assert shopper.post(f"/orders/{uuid.uuid4()}/pay-again/").status_code == 404


def test_the_api_pays_again_and_repeats_answer_the_same_attempt(item, buyer, api):
    order = failed(buyer, item)

    first = api.post(f"/api/v1/orders/{order.pk}/payment-retry")
    again = api.post(f"/api/v1/orders/{order.pk}/payment-retry")

    assert first.status_code == 200, first.content
    assert first.json()["status"] == "pending_payment"
    assert first.json()["payment_url"].endswith(refreshed(order).payment_url)
    assert again.status_code == 200 and again.json()["payment_url"] == first.json()["payment_url"]


def test_the_api_refuses_with_409_problems(item, buyer, world_tx, api):
    paid = place(buyer.pk, item, 1)
    customer_presses(paid, "pay")
    response = api.post(f"/api/v1/orders/{paid.pk}/payment-retry")
    assert response.status_code == 409
    assert response["Content-Type"].startswith("application/problem+json")
    assert response.json()["type"].endswith("retry-not-allowed") and response.json()["order_status"] == "placed"

    order = failed(buyer, item, 2)  # 2 of the 2 left
    customer_presses(place(world_tx.seller.pk, item, 1), "pay")
    response = api.post(f"/api/v1/orders/{order.pk}/payment-retry")
    assert response.status_code == 409
    assert response.json()["type"].endswith("stock-gone")
    assert response.json()["items"] == [{"product_id": item, "available": 1}]

    assert api.post(f"/api/v1/orders/{uuid.uuid4()}/payment-retry").status_code == 404
