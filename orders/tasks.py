from celery import shared_task

from orders.services import order_expire, order_expire_stale, orders_archive
from payments.interface import GatewayError, payment_refund, payment_void


# On the payments queue (CELERY_TASK_ROUTES), never behind the event relay. An unreachable gateway
# leaves the order pending: retried here, and by the sweep every 30 s, until the hard deadline.
@shared_task(name="orders.expire_order", acks_late=True, ignore_result=True, autoretry_for=(GatewayError,),
             retry_backoff=5, retry_backoff_max=60, max_retries=12)
def expire_order(order_id: str) -> bool:
    return order_expire(order_id=order_id)


@shared_task(name="orders.expire_stale", acks_late=True, ignore_result=True)
def expire_stale_orders() -> int:
    return order_expire_stale()


@shared_task(name="orders.void_payment", acks_late=True, ignore_result=True, autoretry_for=(GatewayError,),
             retry_backoff=True, max_retries=10)
def void_payment(order_id: str, attempt: int | None = None) -> bool:
    return payment_void(order_id=order_id, attempt=attempt)


@shared_task(name="orders.refund_payment", acks_late=True, ignore_result=True, autoretry_for=(GatewayError,),
             retry_backoff=True, max_retries=10)
def refund_payment(order_id: str, reason: str, amount_paise: int | None = None, key: str = "",
                   attempt: int | None = None) -> bool:
    """`attempt` None: the order's current payment attempt."""
    return payment_refund(order_id=order_id, reason=reason, amount_paise=amount_paise, key=key, attempt=attempt)


@shared_task(name="orders.reconcile", acks_late=True, ignore_result=True)
def reconcile_orders() -> int:
    from orders.reconciliation import reconcile

    return reconcile().unresolved


@shared_task(name="orders.archive", acks_late=True, ignore_result=True)
def archive_orders(limit: int = 500) -> int:
    """Finished orders to the archive (ORDER_ARCHIVE_AFTER_DAYS); safe to run twice or at once."""
    return orders_archive(limit=limit)
