"""Cash on delivery (issue 12, part 6): placed at once without a payment page, paid in cash at the
door parcel by parcel, refused at the door with the stock back and nothing refunded, cancelled
before shipping, and reconciliation that knows all of it."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from cart.interface import CartOwner, cart_add
from events.models import OutboxEvent
from events.services import relay_pending
from inventory.models import Allocation, Stock
from notifications.models import Notification
from orders.models import Order, Shipment
from orders.reconciliation import reconcile
from orders.services import order_expire_stale
from payments.models import Payment, Refund
from tests.orders.helpers import customer_presses, refreshed
from tests.shop_world import DELHI_PIN

pytestmark = pytest.mark.django_db(transaction=True)


def _api(user) -> APIClient:
    api = APIClient()
    api.force_authenticate(user)
    return api


def _order(world, lines: dict[int, int], *, method: str = "cod", key: str | None = None):
    body = {"pin_code": DELHI_PIN, "name": "Asha Buyer", "line1": "1 Janpath", "city": "New Delhi",
            "lines": [{"product_id": i, "quantity": q} for i, q in lines.items()]}
    if method:
        body["payment_method"] = method
    return _api(world.customer).post("/api/v1/orders", body, format="json",
                                     headers={"Idempotency-Key": key or uuid.uuid4().hex})


def _place(world, lines: dict[int, int], *, method: str = "cod") -> Order:
    answer = _order(world, lines, method=method)
    assert answer.status_code == 201, answer.content
    return Order.objects.get(pk=answer.json()["id"])


def _kind(answer) -> str:
    """The problem's kind: the last part of its `type`."""
    return answer.json()["type"].rsplit("/", 1)[-1]


def _on_hand(item: int) -> int:
    return sum(Stock.objects.filter(item_id=item).values_list("on_hand", flat=True))


def _payment(order: Order) -> Payment:
    return Payment.objects.get(order_id=str(order.pk))


def _later():
    """Past reconciliation's grace period, so what just happened is judged."""
    return timezone.now() + timedelta(minutes=5)


def _step(seller, shipment: Shipment, step: str, body: dict | None = None):
    return _api(seller).post(f"/api/v1/seller/shipments/{shipment.pk}/{step}", body or {}, format="json")


def _hand_over(seller, shipment: Shipment) -> dict:
    assert _step(seller, shipment, "packed").status_code == 200
    answer = _step(seller, shipment, "shipped", {"courier": "Road Cargo", "tracking_number": f"RC{shipment.pk}IN"})
    assert answer.status_code == 200, answer.content
    return answer.json()


@pytest.fixture
def cod_in_two(world_tx):
    """A COD order in two parcels: a ₹100 lamp from DEL1 and two ₹150 rugs from BLR1, ₹40 shipping."""
    lamp = world_tx.add_item("LAMP", price_paise=10_000, stock={"DEL1": 5})
    rug = world_tx.add_item("RUG", price_paise=15_000, stock={"BLR1": 5})
    order = _place(world_tx, {lamp: 1, rug: 2})
    return order, lamp, rug


# --- Placing -------------------------------------------------------------------------------------

def test_a_cod_order_is_placed_at_once_with_its_stock_committed_and_no_payment_page(world_tx, cod_in_two):
    order, lamp, rug = cod_in_two
    answer = _api(world_tx.customer).get(f"/api/v1/orders/{order.pk}").json()

    assert (answer["status"], answer["payment_method"], answer["payment_url"]) == ("placed", "cod", None)
    assert answer["total_paise"] == 10_000 + 2 * 15_000 + 4_000
    assert [c["status"] for c in answer["timeline"]] == ["pending_payment", "placed"]
    # The units left stock as a paid order's do: committed, nothing held.
    assert (_on_hand(lamp), _on_hand(rug)) == (4, 3)
    assert set(Allocation.objects.filter(order_id=str(order.pk)).values_list("status", flat=True)) == {"committed"}
    assert Stock.objects.filter(reserved__gt=0).count() == 0
    payment = _payment(order)
    assert (payment.gateway, payment.status, payment.amount_paise, payment.gateway_ref) == (
        "cod", "created", 44_000, "")
    # No expiry: the sweep passes it by even long after its nominal deadline.
    Order.objects.filter(pk=order.pk).update(expires_at=timezone.now() - timedelta(days=1))
    assert order_expire_stale() == 0 and refreshed(order).status == "placed"
    # Sellers see it at once; the customer is told to pay on delivery.
    assert len(_api(world_tx.seller).get("/api/v1/seller/shipments").json()["results"]) == 2
    assert OutboxEvent.objects.filter(type="orders.order_placed.v1", key=str(order.pk)).count() == 1
    relay_pending()
    placed = Notification.objects.get(user_id=world_tx.customer.pk, kind="order_placed")
    assert "pay ₹440 in cash on delivery" in placed.body


