"""`manage.py move_media --to bucket|disk [--delete-source]`: copy the photo files between MEDIA_ROOT and the
bucket of S3_BUCKET (reports.media.copy_files), e.g. before switching MEDIA_STORAGE (docs/scaleout.md)."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from config import storage
from reports.media import copy_files


class Command(BaseCommand):
    help = "Copy the photo files from disk to the bucket (--to bucket) or back (--to disk); files there are kept."

    def add_arguments(self, parser):
        parser.add_argument("--to", choices=["bucket", "disk"], required=True)
        parser.add_argument("--delete-source", action="store_true",
                            help="Then delete from the source each file the target holds (after switching "
                                 "MEDIA_STORAGE, so that no new photo lands in the source meanwhile).")

    def handle(self, to, delete_source, **options):
        if not settings.S3_STORAGE_OPTIONS["bucket_name"]:
            raise CommandError("Set S3_BUCKET (and S3_ENDPOINT_URL, S3_ACCESS_KEY_ID ...): docs/setup.md.")
        bucket = storage.bucket()
        source, target = (storage.disk(), bucket) if to == "bucket" else (bucket, storage.disk())
        counts = copy_files(source, target, delete_source, say=self.stdout.write)
        self.stdout.write(self.style.SUCCESS(
            f"Copied {counts['copied']} files ({counts['bytes'] / 1e6:.1f} MB) to the {to}; "
            f"{counts['present']} were there already; {counts['deleted']} deleted from the source."))
