"""Import a kelurahan boundary file as a new generation (a dry run unless --commit)."""

from django.core.management.base import BaseCommand, CommandError

from geo import boundaries


class Command(BaseCommand):
    help = (
        "Read a kelurahan boundary file (GeoJSON, Shapefile, GeoPackage), report its overlaps and gaps, "
        "and with --commit store it as a new generation."
    )

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--commit", action="store_true", help="Store the file as a new generation.")
        parser.add_argument(
            "--activate", action="store_true", help="With --commit: make the new generation the one lookups use."
        )
        parser.add_argument("--name-field", default="name")
        parser.add_argument("--code-field", default="code")
        parser.add_argument("--kecamatan-field", default="kecamatan")

    def handle(self, path, commit, activate, name_field, code_field, kecamatan_field, **options):
        try:
            found = boundaries.read_boundary_file(path, name_field, code_field, kecamatan_field)
        except boundaries.BoundaryFileError as error:
            raise CommandError(str(error))
        boundaries.survey(found)
        print_survey(self.stdout, found)
        if not commit:
            self.stdout.write("Dry run: nothing stored. Add --commit to store this file as a new generation.")
            return
        generation = boundaries.save_generation(found, actor="manage.py import_kelurahan", activate=activate)
        state = "active" if generation.active else f"inactive (manage.py activate_generation {generation.pk})"
        self.stdout.write(
            self.style.SUCCESS(f"Stored generation {generation.pk} ({len(found.features)} kelurahan), {state}.")
        )


def print_survey(out, found):
    """What a boundary file holds: features, repairs, overlaps and gaps with their areas."""
    kecamatan = sorted({(f.kecamatan_code, f.kecamatan_name) for f in found.features})
    out.write(f"{found.path}: {len(found.features)} kelurahan in {len(kecamatan)} kecamatan, CRS {found.srs_name}")
    for code, name in kecamatan:
        count = sum(1 for f in found.features if f.kecamatan_code == code)
        out.write(f"  kecamatan {code} {name}: {count} kelurahan")
    out.write(f"Repaired geometries: {len(found.repairs)}")
    for feature in found.repairs:
        out.write(f"  {feature.code} {feature.name}: {feature.repaired}")
    overlap_area = sum(o.area_m2 for o in found.overlaps)
    out.write(f"Overlapping pairs: {len(found.overlaps)} ({overlap_area:,.0f} m²{slivers(found.overlaps)})")
    for overlap in found.overlaps:
        out.write(f"  {overlap.code_a} / {overlap.code_b}: {overlap.area_m2:,.1f} m²")
    gap_area = sum(g.area_m2 for g in found.gaps)
    out.write(f"Gaps: {len(found.gaps)} ({gap_area:,.0f} m²{slivers(found.gaps)})")
    for gap in found.gaps:
        out.write(
            f"  at {gap.lat:.6f}, {gap.lon:.6f} between {', '.join(gap.neighbours) or '?'}: {gap.area_m2:,.1f} m²"
        )


def slivers(items):
    """How many are under 1 m²: rounding at shared edges rather than a drawing error."""
    tiny = sum(1 for item in items if item.area_m2 < 1)
    return f"; {tiny} of them under 1 m²" if tiny else ""
