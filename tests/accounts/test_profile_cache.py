"""The profile read is a read-through cache: the database once, then the cache, until a write."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.urls import reverse

from accounts.selectors import profile_cache_key, profile_get
from accounts.services import profile_update

pytestmark = pytest.mark.django_db


def test_first_read_hits_the_database_the_second_does_not(user_factory, django_assert_num_queries):
    user = user_factory(full_name="Asha Rao", pin_code="110001")

    with django_assert_num_queries(1):
        first = profile_get(user_id=user.pk)
    with django_assert_num_queries(0):
        second = profile_get(user_id=user.pk)

    assert first == second
    assert (second.email, second.full_name, second.pin_code) == (user.email, "Asha Rao", "110001")
    assert cache.get(profile_cache_key(user.pk)) is not None


def test_profile_update_invalidates_the_cached_profile(user_factory, django_assert_num_queries):
    user = user_factory(pin_code="110001")
    profile_get(user_id=user.pk)

    profile_update(user_id=user.pk, pin_code="560001", full_name="Asha")

    assert cache.get(profile_cache_key(user.pk)) is None
    with django_assert_num_queries(1):
        fresh = profile_get(user_id=user.pk)
    assert (fresh.pin_code, fresh.full_name) == ("560001", "Asha")
    with django_assert_num_queries(0):
        assert profile_get(user_id=user.pk) == fresh


def test_unknown_or_inactive_users_have_no_profile_and_nothing_is_cached(user_factory):
    inactive = user_factory(is_active=False)
    assert profile_get(user_id=inactive.pk) is None
    assert profile_get(user_id=inactive.pk + 1000) is None
    assert cache.get(profile_cache_key(inactive.pk)) is None


def test_header_reads_the_pin_without_queries_for_an_anonymous_visitor(client, django_assert_num_queries):
    client.post(reverse("accounts:pin_set"), {"pin_code": "110001"})
    client.get(reverse("home"))  # warms what the home shelf's search keeps (categories, routes)
    with django_assert_num_queries(0):
        response = client.get(reverse("home"))
    assert 'data-testid="current-pin">110001<' in response.text


def test_header_costs_a_customer_one_cached_profile_read(client, user_factory, django_assert_num_queries):
    user = user_factory(pin_code="110001", full_name="Asha")
    client.force_login(user)
    client.get(reverse("home"))  # warms the profile cache and the shelf's search memos

    # The session's user and the PIN both come from the cache (docs/decisions/0024): no query.
    with django_assert_num_queries(0):
        response = client.get(reverse("home"))
    assert 'data-testid="current-pin">110001<' in response.text
