"""The storefront shell: the header every page shows, and the error pages."""

from __future__ import annotations

import json

import pytest
from django.test import RequestFactory
from django.urls import reverse

from shop.views import server_error

pytestmark = pytest.mark.django_db


def test_home_shows_the_header_to_a_visitor(client):
    response = client.get(reverse("home"))
    page = response.text

    assert response.status_code == 200
    assert '<a class="skip-link" href="#main">' in page and '<main id="main"' in page
    assert f'<a class="brand" href="{reverse("home")}">' in page
    assert '<form class="search" role="search" method="get" action="/search/">' in page
    assert 'name="q"' in page and '<label class="visually-hidden" for="header-search">' in page
    assert f'action="{reverse("accounts:pin_set")}"' in page and "Set PIN code" in page
    assert '<label for="header-pin">' in page
    assert f'href="{reverse("accounts:login")}"' in page and f'href="{reverse("accounts:signup")}"' in page
    assert 'href="/cart/"' in page and 'href="/wishlist/"' in page
    assert "Top rated right now" in page and "Nothing to show yet." in page
    assert '<footer class="site-footer">' in page


def test_home_shows_a_customer_their_name_pin_and_a_post_logout(client, user_factory):
    client.force_login(user_factory(full_name="Asha Rao", pin_code="560001"))
    page = client.get(reverse("home")).text

    assert 'data-testid="account-name">Asha</span>' in page
    assert 'data-testid="current-pin">560001<' in page
    assert f'<form method="post" action="{reverse("accounts:logout")}">' in page
    assert f'href="{reverse("accounts:profile")}">My account' in page
    assert f'href="{reverse("accounts:login")}"' not in page


def test_pages_use_no_inline_script_or_style(client):
    page = client.get(reverse("home")).text
    assert "<script>" not in page and "<style" not in page and "style=" not in page
    assert "default-src 'self'" in client.get(reverse("home")).headers["Content-Security-Policy"]


def test_a_missing_page_is_html_with_the_shell(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
    assert "We couldn't find that page" in response.text
    assert '<form class="search" role="search"' in response.text


def test_a_missing_api_address_is_problem_json(client):
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    body = json.loads(response.content)
    assert body["status"] == 404 and body["title"] == "Not Found"


def test_the_500_page_needs_no_request_context(settings):
    # Even a broken context processor (say, the cache is down) can't break the error page.
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "OPTIONS": {
        **settings.TEMPLATES[0]["OPTIONS"], "context_processors": ["tests.shop.test_shell.exploding"]}}]
    response = server_error(RequestFactory().get("/checkout/"))
    assert response.status_code == 500
    assert b"Something went wrong on our side" in response.content

    api = server_error(RequestFactory().get("/api/v1/orders"))
    assert api.status_code == 500 and api["Content-Type"] == "application/problem+json"


def exploding(request):
    raise RuntimeError("context processors must not run for the 500 page")


def test_uploaded_pictures_are_served_where_no_web_server_is_in_front(client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    (tmp_path / "items").mkdir()
    (tmp_path / "items" / "lamp.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    response = client.get("/media/items/lamp.png")
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert client.get("/media/../settings.py").status_code in {400, 404}
