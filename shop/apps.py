from django.apps import AppConfig


class ShopConfig(AppConfig):
    name = "shop"
    verbose_name = "Bazaar"

    def ready(self) -> None:
        from shop import checks  # noqa: F401  (registers the system checks)
