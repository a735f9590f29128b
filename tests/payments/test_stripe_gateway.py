"""The Stripe gateway, with no mock of our code: real signatures, the real webhook view, a real server.

Three parts:

1. Webhook verification. Payloads are signed here with a test secret by Stripe's documented
   scheme (`Stripe-Signature: t=<ts>,v1=<hex HMAC-SHA256(secret, "<ts>.<body>")>`), written
   out by hand rather than with the library's helper, so the test checks the scheme itself.
2. The flow through the shop's service and webhook view (`/payments/webhooks/stripe/`) with
   BAZAAR_BACKENDS["payments"] set to the Stripe gateway: a genuine event moves the payment and
   writes the outbox event once; a duplicate or a forgery changes nothing.
3. The API calls against localstripe (PyPI `localstripe`, a fake but stateful Stripe server run
   as a process on a free port). What it can and cannot check:
   - it can: PaymentIntent creation (amount, currency, metadata), confirmation by the customer's
     side with a test card, a decline with card 4000000000000341 (its only card declined at
     confirmation: others Stripe declines, such as 4000000000000002, *succeed* there), cancel
     and its refusal on a final state, refunds and the charge's `refunded` flag, `expand`, 404s,
     and signed webhooks it sends itself (checked against our verifier: a second,
     independent implementation of the signing scheme).
   - it cannot: idempotency keys (it ignores them: two creates with one key give two intents)
     and `automatic_payment_methods` (it answers 400 "Unexpected automatic_payment_methods").
     So the gateway talks to localstripe through `StripeEdge`, a small HTTP relay in this file
     that records every request as sent on the wire, drops `automatic_payment_methods` before
     forwarding, and replays the first answer to a repeated Idempotency-Key as Stripe documents
     (a different body with the same key gets Stripe's 400 idempotency_error). The idempotency
     tests therefore prove what we send (the key and identical parameters) and that a replayed
     answer yields the same PaymentStart; Stripe's own replay is taken from its documentation.
   - neither can: 3-D Secure in a real browser, Stripe.js/Elements (js.stripe.com is not
     reachable), live webhook delivery retries, or real INR rules (minimum amounts, Indian
     regulations on international cards).
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import http.client
import json
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import SimpleNamespace

import pytest
import stripe
from django.urls import include, path

from events.models import OutboxEvent
from payments import services
from payments.backends.base import GatewayError, InvalidNotification
from payments.backends.stripe import StripeGateway
from payments.models import Payment, PaymentNotification
from shop.backends import reset_backends

# The flow tests route with this module, so they do not depend on where shop/urls.py mounts
# the payments app; the path is the one the shop serves.
urlpatterns = [path("payments/", include("payments.urls"))]

WEBHOOK_SECRET = "whsec_test_0123456789abcdef"
WEBHOOK_URL = "/payments/webhooks/stripe/"
HOST = "127.0.0.1"


# --- signing, as Stripe does it ----------------------------------------------------------------

def signature_header(payload: bytes, secret: str = WEBHOOK_SECRET, *, timestamp: int | None = None) -> str:
    t = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{t}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={t},v1={digest}"


def intent_object(intent_id: str = "pi_test_123", *, status: str = "succeeded", amount: int = 49_900,
                  last_payment_error: dict | None = None) -> dict:
    return {"id": intent_id, "object": "payment_intent", "amount": amount, "currency": "inr",
            "status": status, "last_payment_error": last_payment_error, "latest_charge": "ch_test_1",
            "metadata": {"order_id": "ord-1", "payment_id": "00000000-0000-0000-0000-000000000001"}}


def event_body(kind: str, obj: dict, *, event_id: str | None = None) -> bytes:
    event = {"id": event_id or f"evt_{uuid.uuid4().hex[:24]}", "object": "event", "api_version": "2025-01-27",
             "created": int(time.time()), "livemode": False, "pending_webhooks": 1,
             "request": {"id": None, "idempotency_key": None}, "type": kind, "data": {"object": obj}}
    return json.dumps(event).encode()


def gateway(api_base: str = "http://127.0.0.1:9", **options) -> StripeGateway:
    """Port 9 (discard) is closed here: webhook parsing makes no call."""
    return StripeGateway("sk_test_bazaar", WEBHOOK_SECRET, api_base, **options)


# --- 1. webhook verification ------------------------------------------------------------------

def test_a_genuine_succeeded_event_reads_as_succeeded():
    body = event_body("payment_intent.succeeded", intent_object(), event_id="evt_ok_1")
    note = gateway().parse_notification(body=body, headers={"Stripe-Signature": signature_header(body)})
    assert (note.gateway_event_id, note.gateway_ref, note.outcome, note.reason) == (
        "evt_ok_1", "pi_test_123", "succeeded", "")
    assert note.payload["data"]["object"]["amount"] == 49_900


def test_a_genuine_failed_event_carries_stripes_reason():
    error = {"code": "card_declined", "message": "Your card has insufficient funds."}
    body = event_body("payment_intent.payment_failed",
                      intent_object(status="requires_payment_method", last_payment_error=error))
    note = gateway().parse_notification(body=body, headers={"stripe-signature": signature_header(body)})
    assert (note.outcome, note.reason, note.gateway_ref) == (
        "failed", "Your card has insufficient funds.", "pi_test_123")


def test_a_failed_event_without_a_message_still_has_a_reason():
    body = event_body("payment_intent.payment_failed", intent_object(status="requires_payment_method"))
    note = gateway().parse_notification(body=body, headers={"Stripe-Signature": signature_header(body)})
    assert note.outcome == "failed" and note.reason


def test_events_we_do_not_act_on_are_ignored_not_refused():
    canceled = event_body("payment_intent.canceled", intent_object(status="canceled"))
    note = gateway().parse_notification(body=canceled, headers={"Stripe-Signature": signature_header(canceled)})
    assert (note.outcome, note.gateway_ref) == ("ignored", "pi_test_123")
    # An event about a charge names its intent; that is the ref the shop knows.
    refunded = event_body("charge.refunded", {"id": "ch_test_1", "object": "charge", "payment_intent": "pi_test_123",
                                              "refunded": True})
    note = gateway().parse_notification(body=refunded, headers={"Stripe-Signature": signature_header(refunded)})
    assert (note.outcome, note.gateway_ref) == ("ignored", "pi_test_123")


def test_a_rolled_secret_header_with_several_signatures_verifies_if_one_matches():
    body = event_body("payment_intent.succeeded", intent_object())
    t = int(time.time())
    good = signature_header(body, timestamp=t).split("v1=")[1]
    header = f"t={t},v1={'0' * 64},v1={good}"
    assert gateway().parse_notification(body=body, headers={"Stripe-Signature": header}).outcome == "succeeded"


def _refused(body: bytes, header: str | None) -> str:
    headers = {} if header is None else {"Stripe-Signature": header}
    with pytest.raises(InvalidNotification) as caught:
        gateway().parse_notification(body=body, headers=headers)
    return str(caught.value)


def test_forgeries_and_replays_are_refused():
    body = event_body("payment_intent.succeeded", intent_object())
    tampered = body.replace(b"49900", b"100")
    assert tampered != body
    _refused(tampered, signature_header(body))  # body changed after signing
    _refused(body, signature_header(body, "whsec_someone_else"))  # wrong secret
    _refused(body, "t=1700000000,v1=" + "ab" * 32)  # made-up signature
    _refused(body, None)  # no header
    _refused(body, "garbage")  # unreadable header
    stale = int(time.time()) - stripe.Webhook.DEFAULT_TOLERANCE - 10
    assert "tolerance" in _refused(body, signature_header(body, timestamp=stale)).lower()
    # A shop with no webhook secret configured refuses everything.
    with pytest.raises(InvalidNotification):
        StripeGateway("sk_test_bazaar", "", "http://127.0.0.1:9").parse_notification(
            body=body, headers={"Stripe-Signature": signature_header(body, "")})


@pytest.mark.parametrize("body", [b"not json{", b"\xff\xfe", b"[]", b"null", b"{}",
                                  b'{"id": "evt_1", "type": "payment_intent.succeeded"}'])
def test_signed_but_unreadable_bodies_are_refused(body):
    assert "not readable" in _refused(body, signature_header(body))


def test_stripe_errors_become_gateway_errors():
    closed = gateway(f"http://{HOST}:{free_port()}", max_network_retries=0, timeout_s=2)
    with pytest.raises(GatewayError, match="Stripe"):
        closed.status(gateway_ref="pi_test_123")
    with pytest.raises(GatewayError):
        closed.void(gateway_ref="pi_test_123")
    with pytest.raises(GatewayError):
        closed.refund(gateway_ref="pi_test_123", amount_paise=100, idempotency_key="refund-x")
    with pytest.raises(GatewayError):
        closed.start(payment_id="p", order_id="o", amount_paise=100, currency="INR", return_url="/")


def test_only_inr_is_taken():
    with pytest.raises(ValueError, match="INR"):
        gateway().start(payment_id="p", order_id="o", amount_paise=100, currency="USD", return_url="/")


def test_gateways_keep_their_configuration_to_themselves():
    before = (stripe.api_key, stripe.api_base, stripe.max_network_retries)
    gateway("http://127.0.0.1:9")
    StripeGateway("sk_test_other", "whsec_other", "http://127.0.0.1:10")
    assert (stripe.api_key, stripe.api_base, stripe.max_network_retries) == before


def test_an_intent_without_its_client_secret_is_a_gateway_error():
    """Stripe's types allow an intent without a client secret; the page can't mount Elements
    without one, so the gateway says so (the page answers 503) rather than hand on None."""
    port = gateway()
    port._call = lambda method, *args: SimpleNamespace(client_secret=None)
    with pytest.raises(GatewayError, match="client secret"):
        port.client_secret(gateway_ref="pi_test_123")


# --- 2. through the shop's service and webhook view -------------------------------------------

@pytest.fixture
def stripe_backend(settings):
    def use(api_base: str = "http://127.0.0.1:9") -> None:
        settings.BAZAAR_BACKENDS = {**settings.BAZAAR_BACKENDS, "payments": {
            "BACKEND": "payments.backends.stripe.StripeGateway", "EMBEDDED": False,
            "OPTIONS": {"secret_key": "sk_test_bazaar", "webhook_secret": WEBHOOK_SECRET, "api_base": api_base}}}
        reset_backends()

    use()
    return use


def post_webhook(client, body: bytes, header: str):
    return client.post(WEBHOOK_URL, data=body, content_type="application/json",
                       headers={"Stripe-Signature": header})


def payment_row(ref: str = "pi_test_123", order_id: str = "ord-1") -> Payment:
    return Payment.objects.create(order_id=order_id, amount_paise=49_900, gateway="stripe", gateway_ref=ref)


@pytest.mark.django_db
@pytest.mark.urls(__name__)
def test_a_signed_success_pays_once_and_a_duplicate_changes_nothing(client, stripe_backend):
    payment = payment_row()
    body = event_body("payment_intent.succeeded", intent_object(), event_id="evt_flow_1")

    response = post_webhook(client, body, signature_header(body))
    assert response.status_code == 200
    payment.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED
    events = OutboxEvent.objects.filter(type="payments.payment_succeeded.v1", key="ord-1")
    assert events.count() == 1
    assert events.get().payload["amount_paise"] == 49_900

    again = post_webhook(client, body, signature_header(body))  # Stripe redelivers, newly signed
    assert again.status_code == 200
    payment.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED
    assert OutboxEvent.objects.count() == 1
    assert PaymentNotification.objects.filter(gateway="stripe", gateway_event_id="evt_flow_1").count() == 1


@pytest.mark.django_db
@pytest.mark.urls(__name__)
def test_a_forged_webhook_gets_problem_json_and_changes_nothing(client, stripe_backend):
    payment = payment_row()
    body = event_body("payment_intent.succeeded", intent_object())

    response = post_webhook(client, body, signature_header(body, "whsec_forger"))
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == 400 and problem["type"].endswith("invalid-notification")
    payment.refresh_from_db()
    assert payment.status == Payment.Status.CREATED
    assert not PaymentNotification.objects.exists()
    assert not OutboxEvent.objects.exists()


@pytest.mark.django_db
@pytest.mark.urls(__name__)
def test_a_failure_then_an_ignored_event(client, stripe_backend):
    payment = payment_row()
    error = {"code": "card_declined", "message": "Your card was declined."}
    failed = event_body("payment_intent.payment_failed",
                        intent_object(status="requires_payment_method", last_payment_error=error))
    assert post_webhook(client, failed, signature_header(failed)).status_code == 200
    payment.refresh_from_db()
    assert (payment.status, payment.failure_reason) == (Payment.Status.FAILED, "Your card was declined.")
    assert OutboxEvent.objects.filter(type="payments.payment_failed.v1").count() == 1

    # An event type we do not act on is answered 200 (so Stripe stops retrying), kept, not applied.
    canceled = event_body("payment_intent.canceled", intent_object(status="canceled"), event_id="evt_ignored")
    assert post_webhook(client, canceled, signature_header(canceled)).status_code == 200
    record = PaymentNotification.objects.get(gateway_event_id="evt_ignored")
    assert (record.outcome, record.applied, record.payment_id) == ("ignored", False, payment.pk)
    payment.refresh_from_db()
    assert payment.status == Payment.Status.FAILED
    assert OutboxEvent.objects.count() == 1


@pytest.mark.django_db
def test_the_stripe_page_is_not_found_while_another_gateway_serves(client):  # the shop's own URLs: its page
    payment_row("pi_test_page")  # the test settings' gateway is the simulated one
    response = client.get("/payments/stripe/pi_test_page/")
    assert response.status_code == 404
    assert b"js.stripe.com" not in response.content


# --- 3. the API calls, against localstripe ----------------------------------------------------

def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def _port_open(port: int) -> bool:
    try:
        with socket.create_connection((HOST, port), timeout=0.5):
            return True
    except OSError:
        return False


@pytest.fixture(scope="session")
def localstripe(tmp_path_factory) -> Iterator[str]:
    """`localstripe --port PORT --from-scratch` for the session; yields its base address."""
    binary = Path(sys.executable).parent / "localstripe"
    if not binary.exists():
        raise FileNotFoundError(f"{binary} is missing: pip install localstripe (it is in requirements)")
    port = free_port()
    log_path = tmp_path_factory.mktemp("localstripe") / "localstripe.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen([str(binary), "--port", str(port), "--from-scratch"], stdout=log,
                                   stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 30
        while not _port_open(port):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"localstripe did not start:\n{log_path.read_text()}")
            time.sleep(0.05)
        yield f"http://{HOST}:{port}"
    finally:
        for sig in (signal.SIGTERM, signal.SIGKILL):
            if process.poll() is not None:
                break
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, sig)
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=5)


@dataclass
class Seen:
    method: str
    path: str
    idempotency_key: str | None
    body: bytes
    form: dict[str, str] = field(default_factory=dict)


class StripeEdge(ThreadingHTTPServer):
    """Between the gateway and localstripe: records requests, fills in what localstripe lacks.

    - drops `automatic_payment_methods[...]` before forwarding (localstripe refuses it);
    - replays the first answer to a POST's Idempotency-Key, as Stripe does; the same key with a
      different body gets Stripe's 400 idempotency_error.
    """

    DROPPED_PREFIX = "automatic_payment_methods["
    daemon_threads = True

    def __init__(self, upstream: str) -> None:
        super().__init__((HOST, 0), _EdgeHandler)
        self.upstream = urllib.parse.urlsplit(upstream)
        self.seen: list[Seen] = []
        self.answers: dict[str, tuple[bytes, int, bytes]] = {}
        self.lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.server_address[1]}"

    def posts(self, path: str) -> list[Seen]:
        return [s for s in self.seen if s.method == "POST" and s.path == path]


class _EdgeHandler(BaseHTTPRequestHandler):
    server: StripeEdge

    def log_message(self, *args) -> None:
        pass

    def do_GET(self) -> None:
        self._relay()

    def do_POST(self) -> None:
        self._relay()

    def do_DELETE(self) -> None:
        self._relay()

    def _relay(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        key = self.headers.get("Idempotency-Key") if self.command == "POST" else None
        pairs = urllib.parse.parse_qsl(body.decode(), keep_blank_values=True)
        with self.server.lock:
            self.server.seen.append(Seen(self.command, self.path.split("?")[0], key, body, dict(pairs)))
            if key and key in self.server.answers:
                first_body, status, answer = self.server.answers[key]
                if first_body != body:
                    status, answer = 400, json.dumps({"error": {
                        "type": "idempotency_error", "message": "Keys for idempotent requests can only be "
                        "used with the same parameters they were first used with."}}).encode()
                return self._answer(status, answer)
            forwarded = urllib.parse.urlencode(
                [(k, v) for k, v in pairs if not k.startswith(StripeEdge.DROPPED_PREFIX)]).encode()
            upstream = http.client.HTTPConnection(self.server.upstream.hostname, self.server.upstream.port,
                                                  timeout=10)
            try:
                upstream.request(self.command, self.path, body=forwarded if self.command == "POST" else None,
                                 headers={"Authorization": self.headers.get("Authorization", ""),
                                          "Content-Type": "application/x-www-form-urlencoded"})
                response = upstream.getresponse()
                status, answer = response.status, response.read()
            finally:
                upstream.close()
            if key and status < 500:
                self.server.answers[key] = (body, status, answer)
        self._answer(status, answer)

    def _answer(self, status: int, answer: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)


@pytest.fixture
def edge(localstripe) -> Iterator[StripeEdge]:
    server = StripeEdge(localstripe)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def live_gateway(edge) -> StripeGateway:
    return StripeGateway("sk_test_bazaar", WEBHOOK_SECRET, edge.url, max_network_retries=0, timeout_s=10)


@pytest.fixture
def customer(localstripe) -> stripe.StripeClient:
    """What Stripe.js does in the customer's browser, straight against localstripe."""
    return stripe.StripeClient("sk_test_customer_side", base_addresses={"api": localstripe}, max_network_retries=0)


