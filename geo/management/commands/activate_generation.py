"""List boundary generations, or make one of them the one lookups use."""

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Count
from django.utils.timezone import localtime

from geo.boundaries import activate_generation
from geo.models import Generation


class Command(BaseCommand):
    help = "Without an id: list the boundary generations. With an id: activate that generation."

    def add_arguments(self, parser):
        parser.add_argument("generation", nargs="?", type=int)

    def handle(self, generation, **options):
        if generation is None:
            for item in Generation.objects.annotate(kelurahan_count=Count("boundaries")):
                marker = "*" if item.active else " "
                self.stdout.write(
                    f"{marker} {item.pk:4d}  {localtime(item.created):%Y-%m-%d %H:%M}  "
                    f"{item.kelurahan_count:3d} kelurahan  {item.source}"
                )
            return
        try:
            chosen = Generation.objects.get(pk=generation)
        except Generation.DoesNotExist:
            raise CommandError(f"There is no boundary generation {generation}.")
        activate_generation(chosen, actor="manage.py activate_generation")
        self.stdout.write(self.style.SUCCESS(f"Generation {chosen.pk} is now active."))
