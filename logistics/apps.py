from django.apps import AppConfig


class LogisticsConfig(AppConfig):
    name = "logistics"

    def ready(self) -> None:
        from logistics import tasks  # noqa: F401  (registered, so services can enqueue them by name)