def pay(customer: stripe.StripeClient, intent_id: str, card: str = "4242424242424242") -> None:
    method = customer.v1.payment_methods.create(
        {"type": "card", "card": {"number": card, "exp_month": 12, "exp_year": 2034, "cvc": "123"}})
    customer.v1.payment_intents.update(intent_id, {"payment_method": method.id})
    with contextlib.suppress(stripe.CardError):  # a decline answers 402 to the browser
        customer.v1.payment_intents.confirm(intent_id)


def start(gw: StripeGateway, payment_id: str | None = None, amount: int = 49_900):
    payment_id = payment_id or str(uuid.uuid4())
    return payment_id, gw.start(payment_id=payment_id, order_id=f"ord-{payment_id[:8]}", amount_paise=amount,
                                currency="INR", return_url="/orders/")



@pytest.mark.broker
@pytest.mark.xdist_group("localstripe")
def test_start_opens_an_intent_in_paise_with_our_metadata(live_gateway, edge, customer):
    payment_id, started = start(live_gateway, amount=49_900)
    assert started.gateway_ref.startswith("pi_")
    assert started.redirect_url == f"/payments/stripe/{started.gateway_ref}/"
    intent = customer.v1.payment_intents.retrieve(started.gateway_ref)
    assert (intent.amount, intent.currency) == (49_900, "inr")
    assert intent.metadata.to_dict() == {"order_id": f"ord-{payment_id[:8]}", "payment_id": payment_id}
    [sent] = edge.posts("/v1/payment_intents")
    assert sent.idempotency_key == f"payment-{payment_id}"
    assert sent.form["automatic_payment_methods[enabled]"] == "true"
    assert live_gateway.status(gateway_ref=started.gateway_ref) == "created"
    assert live_gateway.client_secret(gateway_ref=started.gateway_ref).startswith(f"{started.gateway_ref}_secret_")


