"""Load what a fresh installation needs: the kelurahan boundaries, the offices, the categories, the crews and the
holidays.

Idempotent: a second run on a set-up database changes nothing.
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from geo import boundaries
from geo.crews import ensure_default_crews
from geo.models import Generation
from offices.models import Office
from offices.sample import ensure_sample_offices
from reports.calendar import seed_holidays
from reports.categories import ensure_default_categories
from reports.models import Category
from reports.roles import ensure_groups

COMMAND = "manage.py setup_city"  # in the audit trail


class Command(BaseCommand):
    help = ("Load the kelurahan boundaries (KELURAHAN_FILE), the sample offices, the report categories, the default "
            "crews and this year's and next year's holidays.")

    def add_arguments(self, parser):
        parser.add_argument("--kelurahan", help="Boundary file to load instead of KELURAHAN_FILE.")

    def handle(self, kelurahan, **options):
        path = kelurahan or settings.KELURAHAN_FILE
        self.stdout.write(f"Kelurahan: {self.load_boundaries(path)}")
        created = ensure_sample_offices()
        self.stdout.write(f"Offices: {created} created, {Office.objects.count()} in all (to be confirmed by the city)")
        created = ensure_default_categories()
        self.stdout.write(f"Categories: {created} created, {Category.objects.count()} in all")
        self.stdout.write(f"Groups: {ensure_groups()} created (crew, dispatcher, planner, office)")
        created = ensure_default_crews({c.slug: c for c in Category.objects.filter(parent=None)})
        self.stdout.write(
            f"Crews: {created} created" + ("" if created else " (crews already set up; edit them in the admin)")
        )
        year = timezone.localdate().year
        for seeded in (year, year + 1):
            self.stdout.write(f"Holidays {seeded}: {len(seed_holidays(seeded))} added")

    def load_boundaries(self, path):
        """Import and activate the file if it is new; never switch away from a generation chosen since."""
        try:
            sha256 = boundaries.file_sha256(path)
        except OSError as error:
            raise CommandError(f"{path}: {error.strerror}")
        known = Generation.objects.filter(source_sha256=sha256).order_by("-active", "-created").first()
        active = Generation.objects.current()
        if known is not None:
            if known.active:
                return f"generation {known.pk} from {path} is already active"
            if active is not None:
                return (
                    f"generation {active.pk} ({active.source}) stays active; {path} is generation {known.pk} "
                    f"(manage.py activate_generation {known.pk} to switch)"
                )
            boundaries.activate_generation(known, actor=COMMAND)
            return f"activated generation {known.pk} from {path}"
        try:
            found = boundaries.survey(boundaries.read_boundary_file(path))
        except boundaries.BoundaryFileError as error:
            raise CommandError(str(error))
        generation = boundaries.save_generation(found, actor=COMMAND, activate=True)
        return (
            f"imported {len(found.features)} kelurahan from {path} as generation {generation.pk} "
            f"({len(found.repairs)} repaired, {len(found.overlaps)} overlaps, {len(found.gaps)} gaps)"
        )
