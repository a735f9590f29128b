"""Who the visitor is, for every limit: TRUSTED_PROXIES decides which X-Forwarded-For entry to believe,
and the API's token log-in can't be dodged by making up a new one each time (issue 10, finding 2)."""

from __future__ import annotations

import re

import pytest
from django.test import RequestFactory
from rest_framework.request import Request
from rest_framework.throttling import BaseThrottle

from shop import ratelimit
from shop.api import ClientAddressThrottle
from shop.http import client_address

TOKEN_URL = "/api/v1/auth/token"
PASSWORD = "a-long-test-password"



def _request(xff: str | None, remote: str = "10.0.0.1"):
    extra = {"REMOTE_ADDR": remote}
    if xff is not None:
        extra["HTTP_X_FORWARDED_FOR"] = xff
    return RequestFactory().get("/", **extra)


CASES = [
    # (trusted proxies, X-Forwarded-For, the visitor)
    (0, None, "10.0.0.1"),
    (0, "1.2.3.4", "10.0.0.1"),  # no proxy of ours: the header is the visitor's own text
    (1, None, "10.0.0.1"),
    (1, "203.0.113.9", "203.0.113.9"),
    (1, "6.6.6.6, 203.0.113.9", "203.0.113.9"),  # what the visitor wrote on the left is ignored
    (2, "6.6.6.6, 203.0.113.9, 10.1.1.1", "203.0.113.9"),
    (2, "203.0.113.9", "203.0.113.9"),  # fewer hops than proxies: the leftmost there is
    (1, " , ", "10.0.0.1"),
]


@pytest.mark.parametrize(("hops", "xff", "visitor"), CASES)
def test_the_visitor_is_the_rightmost_address_no_proxy_of_ours_wrote(settings, hops, xff, visitor):
    settings.TRUSTED_PROXIES = hops
    assert client_address(_request(xff)) == visitor


@pytest.mark.parametrize(("hops", "xff", "visitor"), [c for c in CASES if c[1] is None or c[1].strip(" ,")])
def test_drf_sees_the_same_visitor_as_the_pages(settings, hops, xff, visitor):
    settings.TRUSTED_PROXIES = hops
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": hops}
    request = Request(_request(xff))
    assert ClientAddressThrottle().get_ident(request) == visitor
    assert BaseThrottle().get_ident(request) == visitor  # any other DRF throttle: NUM_PROXIES


def test_the_settings_give_drf_the_proxy_count():
    from django.conf import settings

    assert settings.REST_FRAMEWORK["NUM_PROXIES"] == settings.TRUSTED_PROXIES == 0


def test_an_ipv6_visitor_is_counted_by_its_64_network():
    assert ratelimit.address_key("2001:db8:1:2:aaaa::1") == ratelimit.address_key("2001:db8:1:2:bbbb::9")
    assert ratelimit.address_key("2001:db8:1:3::1") != ratelimit.address_key("2001:db8:1:2::1")
    assert ratelimit.address_key("::ffff:203.0.113.9") == "203.0.113.9"


def _token(client, email: str, password: str, **headers):
    return client.post(TOKEN_URL, {"email": email, "password": password}, content_type="application/json",
                       **headers)


def test_a_new_forwarded_for_each_time_does_not_dodge_the_token_throttle(client, user_factory):
    """Finding 2: 30 wrong passwords, each claiming another address (and another account), then
    the right one: still refused."""
    user_factory(email="asha@example.com", password=PASSWORD)
    statuses = [_token(client, f"guess{n}@example.com", "wrong", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}").status_code
                for n in range(30)]
    last = _token(client, "asha@example.com", PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.200")

    assert statuses[:10] == [401] * 10
    assert set(statuses[10:]) == {429}
    assert last.status_code == 429
    assert "token" not in last.json()
    assert int(last["Retry-After"]) > 0


def test_behind_our_proxy_each_visitor_has_their_own_token_budget(client, settings, user_factory):
    settings.TRUSTED_PROXIES = 1
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    user_factory(email="asha@example.com", password=PASSWORD)
    # The attacker varies what they write; our proxy appends their real address.
    spoofed = [_token(client, f"guess{n}@example.com", "wrong",
                      HTTP_X_FORWARDED_FOR=f"198.51.100.{n}, 203.0.113.66").status_code for n in range(12)]
    neighbour = _token(client, "asha@example.com", PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.7")

    assert spoofed[10:] == [429, 429]
    assert neighbour.status_code == 200 and neighbour.json()["token"]


def test_failed_token_log_ins_lock_the_account_whatever_the_address(client, settings, user_factory):
    settings.TRUSTED_PROXIES = 1
    user_factory(email="asha@example.com", password=PASSWORD)
    failures = [_token(client, "Asha@Example.com", "wrong", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}").status_code
                for n in range(10)]
    locked = _token(client, "asha@example.com", PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.7")

    assert failures == [401] * 10
    assert locked.status_code == 429
    assert locked["Content-Type"] == "application/problem+json"
    assert re.search(r"You can try again in (less than a minute|[1-5] minutes?) \(at \d\d:\d\d\)",
                     locked.json()["detail"])
    assert 0 < int(locked["Retry-After"]) <= 300
