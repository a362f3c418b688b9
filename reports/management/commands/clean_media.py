"""`manage.py clean_media [--delete]`: list (or delete) photo files that no photo row names."""

from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand

from reports.media import orphan_files


class Command(BaseCommand):
    help = "Find stored files (MEDIA_ROOT or the bucket) that no photo names (a dry run unless --delete)."

    def add_arguments(self, parser):
        parser.add_argument("--delete", action="store_true", help="Delete them (the default only lists them).")
        parser.add_argument("--min-age-hours", type=float, default=24,
                            help="Leave younger files alone: a filing in progress has written its photos already.")

    def handle(self, delete, min_age_hours, **options):
        count = total = 0
        for name, size in orphan_files(min_age_hours * 3600):
            count += 1
            total += size
            self.stdout.write(f"{'deleted' if delete else 'orphan'}: {name}")
            if delete:
                default_storage.delete(name)
            if count % 1000 == 0:
                self.stderr.write(f"… {count} files so far")
        verb = "Deleted" if delete else "Found"
        hint = "" if delete or not count else " (run again with --delete to remove them)"
        self.stdout.write(f"{verb} {count} orphan files, {total / 1e6:.1f} MB{hint}.")