def test_the_same_key_returns_the_same_cod_order_and_a_different_method_is_a_conflict(world_tx):
    lamp = world_tx.add_item("LAMP", price_paise=10_000, stock={"DEL1": 5})
    key = uuid.uuid4().hex
    first = _order(world_tx, {lamp: 1}, key=key)
    again = _order(world_tx, {lamp: 1}, key=key)
    assert first.status_code == again.status_code == 201 and first.json()["id"] == again.json()["id"]
    assert _on_hand(lamp) == 4 and Payment.objects.count() == 1
    online = _order(world_tx, {lamp: 1}, method="online", key=key)
    assert (online.status_code, _kind(online)) == (422, "idempotency-key-reused")


def test_cod_over_the_order_value_limit_is_refused_and_nothing_is_written(world_tx, settings):
    settings.COD_MAX_ORDER_PAISE = 20_000
    lamp = world_tx.add_item("LAMP", price_paise=10_000, stock={"DEL1": 5})

    answer = _order(world_tx, {lamp: 3})  # ₹300, over ₹200

    assert answer.status_code == 422
    assert _kind(answer) == "cod-over-limit" and "₹200" in answer.json()["detail"]
    assert Order.objects.count() == 0 and Payment.objects.count() == 0 and _on_hand(lamp) == 5
    assert Stock.objects.get(item_id=lamp).reserved == 0
    assert _order(world_tx, {lamp: 1}).status_code == 201  # ₹100 + ₹40 shipping: within it


def test_cod_to_a_pin_code_without_cash_collection_is_refused(world_tx, settings):
    settings.COD_EXCLUDED_PIN_PREFIXES = ["744", "1100"]
    lamp = world_tx.add_item("LAMP", price_paise=10_000, stock={"DEL1": 5})

    answer = _order(world_tx, {lamp: 1})

    assert answer.status_code == 422
    assert _kind(answer) == "cod-not-at-pin" and DELHI_PIN in answer.json()["detail"]
    assert Order.objects.count() == 0 and _on_hand(lamp) == 5
    # Paying online to the same PIN code is fine.
    assert _order(world_tx, {lamp: 1}, method="online").status_code == 201


def test_an_unknown_payment_method_is_a_400(world_tx):
    lamp = world_tx.add_item("LAMP", price_paise=10_000, stock={"DEL1": 5})
    assert _order(world_tx, {lamp: 1}, method="cheque").status_code == 400


# --- Paid on delivery ---------------------------------------------------------------------------

