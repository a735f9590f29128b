"""The accounts pages as a visitor uses them: sign up, log in and out, reset, profile, PIN chooser."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse

from accounts.models import Address
from accounts.selectors import profile_get

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-test-password"


def _logged_in_user_id(client) -> int | None:
    user_id = client.session.get("_auth_user_id")
    return int(user_id) if user_id else None


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


# --- Sign-up, log-in, log-out -------------------------------------------------------------------


def test_signup_creates_the_account_and_logs_in(client):
    response = client.post(reverse("accounts:signup"), {
        "email": "Asha@Example.com", "full_name": "Asha Rao",
        "password1": "saffron-mango-42", "password2": "saffron-mango-42",
    }, follow=True)

    user = get_user_model().objects.get()
    assert user.email == "asha@example.com"
    assert user.full_name == "Asha Rao"
    assert user.check_password("saffron-mango-42")
    assert _logged_in_user_id(client) == user.pk
    assert response.redirect_chain[-1][0] == reverse("home")
    assert 'data-testid="account-name">Asha</span>' in response.text


def test_signup_refuses_a_taken_email_and_mismatched_passwords(client, user_factory):
    user_factory(email="asha@example.com")
    response = client.post(reverse("accounts:signup"), {
        "email": "ASHA@example.com", "full_name": "Asha",
        "password1": "saffron-mango-42", "password2": "saffron-mango-43",
    })
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "already an account" in errors["email"][0]
    assert get_user_model().objects.count() == 1
    assert _logged_in_user_id(client) is None


def test_signup_keeps_the_pin_the_visitor_chose_before(client):
    client.post(reverse("accounts:pin_set"), {"pin_code": "560001"})
    client.post(reverse("accounts:signup"), {
        "email": "ravi@example.com", "full_name": "Ravi",
        "password1": "saffron-mango-42", "password2": "saffron-mango-42",
    })
    assert get_user_model().objects.get().pin_code == "560001"


def test_login_with_email_in_any_case(client, user_factory):
    user = user_factory(email="meera@example.com", password=PASSWORD)
    response = client.post(reverse("accounts:login"), {"username": "MEERA@Example.COM",
                                                       "password": PASSWORD})
    assert response.status_code == 302
    assert _logged_in_user_id(client) == user.pk


def test_login_page_asks_for_email_and_says_when_it_is_wrong(client, user_factory):
    user_factory(email="meera@example.com", password=PASSWORD)
    page = client.get(reverse("accounts:login"))
    assert '<label for="id_username">Email</label>' in page.text
    assert 'type="email"' in page.text

    response = client.post(reverse("accounts:login"), {"username": "meera@example.com",
                                                       "password": "wrong"})
    assert response.status_code == 200
    assert "don&#x27;t match an account" in response.text
    assert _logged_in_user_id(client) is None


def test_logout_needs_a_post(client, user_factory):
    client.force_login(user_factory())
    assert client.get(reverse("accounts:logout")).status_code == 405
    assert _logged_in_user_id(client) is not None

    response = client.post(reverse("accounts:logout"), follow=True)
    assert _logged_in_user_id(client) is None
    assert response.redirect_chain[-1][0] == reverse("home")
    assert "You are logged out" in response.text
    assert reverse("accounts:login") in response.text


# --- Password reset -----------------------------------------------------------------------------


def test_password_reset_sends_an_email_whose_link_sets_a_new_password(client, user_factory):
    user = user_factory(email="kiran@example.com", password=PASSWORD)

    response = client.post(reverse("accounts:password_reset"), {"email": "Kiran@Example.com"})
    assert response.status_code == 302
    assert response.url == reverse("accounts:password_reset_done")
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == ["kiran@example.com"]
    assert email.subject == "Reset your Bazaar password"

    link = re.search(r"https?://testserver(/accounts/password-reset/\S+/\S+/)", email.body).group(1)
    form_page = client.get(link, follow=True)  # Django swaps the token for a session marker
    assert form_page.context["validlink"] is True
    set_url = form_page.redirect_chain[-1][0]
    done = client.post(set_url, {"new_password1": "tamarind-kite-77", "new_password2": "tamarind-kite-77"})
    assert done.status_code == 302
    assert done.url == reverse("accounts:password_reset_complete")

    user.refresh_from_db()
    assert user.check_password("tamarind-kite-77")
    # The link works once.
    assert client.get(link, follow=True).context["validlink"] is False


def test_password_reset_for_an_unknown_email_sends_nothing_and_says_the_same(client):
    response = client.post(reverse("accounts:password_reset"), {"email": "nobody@example.com"})
    assert response.status_code == 302
    assert response.url == reverse("accounts:password_reset_done")
    assert mail.outbox == []


# --- Profile and addresses ----------------------------------------------------------------------


def test_profile_needs_a_login(client):
    response = client.get(reverse("accounts:profile"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


def test_profile_update_changes_the_pin_and_the_cached_profile_shows_it(client, user_factory):
    user = user_factory(full_name="Asha", pin_code="110001")
    client.force_login(user)
    assert profile_get(user_id=user.pk).pin_code == "110001"  # now cached

    response = client.post(reverse("accounts:profile"), {
        "full_name": "Asha Rao", "phone": "+91 98765 43210", "pin_code": "560 001",
    }, follow=True)

    assert "Your profile is saved." in _messages(response)
    profile = profile_get(user_id=user.pk)
    assert (profile.full_name, profile.phone, profile.pin_code) == ("Asha Rao", "9876543210", "560001")
    assert 'data-testid="current-pin">560001<' in response.text


def test_profile_pin_replaces_the_one_chosen_earlier_in_the_session(client, user_factory):
    user = user_factory(pin_code="110001")
    client.force_login(user)
    client.post(reverse("accounts:pin_set"), {"pin_code": "400001"})
    response = client.post(reverse("accounts:profile"), {"full_name": "", "phone": "",
                                                         "pin_code": "560001"}, follow=True)
    assert 'data-testid="current-pin">560001<' in response.text


@pytest.mark.parametrize(("pin", "message"), [
    ("12ab", "Enter a 6-digit PIN code, like 110001."),
    ("000000", "Enter a 6-digit PIN code, like 110001."),
    ("999999", "999999 is not an Indian PIN code we know."),
])
def test_profile_with_an_invalid_pin_shows_the_error_and_changes_nothing(client, user_factory, pin, message):
    user = user_factory(full_name="Asha", pin_code="110001")
    client.force_login(user)

    response = client.post(reverse("accounts:profile"), {"full_name": "Someone Else", "phone": "",
                                                         "pin_code": pin})

    assert response.status_code == 200
    assert response.context["form"].errors["pin_code"] == [message]
    assert 'aria-invalid="true"' in response.text
    user.refresh_from_db()
    assert (user.full_name, user.pin_code) == ("Asha", "110001")
    assert profile_get(user_id=user.pk).pin_code == "110001"


def test_add_address_with_a_real_pin(client, user_factory):
    user = user_factory(full_name="Asha Rao")
    client.force_login(user)
    response = client.post(reverse("accounts:address_add"), {
        "label": "Home", "full_name": "Asha Rao", "phone": "098765 43210",
        "line1": "12 MG Road", "line2": "", "city": "Bengaluru", "state": "Karnataka",
        "pin_code": "560001",
    }, follow=True)

    address = Address.objects.get(user=user)
    assert (address.pin_code, address.phone, address.is_default) == ("560001", "9876543210", True)
    assert response.redirect_chain[-1][0] == reverse("accounts:profile")
    assert "12 MG Road" in response.text


@pytest.mark.parametrize(("pin", "state", "message"), [
    ("12ab", "Karnataka", "Enter a 6-digit PIN code, like 110001."),
    ("999999", "Karnataka", "999999 is not an Indian PIN code we know."),
    ("110001", "Karnataka", "PIN code 110001 is in Delhi, not Karnataka."),
])
def test_add_address_with_a_wrong_pin_shows_why(client, user_factory, pin, state, message):
    client.force_login(user_factory())
    response = client.post(reverse("accounts:address_add"), {
        "full_name": "Asha Rao", "phone": "9876543210", "line1": "12 MG Road", "city": "Bengaluru",
        "state": state, "pin_code": pin,
    })
    assert response.status_code == 200
    assert response.context["form"].errors["pin_code"][0].startswith(message)
    assert not Address.objects.exists()


# --- PIN chooser in the header ------------------------------------------------------------------


def test_anonymous_visitor_sets_a_pin_that_the_header_then_shows(client):
    home = client.get(reverse("home"))
    assert "Set PIN code" in home.text

    response = client.post(reverse("accounts:pin_set"), {"pin_code": "110001", "next": "/?from=header"},
                           follow=True)

    assert response.redirect_chain[-1][0] == "/?from=header"
    assert client.session["pin_code"] == "110001"
    assert 'data-testid="current-pin">110001<' in response.text
    assert "Your PIN code is 110001: you see what delivers there, and when." in _messages(response)


def test_pin_set_for_a_customer_also_saves_it_on_the_profile(client, user_factory):
    user = user_factory(pin_code="110001")
    client.force_login(user)
    client.post(reverse("accounts:pin_set"), {"pin_code": "400001"})
    assert profile_get(user_id=user.pk).pin_code == "400001"


@pytest.mark.parametrize("pin", ["12ab", "999999", ""])
def test_pin_set_with_a_bad_pin_says_why_and_keeps_the_old_one(client, pin):
    client.post(reverse("accounts:pin_set"), {"pin_code": "110001"}, follow=True)
    response = client.post(reverse("accounts:pin_set"), {"pin_code": pin, "next": "/"}, follow=True)
    assert client.session["pin_code"] == "110001"
    [message] = _messages(response)
    assert "PIN code" in message
    assert 'class="message message-error"' in response.text


@pytest.mark.parametrize("target", [
    "https://evil.example/", "//evil.example/", "https:///evil.example", "/\\evil.example",
])
def test_pin_set_refuses_to_redirect_to_another_site(client, target):
    response = client.post(reverse("accounts:pin_set"), {"pin_code": "110001", "next": target})
    assert response.status_code == 302
    assert response.url == reverse("home")


def test_pin_set_only_takes_a_post(client):
    assert client.get(reverse("accounts:pin_set")).status_code == 405


def test_login_refuses_to_redirect_to_another_site(client, user_factory):
    user_factory(email="meera@example.com", password=PASSWORD)
    response = client.post(reverse("accounts:login"), {"username": "meera@example.com",
                                                       "password": PASSWORD,
                                                       "next": "https://evil.example/"})
    assert response.status_code == 302
    assert response.url == reverse("home")


# --- Admin --------------------------------------------------------------------------------------


def test_admin_adds_a_user_by_email_and_lists_them(admin_client):
    response = admin_client.post(reverse("admin:accounts_user_add"), {
        "email": "Seller@Example.com", "usable_password": "true",
        "password1": "saffron-mango-42", "password2": "saffron-mango-42",
    })
    assert response.status_code == 302, response.context["adminform"].form.errors
    user = get_user_model().objects.get(email="seller@example.com")
    assert user.check_password("saffron-mango-42")

    listing = admin_client.get(reverse("admin:accounts_user_changelist"), {"q": "seller@"})
    assert "seller@example.com" in listing.text
    assert admin_client.get(reverse("admin:accounts_user_change", args=[user.pk])).status_code == 200
    assert admin_client.get(reverse("admin:accounts_address_changelist"),
                            {"state": "Karnataka"}).status_code == 200


def test_admin_edit_of_a_pin_is_seen_by_the_cached_profile(admin_client, user_factory):
    user = user_factory(email="asha@example.com", full_name="Asha", pin_code="110001")
    assert profile_get(user_id=user.pk).pin_code == "110001"  # cached

    response = admin_client.post(reverse("admin:accounts_user_change", args=[user.pk]), {
        "email": "asha@example.com", "full_name": "Asha", "phone": "", "pin_code": "560001",
        "is_active": "on", "date_joined_0": "2026-01-01", "date_joined_1": "10:00:00",
    })
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert profile_get(user_id=user.pk).pin_code == "560001"
