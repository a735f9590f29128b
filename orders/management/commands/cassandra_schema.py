import json

from django.core.management.base import BaseCommand, CommandError, CommandParser

from orders.backends.base import ArchiveUnavailable
from orders.backends.cassandra import CassandraOrderArchive
from shop.backends import get_backend


class Command(BaseCommand):
    help = ("Create the Cassandra order archive's keyspace and tables where missing (a deploy step, like "
            "migrate). Safe to run again: what exists is left as it is.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--replication", default=None,
            help="The keyspace's replication as JSON, used only when the keyspace is created, e.g. "
                 '\'{"class": "NetworkTopologyStrategy", "dc1": 3}\'. Default: the backend\'s '
                 "OPTIONS['replication'], else SimpleStrategy with replication_factor 1.")

    def handle(self, *args: object, replication: str | None, **options: object) -> None:
        archive = get_backend("order_archive")
        if not isinstance(archive, CassandraOrderArchive):
            self.stdout.write(f"The order archive is {type(archive).__name__}, not Cassandra: nothing to do "
                              "(its table comes with `migrate`).")
            return
        try:
            chosen = json.loads(replication) if replication else None
        except json.JSONDecodeError as exc:
            raise CommandError(f"--replication is not JSON: {exc}") from exc
        if chosen is not None and not isinstance(chosen, dict):
            raise CommandError("--replication must be a JSON object.")
        try:
            report = archive.create_schema(chosen)
        except (ArchiveUnavailable, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        for line in report:
            self.stdout.write(line)