def test_cod_paid_at_the_door_parcel_by_parcel_settles_the_payment(world_tx, cod_in_two):
    order, lamp, rug = cod_in_two
    seller = world_tx.seller
    lamp_box = order.shipments.get(lines__line__item_id=lamp)
    rug_box = order.shipments.get(lines__line__item_id=rug)

    # Cash due is fixed at handover: the first parcel to leave carries the shipping fee.
    assert _hand_over(seller, rug_box)["cash_due_paise"] == 30_000 + 4_000
    assert _hand_over(seller, lamp_box)["cash_due_paise"] == 10_000
    too_soon = _step(seller, rug_box, "cash-collected", {"cash_collected_paise": 34_000})
    assert (too_soon.status_code, too_soon.json()["shipment_status"]) == (409, "in_transit")

    assert _step(seller, rug_box, "delivered").status_code == 200
    short = _step(seller, rug_box, "cash-collected", {"cash_collected_paise": 30_000})
    assert (short.status_code, _kind(short), short.json()["cash_due_paise"]) == (
        422, "cash-amount-mismatch", 34_000)
    paid = _step(seller, rug_box, "cash-collected", {"cash_collected_paise": 34_000})
    assert paid.status_code == 200 and paid.json()["cash_collected_paise"] == 34_000
    assert _payment(order).status == "created"  # the lamp's cash is still to come

    assert _step(seller, lamp_box, "delivered").status_code == 200
    assert _step(seller, lamp_box, "cash-collected", {"cash_collected_paise": 10_000}).status_code == 200
    again = _step(seller, lamp_box, "cash-collected", {"cash_collected_paise": 10_000})
    assert again.status_code == 200  # a retry changes nothing

    payment = _payment(order)
    assert (payment.status, payment.amount_paise, payment.refunded_paise) == ("succeeded", 44_000, 0)
    assert refreshed(order).status == "delivered"
    assert OutboxEvent.objects.filter(type="payments.payment_succeeded.v1", key=str(order.pk)).count() == 1
    assert OutboxEvent.objects.filter(type="orders.shipment_cash_collected.v1", key=str(order.pk)).count() == 2
    relay_pending()  # orders hears the payment succeeded: nothing to change
    assert refreshed(order).status == "delivered"
    run = reconcile(now=_later())
    assert run.findings == []


def test_cash_for_a_prepaid_parcel_is_refused(world_tx):
    lamp = world_tx.add_item("LAMP", price_paise=10_000, stock={"DEL1": 5})
    order = _place(world_tx, {lamp: 1}, method="")
    customer_presses(order, "pay")
    box = order.shipments.get()
    _hand_over(world_tx.seller, box)
    _step(world_tx.seller, box, "delivered")
    answer = _step(world_tx.seller, box, "cash-collected", {"cash_collected_paise": 14_000})
    assert (answer.status_code, _kind(answer)) == (409, "not-cash-on-delivery")
    assert refreshed(order).payment_method == "online"


# --- Refused at the door ------------------------------------------------------------------------

def test_cod_refused_at_the_door_comes_back_to_stock_and_nothing_is_refunded(world_tx):
    lamp = world_tx.add_item("LAMP", price_paise=10_000, stock={"DEL1": 5})
    order = _place(world_tx, {lamp: 2})
    box = order.shipments.get()
    packed_only = _step(world_tx.seller, box, "packed")
    assert packed_only.status_code == 200
    not_yet = _step(world_tx.seller, box, "delivery-failed", {"reason": "refused"})
    assert (not_yet.status_code, not_yet.json()["shipment_status"]) == (409, "packed")
    _step(world_tx.seller, box, "shipped", {"courier": "Road Cargo", "tracking_number": "RC1IN"})
    assert _on_hand(lamp) == 3

    answer = _step(world_tx.seller, box, "delivery-failed", {"reason": "refused", "note": "customer refused"})

    assert answer.status_code == 200, answer.content
    assert answer.json()["status"] == "returned"
    assert _on_hand(lamp) == 5  # back on the shelf it left
    assert set(Allocation.objects.filter(order_id=str(order.pk)).values_list("status", flat=True)) == {"restocked"}
    order = refreshed(order)
    assert order.status == "returned"
    assert "refused at the door" in order.timeline.filter(shipment=box).last().reason
    payment = _payment(order)
    assert (payment.status, payment.refunded_paise) == ("voided", 0)
    assert Refund.objects.count() == 0
    assert _step(world_tx.seller, box, "delivery-failed", {"reason": "refused"}).status_code == 200  # a retry
    assert _on_hand(lamp) == 5
    relay_pending()
    told = Notification.objects.filter(user_id=world_tx.customer.pk, title="A package could not be delivered")
    assert "nothing to pay" in told.get().body
    assert reconcile(now=_later()).findings == []


