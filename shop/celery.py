"""The Celery app: configuration from Django settings (CELERY_*), tasks found per app."""

import logging
import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings")

logger = logging.getLogger(__name__)

app = Celery("bazaar")
app.config_from_object("django.conf:settings", namespace="CELERY")
# Workers only (Celery imports it by name when a worker starts); see _broker_loss_consumer.
app.conf.worker_consumer = "shop.celery:BrokerLossConsumer"
app.autodiscover_tasks()


def _broker_loss_consumer():
    """Celery's consumer, surviving the loss of a Redis broker while it holds unacknowledged messages.

    Celery 5.7 cleans up a lost connection in two steps: `collect()` tears the transport down, then
    `close()` closes the channel, which tries to put its unacknowledged messages back (an ETA task
    such as an order's expiry, held for minutes, is always one) through that torn-down transport:
    AttributeError, which Celery treats as unrecoverable, and the worker process exits. The
    payments worker always holds expiry tasks, so any broker restart or failover stopped it
    (docs/resilience.md). The messages can't be put back with the broker gone anyway (they stay in
    its unacked set until the visibility timeout, or died with it), so that one error is logged and
    the consumer reconnects as it would without it.
    """
    from celery.worker.consumer import Consumer  # 0.2-0.4 s to import: only in workers

    class BrokerLossConsumer(Consumer):
        def on_connection_error_after_connected(self, exc):
            connection = self.connection
            if connection is not None:
                close = connection.close

                def close_what_is_left() -> None:
                    try:
                        close()
                    except AttributeError:  # the transport is gone already; nothing left to close
                        logger.warning("Could not put unacknowledged messages back on the lost broker; "
                                       "they come back after its visibility timeout", exc_info=True)

                connection.close = close_what_is_left
            super().on_connection_error_after_connected(exc)

    BrokerLossConsumer.__doc__, BrokerLossConsumer.__qualname__ = _broker_loss_consumer.__doc__, "BrokerLossConsumer"
    return BrokerLossConsumer


def __getattr__(name: str):
    # `shop.celery:BrokerLossConsumer` is built on first use, so web processes never import the worker.
    if name == "BrokerLossConsumer":
        consumer = globals()[name] = _broker_loss_consumer()
        return consumer
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
