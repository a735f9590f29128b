from smtplib import SMTPException

from celery import shared_task

from notifications.services import notification_email_send


@shared_task(name="notifications.send_email", acks_late=True, ignore_result=True,
             autoretry_for=(SMTPException, OSError), retry_backoff=True, retry_backoff_max=600,
             retry_jitter=True, max_retries=8)
def send_notification_email(notification_id: int) -> bool:
    """Queued after the inbox row commits; retried with backoff while the mail server fails."""
    return notification_email_send(notification_id=int(notification_id))
