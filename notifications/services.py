"""Writes of the notifications app: put a notification in the inbox, mark read, email it.

Email goes through Django's own mail API (the MAILERS setting chooses console, file or SMTP),
always from a Celery task queued after the inbox row has committed: never inside a transaction.
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.conf import settings
from django.core.cache import cache
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from accounts.interface import profile_get
from notifications.models import Notification
from notifications.selectors import unread_cache_key
from shop.queue import enqueue

logger = logging.getLogger(__name__)


def _forget_unread_count(user_id: int) -> None:
    transaction.on_commit(lambda: cache.delete(unread_cache_key(user_id)))


def notification_create(*, user_id: int, kind: str, title: str, body: str = "", link: str = "",
                        email: bool = True) -> Notification:
    """One inbox row; after commit, the unread count is forgotten and the email is queued."""
    with transaction.atomic():
        notification = Notification.objects.create(user_id=user_id, kind=kind, title=title, body=body,
                                                   link=link)
        _forget_unread_count(user_id)
        if email:
            # After commit; the inbox row is what counts, so a broker failure is logged, not raised.
            enqueue("notifications.send_email", notification.pk)
    return notification


def notification_mark_all_read(*, user_id: int, now: datetime | None = None) -> int:
    """Mark every unread notification of the customer read; returns how many changed (0 on a repeat)."""
    with transaction.atomic():
        changed = Notification.objects.filter(user_id=user_id, read_at__isnull=True).update(
            read_at=now or timezone.now())
        if changed:
            _forget_unread_count(user_id)
    return changed


def site_url(path: str) -> str:
    """An absolute address for a link in an email (SITE_URL, else the development server)."""
    base = getattr(settings, "SITE_URL", "") or "http://localhost:8000"
    return base.rstrip("/") + path if path.startswith("/") else path


def notification_email_send(*, notification_id: int) -> bool:
    """Email one notification to its customer. Returns whether an email went out.

    Safe to repeat: a notification already emailed is skipped (at least once: a crash between the
    send and the mark sends it again). SMTP errors propagate, so the task retries.
    """
    notification = Notification.objects.filter(pk=notification_id).first()
    if notification is None or notification.emailed_at is not None:
        return False
    profile = profile_get(user_id=notification.user_id)
    if profile is None or not profile.email:
        logger.info("No email address for user %s; notification %s stays in the inbox only",
                    notification.user_id, notification_id)
        return False
    message = notification.body
    if notification.link:
        message += f"\n\n{site_url(notification.link)}"
    message += "\n\nBazaar"
    send_mail(notification.title, message, None, [profile.email])
    Notification.objects.filter(pk=notification_id, emailed_at__isnull=True).update(emailed_at=timezone.now())
    return True
