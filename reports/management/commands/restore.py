"""Restore a backup folder into an empty or missing database and an empty media folder."""

from django.core.management.base import BaseCommand, CommandError

from reports import backup


class Command(BaseCommand):
    help = "Restore a backup folder made by `manage.py backup` (the database must be empty or missing)."

    def add_arguments(self, parser):
        parser.add_argument("path", help="The backup folder (holding manifest.json).")
        parser.add_argument("--database-url", help="Restore into this database instead of DATABASE_URL's.")
        parser.add_argument("--media-root", help="Restore the files here instead of MEDIA_ROOT.")

    def handle(self, path, database_url, media_root, **options):
        try:
            restored = backup.restore(path, database_url, media_root, say=self.stdout.write)
        except backup.BackupError as error:
            raise CommandError(str(error))
        manifest = restored["manifest"]
        self.stdout.write(self.style.SUCCESS(
            f"Restored the backup of {manifest['created']}: {restored['reports']} reports "
            f"(the backup holds {manifest['reports']}), {restored['files']} media files "
            f"(the backup holds {manifest['media_files']})"
        ))
