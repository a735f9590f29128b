"""Writes of the accounts app."""

from __future__ import annotations

from datetime import timedelta

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from accounts.models import Address, User
from accounts.selectors import profile_cache_key
from accounts.validators import normalize_pin_code, validate_pin_code
from events.interface import emit
from shop.ratelimit import LoginGuard


def _forget_profile(user_id: int) -> None:
    # Now, and again after commit: a reader that raced the write must not leave the old
    # profile cached once the new one is visible.
    key = profile_cache_key(user_id)
    cache.delete(key)
    transaction.on_commit(lambda: cache.delete(key))


@transaction.atomic
def user_signup(*, email: str, password: str, full_name: str = "", pin_code: str = "") -> User:
    if pin_code:
        pin_code = normalize_pin_code(pin_code)
        validate_pin_code(pin_code)
    user = User.objects.create_user(email=email, password=password, full_name=full_name, pin_code=pin_code)
    emit("accounts.user_signed_up.v1", key=user.pk, payload={"user_id": user.pk})
    return user


@transaction.atomic
def profile_update(*, user_id: int, full_name: str | None = None, phone: str | None = None,
                   pin_code: str | None = None) -> User:
    user = User.objects.select_for_update().get(pk=user_id)
    changed: list[str] = []
    if full_name is not None and full_name != user.full_name:
        user.full_name, changed = full_name, [*changed, "full_name"]
    if phone is not None and phone != user.phone:
        user.phone, changed = phone, [*changed, "phone"]
    if pin_code is not None:
        pin_code = normalize_pin_code(pin_code)
        if pin_code:
            validate_pin_code(pin_code)
        if pin_code != user.pin_code:
            user.pin_code, changed = pin_code, [*changed, "pin_code"]
    if changed:
        user.save(update_fields=changed)
        _forget_profile(user.pk)
        emit("accounts.profile_updated.v1", key=user.pk, payload={"user_id": user.pk, "changed": changed})
    return user


def login_failed(*, guard: LoginGuard, email: str) -> None:
    """A log-in under `guard` failed (the log-in page and the API's token endpoint both call this).
    When it was the last failure the account may have in its window, log-ins with this email are
    now refused until the window ends, and the owner is told (`login_lock_reached`)."""
    locked_for = guard.failed()
    if locked_for and guard.account is not None:
        login_lock_reached(email=email, failed_attempts=guard.account.limit.limit, locked_for_seconds=locked_for)


@transaction.atomic
def login_lock_reached(*, email: str, failed_attempts: int, locked_for_seconds: int) -> None:
    """Emits `accounts.login_locked.v1`; notifications emails the owner.

    The event is emitted whether or not the email has an account (`user_id` is then null, which is
    still worth counting: guessing at unknown emails is credential stuffing), so the failing
    request does the same work either way and its timing tells nobody which emails exist. The
    payload holds the id, never the email.
    """
    user = User.objects.filter(email__iexact=email.strip()).only("pk").first()
    locked_until = timezone.now() + timedelta(seconds=locked_for_seconds)
    emit("accounts.login_locked.v1", key=user.pk if user else "no-account", payload={
        "user_id": user.pk if user else None,
        "failed_attempts": failed_attempts,
        "locked_until": locked_until.isoformat(),
    })


@transaction.atomic
def address_create(*, user_id: int, full_name: str, phone: str, line1: str, city: str, state: str,
                   pin_code: str, line2: str = "", label: str = "", make_default: bool = False) -> Address:
    pin_code = normalize_pin_code(pin_code)
    validate_pin_code(pin_code)
    # Lock the user row: two concurrent "make default" calls must not leave two defaults.
    User.objects.select_for_update().filter(pk=user_id).first()
    has_addresses = Address.objects.filter(user_id=user_id).exists()
    make_default = make_default or not has_addresses
    if make_default:
        Address.objects.filter(user_id=user_id, is_default=True).update(is_default=False)
    return Address.objects.create(
        user_id=user_id, full_name=full_name, phone=phone, line1=line1, line2=line2, city=city,
        state=state, pin_code=pin_code, label=label, is_default=make_default,
    )
