from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "events"
    verbose_name = "Events (outbox)"

    def ready(self) -> None:
        # Consumers register themselves when their app's handlers module is imported.
        from django.utils.module_loading import autodiscover_modules

        from events import tasks  # noqa: F401  (registered, so the relay kick can be sent by name)

        autodiscover_modules("handlers")
