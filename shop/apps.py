from django.apps import AppConfig


class ShopConfig(AppConfig):
    name = "shop"
    verbose_name = "Bazaar"

    def ready(self) -> None:
        from django.utils.module_loading import autodiscover_modules

        from shop import checks, converters  # noqa: F401  (register the system checks and <id:…> in urls)
        from shop.observability import connect_signals

        connect_signals()
        # Each app's metrics.py registers what /metrics reads from its tables (shop.metrics.gauge).
        autodiscover_modules("metrics")
