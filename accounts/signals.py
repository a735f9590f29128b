"""Every save or delete of a user forgets its cached row, whoever makes it (services, admin,
`manage.py changepassword`, Django's own last-login update): now, and again after the commit, so a
reader racing the write cannot leave the old row cached once the new one is visible. The same for
an API token and its cached user id (accounts.authentication)."""

from __future__ import annotations

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from rest_framework.authtoken.models import Token

from accounts.authentication import token_cache_key
from accounts.models import User
from accounts.selectors import user_cache_key


@receiver(post_save, sender=User, dispatch_uid="accounts.forget_cached_user.save")
@receiver(post_delete, sender=User, dispatch_uid="accounts.forget_cached_user.delete")
def forget_cached_user(sender, instance: User, **kwargs) -> None:
    _forget(user_cache_key(instance.pk))


@receiver(post_delete, sender=Token, dispatch_uid="accounts.forget_cached_token.delete")
@receiver(post_save, sender=Token, dispatch_uid="accounts.forget_cached_token.save")
def forget_cached_token(sender, instance: Token, **kwargs) -> None:
    _forget(token_cache_key(instance.key))


def _forget(key: str) -> None:
    cache.delete(key)
    transaction.on_commit(lambda: cache.delete(key), robust=True)