def test_one_cod_parcel_refused_and_the_other_paid(world_tx, cod_in_two):
    order, lamp, rug = cod_in_two
    seller = world_tx.seller
    lamp_box = order.shipments.get(lines__line__item_id=lamp)
    rug_box = order.shipments.get(lines__line__item_id=rug)
    _hand_over(seller, lamp_box)  # first to leave: carries the fee (₹100 + ₹40)
    _hand_over(seller, rug_box)

    assert _step(seller, lamp_box, "delivery-failed", {"reason": "unreachable"}).status_code == 200
    assert refreshed(order).status == "in_transit"  # the rugs still travel
    assert _payment(order).status == "created"
    _step(seller, rug_box, "delivered")
    assert _step(seller, rug_box, "cash-collected", {"cash_collected_paise": 30_000}).status_code == 200

    assert refreshed(order).status == "delivered"
    assert _on_hand(lamp) == 5 and _on_hand(rug) == 3
    payment = _payment(order)
    assert (payment.status, payment.amount_paise) == ("succeeded", 30_000)  # what was collected
    assert Refund.objects.count() == 0
    assert reconcile(now=_later()).findings == []


def test_a_prepaid_parcel_that_comes_back_undelivered_is_refunded_with_the_shipping_fee(world_tx):
    lamp = world_tx.add_item("LAMP", price_paise=10_000, stock={"DEL1": 5})
    order = _place(world_tx, {lamp: 1}, method="online")
    customer_presses(order, "pay")
    box = order.shipments.get()
    _hand_over(world_tx.seller, box)

    assert _step(world_tx.seller, box, "delivery-failed", {"reason": "address"}).status_code == 200

    assert refreshed(order).status == "returned" and _on_hand(lamp) == 5
    payment = _payment(order)
    assert (payment.status, payment.refunded_paise) == ("refunded", 14_000)
    assert sorted(Refund.objects.values_list("amount_paise", flat=True)) == [4_000, 10_000]


# --- Cancelled before shipping ------------------------------------------------------------------

def test_a_cod_order_cancelled_before_shipping_restocks_and_refunds_nothing(world_tx, cod_in_two):
    order, lamp, rug = cod_in_two
    customer = _api(world_tx.customer)
    rug_box = order.shipments.get(lines__line__item_id=rug)

    one = customer.post(f"/api/v1/orders/{order.pk}/cancel", {"shipment_id": rug_box.pk}, format="json")
    assert one.status_code == 200 and one.json()["status"] == "placed"
    assert _on_hand(rug) == 5 and _payment(order).status == "created"

    whole = customer.post(f"/api/v1/orders/{order.pk}/cancel", {}, format="json")

    assert whole.status_code == 200 and whole.json()["status"] == "cancelled"
    assert (_on_hand(lamp), _on_hand(rug)) == (5, 5)
    payment = _payment(order)
    assert (payment.status, payment.refunded_paise) == ("voided", 0)
    assert Refund.objects.count() == 0
    cancelled = OutboxEvent.objects.filter(type="orders.shipment_cancelled.v1", key=str(order.pk))
    assert [e.payload["refund_paise"] for e in cancelled] == [0, 0]
    relay_pending()
    assert "you won't pay anything" in Notification.objects.filter(
        user_id=world_tx.customer.pk, title="A package was cancelled").first().body
    assert reconcile(now=_later()).findings == []


# --- Reconciliation -----------------------------------------------------------------------------

def test_a_delivered_cod_parcel_without_its_cash_is_a_finding_after_the_collection_days(world_tx, settings):
    settings.COD_COLLECTION_DAYS = 3
    lamp = world_tx.add_item("LAMP", price_paise=10_000, stock={"DEL1": 5})
    order = _place(world_tx, {lamp: 1})
    box = order.shipments.get()
    _hand_over(world_tx.seller, box)
    _step(world_tx.seller, box, "delivered")

    assert reconcile(now=_later()).findings == []  # delivered today: the cash may come
    Shipment.objects.filter(pk=box.pk).update(delivered_at=timezone.now() - timedelta(days=4))
    run = reconcile(now=_later())

    assert [(f["check"], f["repaired"]) for f in run.findings] == [("cod_cash_not_collected", False)]
    assert f"shipment {box.pk}" in run.findings[0]["detail"]
    _step(world_tx.seller, box, "cash-collected", {"cash_collected_paise": 14_000})
    assert reconcile(now=_later()).findings == []
    assert _payment(order).status == "succeeded"