@pytest.mark.broker
@pytest.mark.xdist_group("localstripe")
def test_start_is_idempotent_per_payment(live_gateway, edge):
    payment_id, first = start(live_gateway)
    _, again = start(live_gateway, payment_id)
    _, other = start(live_gateway)
    assert again == first
    assert other.gateway_ref != first.gateway_ref
    sent = edge.posts("/v1/payment_intents")
    assert [s.idempotency_key for s in sent[:2]] == [f"payment-{payment_id}"] * 2
    assert sent[0].body == sent[1].body  # same key, same parameters: Stripe replays, never refuses


@pytest.mark.broker
@pytest.mark.xdist_group("localstripe")
def test_a_paid_intent_succeeds_refunds_once_and_shrugs_off_a_late_void(live_gateway, edge, customer):
    _, started = start(live_gateway, amount=12_345)
    ref = started.gateway_ref
    pay(customer, ref)
    assert live_gateway.status(gateway_ref=ref) == "succeeded"

    live_gateway.void(gateway_ref=ref)  # a late success: no error, nothing changes
    assert live_gateway.status(gateway_ref=ref) == "succeeded"

    live_gateway.refund(gateway_ref=ref, amount_paise=12_345, idempotency_key="refund-abc")
    live_gateway.refund(gateway_ref=ref, amount_paise=12_345, idempotency_key="refund-abc")  # a retry
    assert live_gateway.status(gateway_ref=ref) == "refunded"
    refunds = customer.v1.refunds.list({"payment_intent": ref})
    assert [r.amount for r in refunds.data] == [12_345]  # one refund at localstripe, not two
    assert [s.idempotency_key for s in edge.posts("/v1/refunds")] == ["refund-abc"] * 2


