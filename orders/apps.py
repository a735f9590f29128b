from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "orders"
    verbose_name = "Orders"

    def ready(self) -> None:
        from orders import (
            signals,  # noqa: F401  (kept pages follow every save: orders.signals)
            tasks,  # noqa: F401  (registered, so services can enqueue them by name)
        )
        from orders.selectors import order_ids_by_number, order_numbers
        from shop.references import OrderNumberLookups, order_number_lookups_register

        # Inventory's and payments' screens name orders by number without importing orders.
        order_number_lookups_register(OrderNumberLookups(numbers=order_numbers, ids_by_number=order_ids_by_number))
