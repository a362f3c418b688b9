"""Import the city's streets and places (GeoJSON, GeoPackage, an OSM extract: anything GDAL reads) for the search."""

from django.core.management.base import BaseCommand, CommandError

from geo import places


class Command(BaseCommand):
    help = "Read named streets and places from a file GDAL reads and, with --commit, store them for the map's search."

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--name-field", default="name")
        parser.add_argument("--commit", action="store_true", help="Store the places (a dry run without it).")

    def handle(self, path, name_field, commit, **options):
        try:
            found, counts = places.read_places(
                path, name_field, progress=lambda n: self.stdout.write(f"  {n:,} features read…"))
        except places.PlaceFileError as error:
            raise CommandError(str(error))
        self.stdout.write(f"{path}: {counts['features']:,} features, {len(found):,} names "
                          f"({counts['unnamed']:,} without a name, {counts['no_geometry']:,} without a geometry: "
                          "skipped)")
        if not commit:
            self.stdout.write("Dry run: nothing stored. Add --commit to store these places.")
            return
        added, updated = places.save_places(found)
        self.stdout.write(self.style.SUCCESS(f"Stored: {added:,} places added, {updated:,} updated."))
