"""Cash on delivery: who may pay at the door, the cash each parcel collects, and when the order's
payment is settled (docs/decisions/0034-cash-on-delivery.md).

A COD order is placed at once (placing.py): its stock committed as for a paid order, a COD payment
recorded as created. Each parcel's cash due is fixed when it is handed to the courier (fulfilment).
Once delivered, its seller records the cash collected (`shipment_cash_collect`); once every parcel
is delivered and paid, or came back, or was cancelled, the payment is settled: succeeded for the
cash collected, or voided when there was none. Nothing of a COD order is ever refunded at a gateway.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db import transaction

from events.interface import emit
from logistics.interface import cash_on_delivery_available
from orders import contracts as c
from orders.models import Order, Shipment
from orders.services.common import OrderError, transition
from orders.services.fulfilment import (
    NotSellersOrder,
    TransitionNotAllowed,
    order_locked,
    shipment_event_payload,
)
from payments.interface import payment_cod_settle
from shop.money import format_inr

Step = Shipment.Status
COD = Order.PaymentMethod.COD
# Parcels whose fate is still open: their cash may yet be collected.
GOING = (Step.PENDING, Step.PACKED, Step.IN_TRANSIT)


@dataclass(frozen=True)
class CodEligibility:
    allowed: bool
    reason: str = ""  # why not, as the customer reads it
    code: str = ""  # why not, for an API client: cod-over-limit, cod-not-at-pin


class CodNotAllowed(OrderError):
    def __init__(self, eligibility: CodEligibility):
        self.code = eligibility.code
        super().__init__(eligibility.reason)


class NotCashOnDelivery(OrderError):
    """Cash is recorded only for a parcel of a cash-on-delivery order."""


class CashAmountMismatch(OrderError):
    def __init__(self, text: str, due: int | None):
        self.due = due
        super().__init__(text)


def cod_eligibility(*, total_paise: int, pin_code: str | None) -> CodEligibility:
    """Whether an order of `total_paise` to `pin_code` may be paid in cash at the door: at most
    COD_MAX_ORDER_PAISE, and a PIN code where our couriers collect cash (None: not known yet, so
    only the value is judged; placing the order judges both)."""
    if total_paise > settings.COD_MAX_ORDER_PAISE:
        return CodEligibility(False, f"Pay on delivery is for orders up to {format_inr(settings.COD_MAX_ORDER_PAISE)}; "
                                     "please pay online.", "cod-over-limit")
    if pin_code is not None and not cash_on_delivery_available(pin_code=pin_code):
        return CodEligibility(False, f"Pay on delivery isn't available at PIN code {pin_code}; please pay online.",
                              "cod-not-at-pin")
    return CodEligibility(True)


def shipment_cash_collect(*, shipment_id: int, cash_collected_paise: int, seller_id: int | None = None) -> Shipment:
    """The seller (or staff: `seller_id` None) reports the cash collected for a delivered parcel of a
    COD order. It must be the parcel's cash due. The same report again changes nothing. Once every
    parcel is settled, so is the order's payment."""
    head = Shipment.objects.filter(pk=shipment_id).values("order_id", "seller_id", "order__placed_at").first()
    if head is None or (seller_id is not None and (head["seller_id"] != seller_id or head["order__placed_at"] is None)):
        raise NotSellersOrder(f"No shipment {shipment_id}.")
    with transaction.atomic():
        order = order_locked(head["order_id"])
        shipment = order.shipments.get(pk=shipment_id)
        name = f"Shipment {shipment.pk} of order {order.reference}"
        if order.payment_method != COD:
            raise NotCashOnDelivery(f"{name} was paid online: there is no cash to collect.")
        if shipment.cash_collected_paise is not None:
            if shipment.cash_collected_paise == cash_collected_paise:
                return shipment  # a retry
            raise CashAmountMismatch(f"{name}: {format_inr(shipment.cash_collected_paise)} was recorded already.",
                                     shipment.cash_due_paise)
        if shipment.delivered_at is None:  # delivered (or returned after delivery): only then was cash taken
            raise TransitionNotAllowed(f"{name} can't be marked paid: it is {shipment.get_status_display()}; "
                                       "cash is collected on delivery.", shipment.status, Step.DELIVERED)
        if cash_collected_paise != shipment.cash_due_paise:
            raise CashAmountMismatch(f"{name}: the cash due is {format_inr(shipment.cash_due_paise)}, not "
                                     f"{format_inr(cash_collected_paise)}.", shipment.cash_due_paise)
        shipment.cash_collected_paise = cash_collected_paise
        transition(order, shipment.status, shipment=shipment,  # a note: the status stays
                   reason=f"cash collected on delivery: {format_inr(cash_collected_paise)}")
        shipment.save(update_fields=["cash_collected_paise", "updated_at"])
        emit(c.SHIPMENT_CASH_COLLECTED, key=order.pk,
             payload={**shipment_event_payload(order, shipment), "cash_collected_paise": cash_collected_paise})
        cod_settle_if_done(order)
    return shipment


def cod_settle_if_done(order: Order) -> str | None:
    """Settle a COD order's payment once no parcel's cash is still to come (inside the order's
    lock): succeeded for the cash collected, voided when none was. Returns the payment's status,
    None when it is not settled yet (or the order is prepaid)."""
    if order.payment_method != COD or cod_cash_waiting(order):
        return None
    collected = sum(s.cash_collected_paise or 0 for s in order.shipments.all())
    return payment_cod_settle(order_id=str(order.pk), collected_paise=collected)


def cod_cash_waiting(order: Order) -> bool:
    """Whether cash of the order may still come: a parcel on its way, or delivered and its cash not
    recorded yet."""
    return any(s.status in GOING or (s.delivered_at is not None and s.cash_collected_paise is None)
               for s in order.shipments.all())
