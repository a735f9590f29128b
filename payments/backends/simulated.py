"""The embedded gateway: a hosted payment page with Pay, Fail and Cancel, and signed callbacks.

It behaves like a remote gateway: its records are its own (SimulatedCharge), its page lives at
its own address, and it tells the shop the outcome later, asynchronously, in a notification
signed with HMAC-SHA256 that the shop verifies exactly as it would a real gateway's.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
import uuid
from collections.abc import Mapping

from django.conf import settings
from django.db import transaction
from django.urls import reverse

from payments.backends.base import GatewayError, InvalidNotification, Notification, PaymentStart
from payments.models import SimulatedCharge

SIGNATURE_HEADER = "X-Simulated-Signature"

logger = logging.getLogger(__name__)


def sign(body: bytes, secret: str | None = None) -> str:
    key = (secret or settings.PAYMENTS_SIMULATED_SECRET).encode()
    return hmac.new(key, body, hashlib.sha256).hexdigest()


class SimulatedGateway:
    name = "simulated"
    failure_is_final = True  # a failed charge stays failed: paying again is a new attempt (decision 0033)

    def start(self, *, payment_id: str, order_id: str, amount_paise: int, currency: str,
              return_url: str) -> PaymentStart:
        charge, _ = SimulatedCharge.objects.get_or_create(
            payment_id=payment_id,
            defaults={"ref": f"sim_{secrets.token_hex(12)}", "order_id": order_id,
                      "amount_paise": amount_paise, "currency": currency, "return_url": return_url},
        )
        return PaymentStart(gateway_ref=charge.ref,
                            redirect_url=reverse("payments:simulated_page", args=[charge.ref]))

    def void(self, *, gateway_ref: str) -> None:
        SimulatedCharge.objects.filter(ref=gateway_ref, status=SimulatedCharge.Status.OPEN).update(
            status=SimulatedCharge.Status.VOIDED)

    def refund(self, *, gateway_ref: str, amount_paise: int, idempotency_key: str) -> None:
        """Part or all of a succeeded charge, once per idempotency key (as Stripe does)."""
        with transaction.atomic():
            charge = SimulatedCharge.objects.select_for_update().filter(ref=gateway_ref).first()
            if charge is None:
                raise GatewayError(f"No charge {gateway_ref}.")
            if idempotency_key in charge.refund_keys:
                return
            if charge.status != SimulatedCharge.Status.SUCCEEDED:
                raise GatewayError(f"Charge {gateway_ref} is {charge.status}; only a succeeded charge is refunded.")
            if amount_paise <= 0 or charge.refunded_paise + amount_paise > charge.amount_paise:
                raise GatewayError(f"Charge {gateway_ref} has {charge.amount_paise - charge.refunded_paise} paise "
                                   f"left to refund, not {amount_paise}.")
            charge.refunded_paise += amount_paise
            charge.refund_keys = [*charge.refund_keys, idempotency_key]
            if charge.refunded_paise == charge.amount_paise:
                charge.status = SimulatedCharge.Status.REFUNDED
            charge.save(update_fields=["refunded_paise", "refund_keys", "status", "updated_at"])

    def status(self, *, gateway_ref: str) -> str:
        charge = SimulatedCharge.objects.filter(ref=gateway_ref).first()
        if charge is None:
            raise GatewayError(f"No charge {gateway_ref}.")
        return "created" if charge.status == SimulatedCharge.Status.OPEN else charge.status

    def parse_notification(self, *, body: bytes, headers: Mapping[str, str]) -> Notification:
        signature = headers.get(SIGNATURE_HEADER, "").encode("utf-8", "replace")
        if not signature or not hmac.compare_digest(signature, sign(body).encode()):
            raise InvalidNotification("The notification's signature does not match.")
        try:
            data = json.loads(body)
            if not isinstance(data.get("outcome"), str):
                raise ValueError("outcome must be a string")
            return Notification(gateway_event_id=str(data["event_id"]), gateway_ref=str(data["ref"]),
                                outcome=data["outcome"], reason=str(data.get("reason", "")), payload=data)
        except (ValueError, KeyError, TypeError, AttributeError, RecursionError) as exc:
            raise InvalidNotification(f"The notification is not readable: {exc!r}") from exc

    # --- the gateway's side: what happens when the customer presses a button ------------------

    def customer_decides(self, *, gateway_ref: str, decision: str) -> SimulatedCharge:
        """`pay` or `fail` settles the charge and queues the signed callback; `cancel` does neither."""
        with transaction.atomic():
            charge = SimulatedCharge.objects.select_for_update().get(ref=gateway_ref)
            if decision == "cancel" or charge.status != SimulatedCharge.Status.OPEN:
                return charge
            charge.status = (SimulatedCharge.Status.SUCCEEDED if decision == "pay"
                             else SimulatedCharge.Status.FAILED)
            charge.save(update_fields=["status", "updated_at"])
            body = notification_body(charge, outcome=charge.status,
                                     reason="" if decision == "pay" else "The bank declined the payment")
            transaction.on_commit(lambda: _queue_callback(body))
        return charge


def notification_body(charge: SimulatedCharge, *, outcome: str, reason: str = "") -> bytes:
    return json.dumps({"event_id": f"evt_{uuid.uuid4().hex}", "ref": charge.ref, "outcome": outcome,
                       "reason": reason, "amount_paise": charge.amount_paise}).encode()


def _queue_callback(body: bytes) -> None:
    """Send the signed callback through the task queue, as a remote gateway calls back later.

    Runs after the charge committed, so it must not fail the customer's request: with the broker
    unreachable the gateway calls back at once instead (in this process). The notification is then
    stored and applied, and its `payments.payment_*` event waits in the outbox for the relay sweep,
    so the order still moves on once the broker is back. Should that fail too, the gateway's own
    record (the charge) still says what happened, and the expiry's gateway check applies it.
    """
    from payments.tasks import simulated_callback

    try:
        simulated_callback.apply_async(args=[body.decode()], countdown=settings.PAYMENTS_SIMULATED_CALLBACK_DELAY)
    except Exception:  # kombu's OperationalError, or anything else the broker's client raises
        logger.warning("Could not queue the simulated gateway's callback; delivering it now", exc_info=True)
        _deliver_now(body)


def _deliver_now(body: bytes) -> None:
    from payments.services import notification_receive

    try:
        notification_receive(gateway_name=SimulatedGateway.name, body=body, headers={SIGNATURE_HEADER: sign(body)})
    except Exception:  # the charge stands at the gateway; the expiry's gateway check applies it
        logger.exception("The simulated gateway's callback failed; the charge's status is kept at the gateway")
