"""`manage.py lake_consume`: the behaviour events on the Kafka topic into the lake, as a consumer group."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils.module_loading import import_string

from events.backends.kafka import KafkaEventBus
from recommendations.conf import lake_path
from recommendations.lake_sink import DEFAULT_GROUP, lake_sink_run
from shop.backends import backend_config


class Command(BaseCommand):
    help = "Write the behaviour events of the Kafka event topic to the lake (offsets committed after each file)."

    def add_arguments(self, parser):
        parser.add_argument("--group", default=DEFAULT_GROUP)
        parser.add_argument("--max-messages", type=int, default=None)
        parser.add_argument("--idle-timeout", type=float, default=None, metavar="SECONDS")

    def handle(self, *args, group: str, max_messages: int | None, idle_timeout: float | None, **options):
        conf = backend_config("event_bus")
        if not issubclass(import_string(conf["BACKEND"]), KafkaEventBus):
            raise CommandError(f"The event bus is {conf['BACKEND']}, not Kafka: set KAFKA_BOOTSTRAP_SERVERS.")
        bus = conf.get("OPTIONS", {})
        topic = bus.get("topic", "bazaar.events")
        self.stdout.write(f"Writing behaviour from {topic} to {lake_path()} as group {group!r}")
        try:
            report = lake_sink_run(bus["bootstrap_servers"], topic, group_id=group, max_messages=max_messages,
                                   idle_timeout_s=idle_timeout)
        except KeyboardInterrupt:
            self.stdout.write("Interrupted (offsets are committed after each durable batch).")
            return
        self.stdout.write(self.style.SUCCESS(
            f"{report.messages} messages, {report.written} behaviour events in {report.files} files"))
