"""The customer presses Pay while the Celery broker is unreachable: the charge stands, the
customer sees their order, and the payment's outcome is kept until things recover."""

from __future__ import annotations

import pytest

from events.models import OutboxEvent
from events.services import relay_pending
from orders.models import Order
from payments.models import Payment, PaymentNotification, SimulatedCharge
from tests.orders.helpers import charge_of, place, refreshed

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_broker_is_really_down(broker_down):
    from kombu.exceptions import OperationalError

    from payments.tasks import simulated_callback

    with pytest.raises(OperationalError):
        simulated_callback.apply_async(args=["{}"])


def test_pay_with_the_broker_down_shows_the_order_and_loses_nothing(world_tx, client, broker_down):
    item = world_tx.add_item("PHONE", price_paise=1_999_900, stock={"DEL1": 3})
    order = place(world_tx.customer.pk, item)
    ref = charge_of(order).ref
    client.force_login(world_tx.customer)
    client.raise_request_exception = False

    response = client.post(f"/payments/simulated/{ref}/", {"decision": "pay"})

    assert response.status_code == 302, response.content[:500]
    assert response["Location"] == f"/orders/{order.pk}/?payment=pay"
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert "Confirming your payment" in page.content.decode()
    # The money taken stays taken, and the shop knows it: stored, applied and its event in the outbox.
    assert SimulatedCharge.objects.get(ref=ref).status == SimulatedCharge.Status.SUCCEEDED
    assert Payment.objects.get(order_id=str(order.pk)).status == Payment.Status.SUCCEEDED
    assert PaymentNotification.objects.filter(payment__order_id=str(order.pk), applied=True).count() == 1
    assert OutboxEvent.objects.filter(type="payments.payment_succeeded.v1", key=str(order.pk),
                                      published_at__isnull=True).exists()

    # Things recover: the relay sweep publishes the outbox and the order is placed.
    relay_pending()
    assert refreshed(order).status == Order.Status.PLACED


def test_pressing_pay_twice_with_the_broker_down_applies_the_payment_once(world_tx, client, broker_down):
    item = world_tx.add_item("PHONE", price_paise=1_999_900, stock={"DEL1": 3})
    order = place(world_tx.customer.pk, item)
    ref = charge_of(order).ref
    client.force_login(world_tx.customer)
    client.raise_request_exception = False

    for _ in range(2):
        assert client.post(f"/payments/simulated/{ref}/", {"decision": "pay"}).status_code == 302

    assert OutboxEvent.objects.filter(type="payments.payment_succeeded.v1", key=str(order.pk)).count() == 1
    relay_pending()
    assert refreshed(order).status == Order.Status.PLACED
