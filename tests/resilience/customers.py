"""Customers over HTTP: a requests.Session per customer against a real server, every answer recorded.

Logged in customers get a session made in the test process (the same database and SECRET_KEY as the
server), which saves a password hash per customer; the log-in page itself is tested where it matters.
"""

from __future__ import annotations

import re
import secrets
import threading
import time
import uuid
from dataclasses import dataclass, field
from importlib import import_module

import requests
from django.conf import settings

from tests.orders.helpers import address

CSRF = secrets.token_hex(16)  # 32 characters: a CSRF secret, sent as cookie and as form field
PAYMENT_PAGE = re.compile(r"^/payments/simulated/(?P<ref>[^/]+)/$")
ORDER_PAGE = re.compile(r"^/orders/(?P<order_id>[0-9a-f-]{36})/")


@dataclass
class Answer:
    who: str
    method: str
    path: str
    status: int | None  # None: no answer at all (connection reset, refused, timed out)
    seconds: float
    error: str = ""
    location: str = ""
    text: str = ""


@dataclass
class Journal:
    """Every answer any customer got; thread-safe."""

    answers: list[Answer] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, answer: Answer) -> None:
        with self.lock:
            self.answers.append(answer)

    def server_errors(self) -> list[Answer]:
        return [a for a in self.answers if a.status is not None and a.status >= 500]

    def unanswered(self) -> list[Answer]:
        return [a for a in self.answers if a.status is None]

    def slowest(self, path_prefix: str = "") -> float:
        return max((a.seconds for a in self.answers if a.path.startswith(path_prefix)), default=0.0)


def session_for(user) -> str:
    """A logged-in session for `user`, as django.contrib.auth.login would store it."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "accounts.backends.CachedModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.save()
    return store.session_key


class Customer:
    def __init__(self, base_url: str, journal: Journal, *, user=None, timeout: float = 15):
        self.base_url, self.journal, self.timeout = base_url, journal, timeout
        self.http = requests.Session()
        self.http.cookies.set("csrftoken", CSRF)
        self.user = user
        self.name = user.email if user is not None else f"visitor-{id(self):x}"
        if user is not None:
            self.http.cookies.set(settings.SESSION_COOKIE_NAME, session_for(user))

    def request(self, method: str, path: str, data: dict | None = None) -> Answer:
        started = time.monotonic()
        try:
            response = self.http.request(method, self.base_url + path, data=data, allow_redirects=False,
                                         timeout=self.timeout, headers={"Connection": "close"})
        except requests.RequestException as exc:
            answer = Answer(self.name, method, path, None, time.monotonic() - started, error=repr(exc))
        else:
            answer = Answer(self.name, method, path, response.status_code, time.monotonic() - started,
                            location=response.headers.get("Location", ""), text=response.text)
        self.journal.add(answer)
        return answer

    def get(self, path: str) -> Answer:
        return self.request("GET", path)

    def post(self, path: str, data: dict) -> Answer:
        return self.request("POST", path, {**data, "csrfmiddlewaretoken": CSRF})

    # --- journeys -------------------------------------------------------------------------------

    def checkout(self, *, attempt: str | None = None) -> Answer:
        """Place the order for what is in the cart (delivered to Delhi); a 302 to the payment page
        means the order exists. `attempt` is the checkout page's one-time key: the same attempt
        posted again is the same order."""
        ship = address()
        return self.post("/checkout/", {
            "name": ship.name, "phone": ship.phone, "line1": ship.line1, "line2": "", "city": ship.city,
            "state": ship.state, "pin_code": ship.pin_code, "attempt": attempt or str(uuid.uuid4())})

    def pay(self, payment_page: str, decision: str = "pay") -> Answer:
        return self.post(payment_page, {"decision": decision})

    def browse(self, *, item_path: str) -> list[Answer]:
        """The customer pages, as a visit goes: home, search, product, cart, checkout, my orders,
        log-in and password reset (both asked for, the reset also sent)."""
        answers = [self.get("/"), self.get("/search/?q=kettle"), self.get(item_path), self.get("/cart/"),
                   self.get("/checkout/"), self.get("/orders/"), self.get("/accounts/login/"),
                   self.get("/accounts/password-reset/"),
                   self.post("/accounts/password-reset/", {"email": f"nobody-{uuid.uuid4().hex[:8]}@example.com"})]
        return answers


def payment_ref(answer: Answer) -> str:
    match = PAYMENT_PAGE.match(answer.location)
    assert match, f"expected a redirect to the payment page, got {answer.status} {answer.location!r}"
    return match["ref"]


def order_id_of(answer: Answer) -> str:
    match = ORDER_PAGE.match(answer.location)
    assert match, f"expected a redirect to the order page, got {answer.status} {answer.location!r}"
    return match["order_id"]
