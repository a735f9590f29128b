"""What other apps may use of orders."""

from orders.models import order_reference

__all__ = ["order_reference"]
