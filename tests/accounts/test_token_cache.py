"""API tokens are read through the cache: no query per call, and a deleted token or a deactivated
user is refused on the next call."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.authentication import token_cache_key

pytestmark = pytest.mark.django_db

CART = "/api/v1/cart"


def _client(key: str) -> APIClient:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return api


def test_a_known_token_costs_no_query_after_its_first_call(user_factory):
    user = user_factory()
    key = Token.objects.create(user=user).key
    api = _client(key)

    assert api.get(CART).status_code == 200
    with CaptureQueriesContext(connection) as captured:
        assert api.get(CART).status_code == 200
    assert not [q for q in captured.captured_queries if "authtoken" in q["sql"] or "accounts_user" in q["sql"]]
    assert cache.get(token_cache_key(key)) == user.pk
    assert key not in str(token_cache_key(key))  # the cache never holds a key that opens an account


def test_a_deleted_token_is_refused_on_the_next_call(user_factory):
    user = user_factory()
    token = Token.objects.create(user=user)
    api = _client(token.key)
    assert api.get(CART).status_code == 200

    token.delete()

    response = api.get(CART)
    # 403, not 401: the cart API lists session authentication first, which names no challenge.
    assert response.status_code == 403
    assert response["Content-Type"].startswith("application/problem+json")
    assert response.json()["detail"] == "Invalid token."


def test_a_deactivated_user_is_refused_on_the_next_call(user_factory):
    user = user_factory()
    api = _client(Token.objects.create(user=user).key)
    assert api.get(CART).status_code == 200

    user.is_active = False
    user.save()

    response = api.get(CART)
    assert response.status_code == 403
    assert response.json()["detail"] == "User inactive or deleted."


def test_a_deleted_user_takes_their_token_with_them(user_factory):
    user = user_factory()
    api = _client(Token.objects.create(user=user).key)
    assert api.get(CART).status_code == 200

    user.delete()

    assert api.get(CART).json()["detail"] == "Invalid token."


def test_an_unknown_token_is_refused_and_not_cached():
    key = "0" * 40
    response = _client(key).get(CART)
    assert (response.status_code, response.json()["detail"]) == (403, "Invalid token.")
    assert cache.get(token_cache_key(key)) is None
