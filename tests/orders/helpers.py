"""Driving an order through the simulated gateway the way a customer and the gateway would."""

from __future__ import annotations

import json
import uuid

from events.services import relay_pending
from orders.models import Order
from orders.services import OrderLineRequest, ShippingAddress, order_place
from payments.backends.simulated import SIGNATURE_HEADER, SimulatedGateway, sign
from payments.models import Payment, SimulatedCharge
from payments.services import notification_receive
from tests.shop_world import DELHI_PIN


def address(pin_code: str = DELHI_PIN) -> ShippingAddress:
    return ShippingAddress(name="Asha Buyer", line1="1 Janpath", city="New Delhi", state="Delhi",
                           pin_code=pin_code, phone="+91 99999 00000")


def place(user_id: int, item_id: int, quantity: int = 1, *, key: str | None = None,
          pin_code: str = DELHI_PIN) -> Order:
    return order_place(user_id=user_id, idempotency_key=key or uuid.uuid4().hex,
                       lines=[OrderLineRequest(item_id, quantity)], address=address(pin_code))


def charge_of(order: Order, attempt: int | None = None) -> SimulatedCharge:
    """The gateway's charge of the order's current payment attempt (or of `attempt`)."""
    return SimulatedCharge.objects.get(payment_id=payment_of(order, attempt).pk)


def customer_presses(order: Order, button: str, *, attempt: int | None = None) -> None:
    """Pay / Fail / Cancel on the hosted page (of the current payment attempt, or of `attempt`, a
    page left open in another tab); the gateway's callback runs (eagerly in tests)."""
    SimulatedGateway().customer_decides(gateway_ref=charge_of(order, attempt).ref, decision=button)
    relay_pending()  # payments' events reach the orders consumers


def gateway_notifies(order: Order, outcome: str, *, event_id: str | None = None,
                     attempt: int | None = None) -> object:
    """A signed notification, as the gateway would send it, e.g. a late one."""
    body = json.dumps({"event_id": event_id or f"evt_{uuid.uuid4().hex}", "ref": charge_of(order, attempt).ref,
                       "outcome": outcome}).encode()
    result = notification_receive(gateway_name="simulated", body=body, headers={SIGNATURE_HEADER: sign(body)})
    relay_pending()
    return result


def refreshed(order: Order) -> Order:
    return Order.objects.get(pk=order.pk)


def payment_of(order: Order, attempt: int | None = None) -> Payment:
    """The order's current payment attempt (the latest), or `attempt`."""
    payments = Payment.objects.filter(order_id=str(order.pk))
    return payments.get(attempt=attempt) if attempt is not None else payments.latest("attempt")


def gateway_takes_money_but_its_callback_is_late(order: Order) -> None:
    """The customer paid at the gateway; the notification is still in flight (or lost)."""
    SimulatedCharge.objects.filter(pk=charge_of(order).pk).update(status=SimulatedCharge.Status.SUCCEEDED)
