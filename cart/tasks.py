from datetime import timedelta

from celery import shared_task

from cart.services import cart_purge_abandoned


@shared_task(name="cart.purge_abandoned", acks_late=True, ignore_result=True)
def purge_abandoned_carts(days: int = 30) -> int:
    """Anonymous carts nobody has touched for `days` (their sessions have expired)."""
    return cart_purge_abandoned(older_than=timedelta(days=int(days)))
