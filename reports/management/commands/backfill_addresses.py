"""`manage.py backfill_addresses`: after the geocoder was down, ask it again for the reports still at their
kelurahan address (reports.filing.backfill_addresses)."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from geo.geocoding import SECONDS_BETWEEN_REQUESTS
from reports.filing import backfill_addresses


class Command(BaseCommand):
    help = "Enqueue a geocoding job for every report whose address is still 'Kelurahan X, Kecamatan Y'."

    def add_arguments(self, parser):
        parser.add_argument("--batch", type=int, default=500, help="Jobs enqueued per transaction (500).")

    def handle(self, batch, **options):
        if not settings.GEOCODER_URL:
            raise CommandError("GEOCODER_URL is not set: there is no geocoder to ask.")
        done = backfill_addresses(batch, lambda done, total: self.stdout.write(f"Enqueued {done} of {total}"))
        minutes = round(done * SECONDS_BETWEEN_REQUESTS / 60)
        self.stdout.write(f"{done} reports still had their kelurahan address; a geocoding job waits for each. "
                          f"The worker asks the geocoder once a second: about {minutes} minutes.")
