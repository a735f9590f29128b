from django.apps import AppConfig


class ShopConfig(AppConfig):
    name = "shop"
    verbose_name = "Bazaar"

    def ready(self) -> None:
        from shop import checks, converters  # noqa: F401  (register the system checks and <id:…> in urls)
