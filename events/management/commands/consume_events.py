"""`manage.py consume_events`: read the Kafka event topic and hand each event to its consumers."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import close_old_connections
from django.utils.module_loading import import_string
from kafka.errors import KafkaError

from events.backends.base import Event
from events.backends.kafka import KafkaEventBus, consume
from events.registry import dispatch
from shop.backends import backend_config


def _dispatch(event: Event) -> int:
    # A long-running process never passes through the request cycle that normally recycles
    # database connections; drop broken or expired ones (CONN_MAX_AGE) before each event.
    close_old_connections()
    return dispatch(event)


class Command(BaseCommand):
    help = "Consume events from Kafka as a consumer group and dispatch them to the registered consumers."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--group", default="bazaar", help="Kafka consumer group id (default: bazaar).")
        parser.add_argument("--max-messages", type=int, default=None,
                            help="Stop after handling this many messages.")
        parser.add_argument("--idle-timeout", type=float, default=None, metavar="SECONDS",
                            help="Stop after this many seconds without a message.")

    def handle(self, *args, group: str, max_messages: int | None, idle_timeout: float | None,
               **options) -> None:
        conf = backend_config("event_bus")
        if not issubclass(import_string(conf["BACKEND"]), KafkaEventBus):
            raise CommandError(
                f"The event bus is {conf['BACKEND']}, not Kafka: set KAFKA_BOOTSTRAP_SERVERS. "
                "The in-process bus delivers events when they are relayed; there is nothing to consume."
            )
        bus_options = conf.get("OPTIONS", {})
        topic = bus_options.get("topic", "bazaar.events")
        self.stdout.write(f"Consuming {topic} at {bus_options['bootstrap_servers']} as group {group!r}")
        try:
            handled = consume(bus_options["bootstrap_servers"], topic, group, handle=_dispatch,
                              max_messages=max_messages, idle_timeout_s=idle_timeout)
        except KeyboardInterrupt:
            # Offsets are committed after each batch, so stopping here loses nothing.
            self.stdout.write("Interrupted.")
            return
        except KafkaError as exc:  # e.g. the broker cannot be reached: say so without a traceback
            raise CommandError(f"Kafka at {bus_options['bootstrap_servers']}: {exc!r}") from exc
        self.stdout.write(self.style.SUCCESS(f"Handled {handled} message(s)."))
