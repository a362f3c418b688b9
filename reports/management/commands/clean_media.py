"""`manage.py clean_media [--delete]`: list (or delete) photo files that no photo row names."""

import os

from django.conf import settings
from django.core.management.base import BaseCommand

from reports.media import orphan_files


class Command(BaseCommand):
    help = "Find files under MEDIA_ROOT that no photo names (a dry run unless --delete)."

    def add_arguments(self, parser):
        parser.add_argument("--delete", action="store_true", help="Delete them (the default only lists them).")
        parser.add_argument("--min-age-hours", type=float, default=24,
                            help="Leave younger files alone: a filing in progress has written its photos already.")

    def handle(self, delete, min_age_hours, **options):
        count = size = 0
        for name in orphan_files(min_age_hours * 3600):
            full = os.path.join(settings.MEDIA_ROOT, name)
            count += 1
            size += os.path.getsize(full)
            self.stdout.write(f"{'deleted' if delete else 'orphan'}: {name}")
            if delete:
                os.remove(full)
            if count % 1000 == 0:
                self.stderr.write(f"… {count} files so far")
        verb = "Deleted" if delete else "Found"
        hint = "" if delete or not count else " (run again with --delete to remove them)"
        self.stdout.write(f"{verb} {count} orphan files, {size / 1e6:.1f} MB{hint}.")
