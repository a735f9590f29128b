"""The Stripe gateway: PaymentIntents opened with idempotency keys, outcomes from signed webhooks.

The shop never learns an outcome from the customer's browser: the customer pays on a page of
ours that mounts Stripe Elements with the intent's client secret, and the shop acts only on
Stripe's signed `payment_intent.succeeded` / `payment_intent.payment_failed` webhooks. Amounts
are INR in paise, Stripe's smallest unit for INR. See docs/decisions/0008-stripe-gateway.md.

Every instance has its own `stripe.StripeClient` (key, base address, retries, timeout), so
nothing is set on the global `stripe` module and two gateways never share configuration.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from typing import Any

import stripe
from django.urls import reverse

from payments.backends.base import GatewayError, InvalidNotification, Notification, PaymentStart

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "Stripe-Signature"

# Stripe's event types the shop acts on, and the outcome each means. Any other verified event
# becomes outcome "ignored": the service records it once and does not move the payment.
OUTCOMES = {
    "payment_intent.succeeded": "succeeded",
    "payment_intent.payment_failed": "failed",
}

# PaymentIntent states in which cancelling is pointless or impossible and void() gives up
# quietly: already cancelled (void is idempotent), succeeded (a late success: the webhook tells
# the shop, which honours or refunds it), processing (the outcome is on its way by webhook).
_NOT_VOIDABLE = {"canceled", "succeeded", "processing"}


class StripeGateway:
    name = "stripe"
    # payment_intent.payment_failed fires on every declined card, and the customer may try
    # another card on the same intent: a failure is not the end of the payment.
    failure_is_final = False

    def __init__(self, secret_key: str, webhook_secret: str, api_base: str = "https://api.stripe.com", *,
                 publishable_key: str = "", webhook_tolerance_s: int = stripe.Webhook.DEFAULT_TOLERANCE,
                 timeout_s: float = 20.0, max_network_retries: int = 2) -> None:
        self.publishable_key = publishable_key
        self.webhook_secret = webhook_secret
        self.webhook_tolerance_s = webhook_tolerance_s
        self.client = stripe.StripeClient(
            secret_key,
            base_addresses={"api": api_base.rstrip("/")},
            max_network_retries=max_network_retries,  # POST retries reuse our idempotency key
            http_client=stripe.new_default_http_client(timeout=timeout_s),
        )

    # --- the port ------------------------------------------------------------------------------

    def start(self, *, payment_id: str, order_id: str, amount_paise: int, currency: str,
              return_url: str) -> PaymentStart:
        if currency.upper() != "INR":
            raise ValueError(f"The Stripe gateway takes INR in paise, not {currency}.")
        params: dict[str, Any] = {
            "amount": amount_paise,
            "currency": "inr",
            "metadata": {"order_id": order_id, "payment_id": payment_id},
            "automatic_payment_methods": {"enabled": True},
        }
        # Same payment_id, same key, same parameters: Stripe answers with the intent it already
        # made (for 24 hours), so a retried or repeated start never opens a second one.
        intent = self._call(self.client.v1.payment_intents.create, params,
                            {"idempotency_key": f"payment-{payment_id}"})
        # The page that mounts Stripe Elements; payments.urls names it "stripe_page".
        return PaymentStart(gateway_ref=intent.id, redirect_url=reverse("payments:stripe_page", args=[intent.id]))

    def void(self, *, gateway_ref: str) -> None:
        """Cancel the intent; best-effort and idempotent (see _NOT_VOIDABLE)."""
        try:
            self.client.v1.payment_intents.cancel(gateway_ref)
            return
        except stripe.InvalidRequestError as exc:
            # Stripe refuses to cancel an intent in a final state (payment_intent_unexpected_state).
            # Ask for the state instead of trusting the error code: a missing intent still raises.
            refused = exc
        except stripe.StripeError as exc:
            raise GatewayError(f"Stripe could not cancel {gateway_ref}: {_message(exc)}") from exc
        state = self._call(self.client.v1.payment_intents.retrieve, gateway_ref).status
        if state not in _NOT_VOIDABLE:
            raise GatewayError(f"Stripe could not cancel {gateway_ref} ({state}): {_message(refused)}")
        logger.info("Void of %s skipped: the intent is %s", gateway_ref, state)

    def refund(self, *, gateway_ref: str, amount_paise: int, idempotency_key: str) -> None:
        self._call(self.client.v1.refunds.create, {"payment_intent": gateway_ref, "amount": amount_paise},
                   {"idempotency_key": idempotency_key})

    def status(self, *, gateway_ref: str) -> str:
        """Stripe's view, in our words: created/succeeded/failed/voided/refunded.

        A refund does not change the intent's status (it stays `succeeded`); its latest charge,
        fetched in the same call, says `refunded: true` once refunds cover the whole amount. A
        partial refund still reads "succeeded" (the shop only refunds in full).
        """
        intent = self._call(self.client.v1.payment_intents.retrieve, gateway_ref,
                            {"expand": ["latest_charge"]})
        if intent.status == "succeeded":
            charge = getattr(intent, "latest_charge", None)
            return "refunded" if charge is not None and getattr(charge, "refunded", False) else "succeeded"
        if intent.status == "canceled":
            return "voided"
        if intent.status == "requires_payment_method" and getattr(intent, "last_payment_error", None):
            return "failed"
        return "created"  # requires_payment_method/confirmation/action/capture, processing

    def parse_notification(self, *, body: bytes, headers: Mapping[str, str]) -> Notification:
        signature = _header(headers, SIGNATURE_HEADER)
        try:
            # stripe.Webhook.construct_event with this client's requestor: checks the HMAC-SHA256
            # of "<t>.<body>" against every v1 signature in the header, and that t is no older
            # than the tolerance (a replay of an old, genuine body is refused).
            self.client.construct_event(body, signature, self.webhook_secret, self.webhook_tolerance_s)
            event = json.loads(body)
            event_id = str(event["id"])
            kind = str(event["type"])
            obj = event["data"]["object"]
            ref = _intent_id(obj)
        except stripe.SignatureVerificationError as exc:
            raise InvalidNotification(f"The Stripe signature does not verify: {exc}") from exc
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise InvalidNotification(f"The Stripe event is not readable: {exc!r}") from exc
        outcome = OUTCOMES.get(kind, "ignored")
        reason = ""
        if outcome == "failed":
            reason = (obj.get("last_payment_error") or {}).get("message") or "The payment failed at Stripe."
        return Notification(gateway_event_id=event_id, gateway_ref=ref, outcome=outcome, reason=reason,
                            payload=event)

    # --- for our page that mounts Stripe Elements ----------------------------------------------

    def client_secret(self, *, gateway_ref: str) -> str:
        """The intent's client secret, which Stripe.js needs to confirm the payment in the page."""
        secret = self._call(self.client.v1.payment_intents.retrieve, gateway_ref).client_secret
        if secret is None:  # Stripe sends one with every intent retrieved with the secret key
            raise GatewayError("Stripe: the payment intent came without its client secret.")
        return secret

    # --- helpers -------------------------------------------------------------------------------

    @staticmethod
    def _call[T](method: Callable[..., T], *args: Any) -> T:
        try:
            return method(*args)
        except stripe.StripeError as exc:  # API errors, and network errors (APIConnectionError)
            raise GatewayError(f"Stripe: {_message(exc)}") from exc


def _message(exc: stripe.StripeError) -> str:
    return exc.user_message or str(exc) or type(exc).__name__


def _header(headers: Mapping[str, str], name: str) -> str:
    """Django's request.headers is case-insensitive; a plain dict may not be."""
    value = headers.get(name)
    if value is None:
        lowered = name.lower()
        value = next((v for k, v in headers.items() if k.lower() == lowered), "")
    return value


def _intent_id(obj: Mapping[str, Any]) -> str:
    """The PaymentIntent an event is about: the object itself, or the intent it belongs to."""
    if obj.get("object") == "payment_intent":
        return str(obj["id"])
    intent = obj.get("payment_intent")
    if isinstance(intent, Mapping):
        intent = intent.get("id")
    return str(intent or "")
