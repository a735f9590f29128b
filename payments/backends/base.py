"""The payment-gateway port."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol


class InvalidNotification(Exception):
    """The notification's signature or shape is wrong: it is refused and changes nothing."""


class GatewayError(Exception):
    """The gateway could not be reached or refused the call; safe to retry (idempotency keys)."""


@dataclass(frozen=True)
class PaymentStart:
    gateway_ref: str
    redirect_url: str


@dataclass(frozen=True)
class Notification:
    gateway_event_id: str
    gateway_ref: str
    outcome: str  # "succeeded" or "failed"
    reason: str = ""
    payload: dict = field(default_factory=dict, hash=False)


class PaymentGateway(Protocol):
    name: str
    failure_is_final: bool  # False when the customer may retry on the same payment after a decline

    def start(self, *, payment_id: str, order_id: str, amount_paise: int, currency: str,
              return_url: str) -> PaymentStart:
        """Open a payment at the gateway (idempotent per payment_id); where to send the customer."""

    def void(self, *, gateway_ref: str) -> None:
        """Cancel a payment that has not succeeded (the order expired)."""

    def refund(self, *, gateway_ref: str, amount_paise: int, idempotency_key: str) -> None:
        """Give back money taken for a payment that succeeded."""

    def parse_notification(self, *, body: bytes, headers: Mapping[str, str]) -> Notification:
        """Verify and read a notification; raise InvalidNotification if it is not genuine."""

    def status(self, *, gateway_ref: str) -> str:
        """The gateway's own view of the payment, for reconciliation: created/succeeded/failed/voided/refunded."""
