from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "orders"
    verbose_name = "Orders"

    def ready(self) -> None:
        from orders import (
            signals,  # noqa: F401  (kept pages follow every save: orders.signals)
            tasks,  # noqa: F401  (registered, so services can enqueue them by name)
        )
