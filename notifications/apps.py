from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"

    def ready(self) -> None:
        from notifications import tasks  # noqa: F401  (registered, so services can enqueue them by name)
