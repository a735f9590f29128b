"""The MySQL backend pings the server at the start of a request only when its connection has been
idle (shop/mysql; docs/decisions/0026). Runs on MariaDB (CI's database); elsewhere there is no
MySQL connection to check."""

from __future__ import annotations

import os

import pytest
from django.db import connection, connections

import shop.mysql.base

needs_mysql = pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith(("mysql:", "mariadb:")),
    reason="DATABASE_URL is not MySQL/MariaDB: this backend only serves them (CI runs it on MariaDB)",
)


def _request(pings: list) -> None:
    """One request's life for the connection: Django's request_started, a query, request_finished."""
    connection.close_if_unusable_or_obsolete()
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    connection.close_if_unusable_or_obsolete()


@pytest.fixture
def pings(monkeypatch):
    made = []
    wrapper = connections["default"]
    real = type(wrapper).is_usable
    monkeypatch.setattr(type(wrapper), "is_usable", lambda self: made.append(1) or real(self))
    return made


@needs_mysql
def test_a_connection_in_use_is_not_pinged_but_an_idle_one_is(transactional_db, pings, monkeypatch):
    assert isinstance(connections["default"], shop.mysql.base.DatabaseWrapper)
    assert connection.health_check_enabled
    _request(pings)  # connects, or reuses the test's connection
    pings.clear()
    for _ in range(5):
        _request(pings)
    assert pings == [], "busy: no ping before each request"

    connection._answered_at -= shop.mysql.base.HEALTH_CHECK_AFTER_IDLE_SECONDS + 1  # idle since
    _request(pings)
    assert pings == [1]


@needs_mysql
def test_a_connection_that_erred_is_checked_at_the_end_of_its_request(transactional_db, pings):
    _request(pings)
    pings.clear()
    connection.close_if_unusable_or_obsolete()
    connection.errors_occurred = True  # what Django's error wrapper marks after e.g. "server gone away"
    connection.close_if_unusable_or_obsolete()  # request_finished
    assert pings == [1]  # Django's own check after an error still runs
    assert connection.errors_occurred is False and connection.connection is not None
