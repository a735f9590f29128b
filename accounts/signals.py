"""Every save or delete of a user forgets its cached row, whoever makes it (services, admin,
`manage.py changepassword`, Django's own last-login update): now, and again after the commit, so a
reader racing the write cannot leave the old row cached once the new one is visible."""

from __future__ import annotations

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from accounts.models import User
from accounts.selectors import user_cache_key


@receiver(post_save, sender=User, dispatch_uid="accounts.forget_cached_user.save")
@receiver(post_delete, sender=User, dispatch_uid="accounts.forget_cached_user.delete")
def forget_cached_user(sender, instance: User, **kwargs) -> None:
    key = user_cache_key(instance.pk)
    cache.delete(key)
    transaction.on_commit(lambda: cache.delete(key), robust=True)
