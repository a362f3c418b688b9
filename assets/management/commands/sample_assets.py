"""A generated sample layer of assets for tests and demonstrations, marked as such (name CONTOH, sample: true)."""

from django.core.management.base import BaseCommand, CommandError

from assets import layers
from assets.models import AssetKind


class Command(BaseCommand):
    help = ("Generate sample assets (CONTOH, attribute sample: true) inside the city for each kind, or the kinds "
            "named, and store them as the kinds' active generations. For tests and demonstrations only: a city "
            "loads its own with import_assets.")

    def add_arguments(self, parser):
        parser.add_argument("kinds", nargs="*", help="Kind codes (default: every kind).")
        parser.add_argument("--count", type=int, default=500, help="Assets per kind (default 500).")

    def handle(self, kinds, count, **options):
        layers.ensure_default_kinds()
        chosen = AssetKind.objects.filter(code__in=kinds) if kinds else AssetKind.objects.all()
        if kinds and len(chosen) != len(set(kinds)):
            raise CommandError(f"Unknown kind among {', '.join(kinds)}.")
        for kind in chosen:
            try:
                found = layers.sample_layer(kind, count)
            except layers.AssetFileError as error:
                raise CommandError(str(error))
            generation, counts = layers.save_assets(kind, found, sample=True)
            self.stdout.write(f"{kind.code}: {counts['assets']:,} sample assets, generation #{generation.pk}.")
        self.stdout.write(self.style.SUCCESS("Sample assets stored (marked CONTOH, sample: true)."))
