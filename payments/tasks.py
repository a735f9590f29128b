from celery import shared_task

from payments.backends.simulated import SIGNATURE_HEADER, sign
from payments.services import notification_receive


@shared_task(name="payments.simulated_callback", acks_late=True, ignore_result=True,
             autoretry_for=(Exception,), retry_backoff=True, max_retries=8)
def simulated_callback(body: str) -> None:
    """The simulated gateway calling the shop back, signed, as a real one would over HTTP."""
    raw = body.encode()
    notification_receive(gateway_name="simulated", body=raw, headers={SIGNATURE_HEADER: sign(raw)})
