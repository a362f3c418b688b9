"""Back up the database and the uploaded files into one folder (reports/backup.py says what is in it)."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from reports import backup


class Command(BaseCommand):
    help = "Write a backup folder (database dump, media tar, manifest) under BACKUP_DIR or --output."

    def add_arguments(self, parser):
        parser.add_argument("--output", default=settings.BACKUP_DIR, help="Folder to write the backup under.")

    def handle(self, output, **options):
        try:
            folder, manifest = backup.backup(output, say=self.stdout.write)
        except backup.BackupError as error:
            raise CommandError(str(error))
        size = sum(part["bytes"] for part in manifest["parts"].values())
        self.stdout.write(self.style.SUCCESS(
            f"Backup {folder}: {manifest['reports']} reports, {manifest['photos']} photos, "
            f"{manifest['media_files']} media files, {backup.megabytes(size)}"
        ))
