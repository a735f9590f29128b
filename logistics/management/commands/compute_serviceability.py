import time

from django.core.management.base import BaseCommand, CommandError

from logistics.errors import UnknownWarehouse
from logistics.services import serviceability_compute


class Command(BaseCommand):
    help = ("Precompute, for every PIN code, the fastest courier and transit days from one warehouse "
            "(--warehouse CODE) or from every active warehouse. Replaces each warehouse's routes atomically.")

    def add_arguments(self, parser):
        parser.add_argument("--warehouse", metavar="CODE", help="Only this warehouse.")

    def handle(self, *args, warehouse=None, **options):
        started = time.perf_counter()
        try:
            reports = serviceability_compute(warehouse_code=warehouse)
        except (UnknownWarehouse, RuntimeError) as exc:
            raise CommandError(str(exc)) from exc
        for r in reports:
            self.stdout.write(f"{r.warehouse_code}: {r.routes} routes, {r.unserviceable_pins} PIN codes "
                              f"unserviceable, {r.seconds:.2f} s")
        self.stdout.write(self.style.SUCCESS(
            f"{len(reports)} warehouse(s), {sum(r.routes for r in reports)} routes in "
            f"{time.perf_counter() - started:.2f} s."))
