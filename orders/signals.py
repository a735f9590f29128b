"""Forgetting the customer's orders version (orders.selectors.orders_version) on every save or
delete of an order, its lines, shipments or timeline: the complement of the services' own forgets, so a
write that bypasses them (the admin, a shell, a data migration, a future service) still changes
the keys of the kept "my orders", order page and orders API. `QuerySet.update` sends no signal:
the services that use it forget explicitly."""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from orders.models import Order, OrderLine, OrderStatusChange, Shipment
from orders.selectors import orders_version_forget


@receiver(post_save, sender=Order, dispatch_uid="orders.version_forget_order_saved")
@receiver(post_delete, sender=Order, dispatch_uid="orders.version_forget_order_deleted")
def order_version_forget(sender: type[Order], instance: Order, using: str, **kwargs: object) -> None:
    orders_version_forget(instance.user_id, using=using)


# Only saves: their order is deleted with them (a cascade), and the order's own signal covers that.
@receiver(post_save, sender=OrderLine, dispatch_uid="orders.version_forget_line_saved")
@receiver(post_save, sender=OrderStatusChange, dispatch_uid="orders.version_forget_change_saved")
@receiver(post_save, sender=Shipment, dispatch_uid="orders.version_forget_shipment_saved")
def order_part_version_forget(sender: type[OrderLine | OrderStatusChange | Shipment],
                              instance: OrderLine | OrderStatusChange | Shipment, using: str,
                              **kwargs: object) -> None:
    orders_version_forget(instance.order.user_id, using=using)  # the order is at hand in the services
