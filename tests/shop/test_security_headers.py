"""Security headers and sessions: what a browser is told, and when a session must end or change."""

from __future__ import annotations

import pytest
from django.contrib.sessions.backends.base import SessionBase
from django.utils.module_loading import import_string

from tests.shop.test_config import REAL_SECRET, run_manage

PASSWORD = "a-long-test-password"


@pytest.mark.parametrize("path", ["/", "/healthz", "/api/v1/search?q=kettle", "/static/css/bazaar.css"])
def test_every_response_denies_the_browser_features_the_shop_does_not_use(client, db, path):
    response = client.get(path)
    policy = response.headers["Permissions-Policy"]
    for feature in ("camera=()", "microphone=()", "geolocation=()", "payment=()", "usb=()"):
        assert feature in policy


def test_production_cookies_are_secure_and_http_only():
    result = run_manage(
        "shell", "-c",
        "from django.conf import settings as s; print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, "
        "s.SESSION_COOKIE_HTTPONLY, s.SECURE_HSTS_SECONDS > 0)",
        BAZAAR_ENV="production", SECRET_KEY=REAL_SECRET, ALLOWED_HOSTS="shop.example")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-4:] == ["True", "True", "True", "True"]


def _session_store(key: str) -> SessionBase:
    from django.conf import settings

    return import_string(f"{settings.SESSION_ENGINE}.SessionStore")(session_key=key)


def test_logging_in_starts_a_new_session_and_the_old_key_is_gone(client, user_factory):
    user = user_factory(email="asha@example.com", password=PASSWORD)
    session = client.session
    session["visitor_pin"] = "560001"  # something an anonymous visitor's session holds
    session.save()
    before = session.session_key

    response = client.post("/accounts/login/", {"username": user.email, "email": user.email, "password": PASSWORD})

    assert response.status_code == 302
    after = client.cookies["sessionid"].value
    assert after != before
    assert not _session_store(before).exists(before)  # a fixated key is worthless after log-in
    assert client.get("/accounts/profile/").status_code == 200


@pytest.mark.parametrize("change", [{"is_staff": True}, {"is_superuser": True}, {"is_seller": False},
                                    {"is_active": False}])
def test_a_change_of_rights_ends_the_sessions_made_under_the_old_ones(client, user_factory, change):
    user = user_factory(email="seller@example.com", password=PASSWORD, is_seller=True)
    client.force_login(user)
    assert client.get("/accounts/profile/").status_code == 200

    for field, value in change.items():
        setattr(user, field, value)
    user.save()

    response = client.get("/accounts/profile/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_other_profile_changes_keep_the_session(client, user_factory):
    user = user_factory(email="asha@example.com", password=PASSWORD)
    client.force_login(user)
    user.full_name, user.pin_code = "Asha Buyer", "110001"
    user.save()
    assert client.get("/accounts/profile/").status_code == 200