@pytest.mark.broker
@pytest.mark.xdist_group("localstripe")
def test_a_declined_payment_reads_failed_and_voids_idempotently(live_gateway, customer):
    _, started = start(live_gateway)
    ref = started.gateway_ref
    pay(customer, ref, card="4000000000000341")  # localstripe's card that declines at confirmation
    assert live_gateway.status(gateway_ref=ref) == "failed"
    live_gateway.void(gateway_ref=ref)
    assert live_gateway.status(gateway_ref=ref) == "voided"
    live_gateway.void(gateway_ref=ref)  # already cancelled: still no error
    assert live_gateway.status(gateway_ref=ref) == "voided"


@pytest.mark.broker
@pytest.mark.xdist_group("localstripe")
def test_an_unpaid_intent_voids(live_gateway):
    _, started = start(live_gateway)
    live_gateway.void(gateway_ref=started.gateway_ref)
    assert live_gateway.status(gateway_ref=started.gateway_ref) == "voided"


@pytest.mark.broker
@pytest.mark.xdist_group("localstripe")
def test_refusals_at_stripe_are_gateway_errors(live_gateway):
    with pytest.raises(GatewayError, match="Not Found"):
        live_gateway.status(gateway_ref="pi_doesnotexist")
    with pytest.raises(GatewayError):
        live_gateway.void(gateway_ref="pi_doesnotexist")
    _, started = start(live_gateway)
    with pytest.raises(GatewayError, match=r"(?i)refund"):  # nothing was paid
        live_gateway.refund(gateway_ref=started.gateway_ref, amount_paise=100, idempotency_key=str(uuid.uuid4()))