def test_a_finished_cod_order_left_unsettled_is_settled_and_cod_is_never_missing_at_the_gateway(world_tx):
    lamp = world_tx.add_item("LAMP", price_paise=10_000, stock={"DEL1": 5})
    order = _place(world_tx, {lamp: 1})
    # A placed COD order has a created payment and nothing at the gateway: that is right.
    assert reconcile(now=_later()).findings == []
    # Cancelled, but its payment was left open (a crash between the two, a manual fix).
    _api(world_tx.customer).post(f"/api/v1/orders/{order.pk}/cancel", {}, format="json")
    Payment.objects.filter(order_id=str(order.pk)).update(status="created")

    run = reconcile(now=_later())

    assert [(f["check"], f["repaired"]) for f in run.findings] == [("cod_payment_not_settled", True)]
    assert _payment(order).status == "voided"
    assert reconcile(now=_later()).findings == []


# --- The checkout page --------------------------------------------------------------------------

def _cart(world, item: int, quantity: int = 1) -> None:
    cart_add(owner=CartOwner(user_id=world.customer.pk), item_id=item, quantity=quantity)


CHECKOUT = {"name": "Chitra Customer", "phone": "98450 00000", "line1": "12 MG Road", "city": "Bengaluru",
            "state": "Karnataka", "pin_code": "560001"}


def test_checkout_offers_pay_on_delivery_when_eligible_and_places_a_cod_order(world_tx, client):
    client.force_login(world_tx.customer)
    mug = world_tx.add_item("MUG", price_paise=29_900, stock={"BLR1": 5})
    _cart(world_tx, mug)

    html = client.get("/checkout/").content.decode()
    assert 'value="cod"' in html and "Pay on delivery" in html
    assert 'data-testid="cod-unavailable"' not in html

    answer = client.post("/checkout/", {**CHECKOUT, "payment_method": "cod", "attempt": str(uuid.uuid4())})

    order = Order.objects.get()
    assert answer.status_code == 302 and answer["Location"] == f"/orders/{order.pk}/"
    assert (order.status, order.payment_method) == ("placed", "cod")
    page = client.get(answer["Location"]).content.decode()
    assert "keep ₹339 ready" in page and "Cash on delivery" in page


def test_checkout_omits_pay_on_delivery_over_the_limit_and_says_why(world_tx, client, settings):
    settings.COD_MAX_ORDER_PAISE = 20_000
    client.force_login(world_tx.customer)
    mug = world_tx.add_item("MUG", price_paise=29_900, stock={"BLR1": 5})
    _cart(world_tx, mug)

    html = client.get("/checkout/").content.decode()

    assert 'value="cod"' not in html and 'value="online"' in html
    assert "Pay on delivery is for orders up to ₹200" in html
    # Posted anyway (an old page): refused on the form, nothing ordered.
    answer = client.post("/checkout/", {**CHECKOUT, "payment_method": "cod", "attempt": str(uuid.uuid4())})
    assert answer.status_code == 200 and "Pay on delivery is for orders up to ₹200" in answer.content.decode()
    assert Order.objects.count() == 0


def test_checkout_omits_pay_on_delivery_at_a_pin_code_without_it(world_tx, client, settings):
    settings.COD_EXCLUDED_PIN_PREFIXES = ["560"]
    client.force_login(world_tx.customer)  # their PIN code is 560001
    mug = world_tx.add_item("MUG", price_paise=29_900, stock={"BLR1": 5})
    _cart(world_tx, mug)

    html = client.get("/checkout/").content.decode()

    assert 'value="cod"' not in html
    assert "Pay on delivery isn't available at PIN code 560001" in html.replace("&#x27;", "'")
