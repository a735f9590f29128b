from django.core.management.base import BaseCommand, CommandError

from logistics.bench import bench_delivery


class Command(BaseCommand):
    help = "Time the delivery promise (1 and 20 warehouses, cached and not) against a primary-key lookup."

    def add_arguments(self, parser):
        parser.add_argument("-n", type=int, default=2000, help="Samples per measurement.")

    def handle(self, *args, n, **options):
        try:
            timings = bench_delivery(n=n)
        except RuntimeError as exc:
            raise CommandError(str(exc)) from exc
        floor = timings[0].p50_us
        for t in timings:
            self.stdout.write(f"{t.name:<52} p50 {t.p50_us:8.1f} µs  p95 {t.p95_us:8.1f} µs  "
                              f"{t.p50_us / floor:5.2f}x pk")