class _WebhookReceiver(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__((HOST, 0), _ReceiverHandler)
        self.deliveries: queue.Queue[tuple[bytes, dict[str, str]]] = queue.Queue()


class _ReceiverHandler(BaseHTTPRequestHandler):
    server: _WebhookReceiver

    def log_message(self, *args) -> None:
        pass

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.server.deliveries.put((body, dict(self.headers.items())))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()


@pytest.mark.broker
@pytest.mark.xdist_group("localstripe")
@pytest.mark.django_db
@pytest.mark.urls(__name__)
def test_the_whole_journey_with_localstripes_own_signed_webhook(client, stripe_backend, edge, localstripe,
                                                                  customer):
    """payment_start → the customer pays → localstripe signs and sends the webhook → our view."""
    stripe_backend(edge.url)
    receiver = _WebhookReceiver()
    threading.Thread(target=receiver.serve_forever, args=(0.05,), daemon=True).start()
    try:
        register = urllib.parse.urlencode({
            "url": f"http://{HOST}:{receiver.server_address[1]}/", "secret": WEBHOOK_SECRET,
            "events[0]": "payment_intent.succeeded", "events[1]": "payment_intent.payment_failed"}).encode()
        with urllib.request.urlopen(f"{localstripe}/_config/webhooks/bazaar-{uuid.uuid4().hex[:8]}",
                                    data=register, timeout=5) as answer:
            assert answer.status == 200

        info = services.payment_start(order_id="ord-journey", amount_paise=75_000, currency="INR",
                                      return_url="/orders/")
        payment = Payment.objects.get(pk=info.payment_id)
        assert payment.gateway == "stripe" and payment.gateway_ref.startswith("pi_")
        assert info.redirect_url == f"/payments/stripe/{payment.gateway_ref}/"
        pay(customer, payment.gateway_ref)

        deadline = time.monotonic() + 15
        while True:  # localstripe sends after about a second; skip other tests' intents
            body, headers = receiver.deliveries.get(timeout=max(0.1, deadline - time.monotonic()))
            if json.loads(body)["data"]["object"]["id"] == payment.gateway_ref:
                break
    finally:
        receiver.shutdown()
        receiver.server_close()

    response = post_webhook(client, body, headers["Stripe-Signature"])
    assert response.status_code == 200
    payment.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED
    assert OutboxEvent.objects.filter(type="payments.payment_succeeded.v1", key="ord-journey").count() == 1
    assert services.payment_gateway_status(order_id="ord-journey") == ("succeeded", "succeeded")

    assert services.payment_refund(order_id="ord-journey", reason="test") is True
    assert services.payment_gateway_status(order_id="ord-journey") == ("refunded", "refunded")
    assert edge.posts("/v1/refunds")[-1].idempotency_key == f"refund-{payment.pk}"
