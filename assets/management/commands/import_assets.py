"""Import a layer of the city's assets (street lights, drains, road segments) from anything GDAL reads, or a CSV."""

from django.core.management.base import BaseCommand, CommandError

from assets import layers
from assets.models import AssetKind


class Command(BaseCommand):
    help = ("Check an asset file (GeoPackage, Shapefile in any CRS, GeoJSON, CSV with lon/lat columns) of a kind "
            "and, with --commit, store it as the kind's new active generation.")

    def add_arguments(self, parser):
        parser.add_argument("kind", help="The asset kind's code: lampu, saluran, jalan or one made in the admin.")
        parser.add_argument("path")
        parser.add_argument("--id-field", default="id", help="The field holding the city's identifier (default id).")
        parser.add_argument("--srid", type=int, help="EPSG code of a CSV's coordinates (default 4326) or of a file "
                                                     "that declares no CRS.")
        parser.add_argument("--commit", action="store_true", help="Store the assets (a dry run without it).")

    def handle(self, kind, path, id_field, srid, commit, **options):
        layers.ensure_default_kinds()
        found_kind = AssetKind.objects.filter(code=kind).first()
        if found_kind is None:
            codes = ", ".join(AssetKind.objects.values_list("code", flat=True))
            raise CommandError(f"There is no asset kind '{kind}' (there are: {codes}).")
        try:
            found = layers.read_asset_file(path, found_kind, id_field, srid,
                                           progress=lambda n: self.stdout.write(f"  {n:,} features checked…"))
        except layers.AssetFileError as error:
            raise CommandError(str(error))
        with_crew = sum(feature.crew is not None for feature in found.features)
        self.stdout.write(f"{found.path}: {len(found.features):,} {found_kind.code} assets, all inside the city "
                          f"({with_crew:,} with a crew).")
        if not commit:
            self.stdout.write("Dry run: nothing stored. Add --commit to store them as the active generation.")
            return
        generation, counts = layers.save_assets(
            found_kind, found, progress=lambda n: self.stdout.write(f"  {n:,} assets stored…"))
        summary = (f"Stored generation #{generation.pk} of {found_kind.code}: {counts['assets']:,} assets; "
                   f"{counts['removed']:,} rows of older generations removed (those reports name stay)")
        if found_kind.names_street:
            summary += f"; street names for the search: {counts['places_added']:,} added, " \
                       f"{counts['places_updated']:,} updated"
        self.stdout.write(self.style.SUCCESS(summary + "."))
