"""The page's one cache prefetch and the cached session user (docs/decisions/0024).

Nothing may be served stale for the prefetch: a write in the request is read back, a key the request
did not prefetch always goes to the server, and a user saved anywhere is read afresh on the next
request (deactivated: logged out; password changed: other sessions logged out).
"""

from __future__ import annotations

import pytest
from django.core.cache import cache, caches
from django.urls import reverse

from accounts.selectors import session_user_get, user_cache_key
from shop.cache import TimedCacheMixin, request_prefetch, request_prefetch_start, request_prefetch_stop


@pytest.fixture
def in_a_request():
    token = request_prefetch_start()
    yield
    request_prefetch_stop(token)


class _RoundTrips(list):
    """The methods called, in order; `keys` their first arguments."""

    def __init__(self):
        super().__init__()
        self.keys: list = []

    def clear(self) -> None:
        super().clear()
        self.keys.clear()


@pytest.fixture
def round_trips(monkeypatch):
    """Calls that reach the cache server (below the prefetch)."""
    calls = _RoundTrips()
    keys = calls.keys
    for name in ("get", "get_many", "set", "delete"):
        real = getattr(TimedCacheMixin, name)

        def spy(backend, *args, _real=real, _name=name, **kwargs):
            calls.append(_name)
            keys.append(args[0] if args else None)
            return _real(backend, *args, **kwargs)
        monkeypatch.setattr(TimedCacheMixin, name, spy)
    return calls


def test_prefetched_keys_are_read_in_one_round_trip_misses_included(in_a_request, round_trips):
    cache.set_many({"a": 1, "b": 2})
    round_trips.clear()
    request_prefetch(["a", "b", "missing"])
    assert (cache.get("a"), cache.get("b"), cache.get("missing", "default")) == (1, 2, "default")
    assert round_trips == ["get_many"]


def test_get_many_answers_prefetched_keys_and_asks_for_the_rest(in_a_request, round_trips):
    cache.set_many({"a": 1, "b": 2, "c": 3})
    request_prefetch(["a", "missing"])
    round_trips.clear()
    assert cache.get_many(["a", "missing"]) == {"a": 1}
    assert round_trips == []  # all prefetched, the miss included
    assert cache.get_many(["a", "b", "c"]) == {"a": 1, "b": 2, "c": 3}
    assert round_trips == ["get_many"] and round_trips.keys == [["b", "c"]]


def test_a_write_in_the_request_is_read_back(in_a_request):
    cache.set_many({"a": 1, "b": 2, "c": 3})
    request_prefetch(["a", "b", "c", "d"])
    cache.set("a", 10)
    cache.delete("b")
    cache.incr("c")
    cache.add("d", 4)
    assert (cache.get("a"), cache.get("b"), cache.get("c"), cache.get("d")) == (10, None, 4, 4)


def test_a_key_not_prefetched_always_asks_the_server(in_a_request, round_trips):
    """Plain reads are not kept: something that polls the cache within a request sees changes."""
    cache.set("polled", 1)
    request_prefetch(["other"])
    round_trips.clear()
    assert cache.get("polled") == 1
    caches["default"].set("polled", 2)
    assert cache.get("polled") == 2
    assert round_trips.count("get") == 2


def test_outside_a_request_prefetch_does_nothing(round_trips):
    cache.set("a", 1)
    round_trips.clear()
    request_prefetch(["a"])
    assert round_trips == []
    assert cache.get("a") == 1


def test_a_customer_page_reads_its_session_and_header_in_two_prefetches(client, user_factory, round_trips,
                                                                         django_assert_num_queries):
    """First what the cookie names (the session, the versions), then what the session names."""
    user = user_factory(pin_code="110001")
    client.force_login(user)
    client.get(reverse("cart:detail"))  # warms the user, profile and counts
    round_trips.clear()
    response = client.get(reverse("cart:detail"))
    assert response.status_code == 200
    assert round_trips[:2] == ["get_many", "get_many"]
    read_alone = [str(key) for name, key in zip(round_trips, round_trips.keys, strict=True) if name == "get"]
    assert not [k for k in read_alone if "session" in k or "accounts:" in k or "count" in k], read_alone


def test_the_session_user_comes_from_the_cache_and_is_forgotten_when_saved(user_factory, django_assert_num_queries):
    user = user_factory(full_name="Asha")
    session_user_get(user_id=user.pk)  # cached
    with django_assert_num_queries(0):
        cached = session_user_get(user_id=user.pk)
    assert (cached.pk, cached.email, cached.full_name, cached._state.adding) == (user.pk, user.email, "Asha", False)
    user.full_name = "Asha Rao"
    user.save()
    assert cache.get(user_cache_key(user.pk)) is None
    assert session_user_get(user_id=user.pk).full_name == "Asha Rao"


def test_a_deactivated_customer_is_logged_out_on_the_next_page(client, user_factory):
    user = user_factory()
    client.force_login(user)
    assert client.get(reverse("orders:list")).status_code == 200  # the user is cached now
    user.is_active = False
    user.save(update_fields=["is_active"])
    response = client.get(reverse("orders:list"))
    assert response.status_code == 302 and "login" in response["Location"]


def test_a_password_change_elsewhere_ends_other_sessions(client, user_factory):
    user = user_factory()
    client.force_login(user)
    assert client.get(reverse("orders:list")).status_code == 200
    user.set_password("a new long passphrase 42")
    user.save()
    response = client.get(reverse("orders:list"))
    assert response.status_code == 302 and "login" in response["Location"]


def test_a_deleted_user_is_forgotten(user_factory):
    user = user_factory()
    session_user_get(user_id=user.pk)
    user_id = user.pk
    user.delete()
    assert session_user_get(user_id=user_id) is None
