"""Where uploaded photos are kept: this machine's disk, or an S3-compatible bucket that every app server shares.

Both say what they hold the same way (`walk`), so serving, clean_media, backups and the move between them
(reports.media) are written once. A photo's address is the same on both: /media/<name> (the app reads the file
from wherever it is), or MEDIA_URL + name for a public bucket; never an expiring presigned URL, because links
sent to other systems must keep working.
"""

import os
from datetime import UTC, datetime

from django.conf import settings
from django.core.files.storage import FileSystemStorage


class DiskStorage(FileSystemStorage):
    """Files under MEDIA_ROOT (or `location`)."""

    def walk(self):
        """(name, modified, bytes) of every file, in no particular order."""
        root = self.location
        for folder, _dirs, files in os.walk(root):
            for file in files:
                stat = os.stat(os.path.join(folder, file))
                name = os.path.relpath(os.path.join(folder, file), root).replace(os.sep, "/")
                yield name, datetime.fromtimestamp(stat.st_mtime, UTC), stat.st_size


def disk():
    """The disk storage under MEDIA_ROOT, whichever storage is the default."""
    return DiskStorage(location=settings.MEDIA_ROOT)


def bucket():
    """The bucket that S3_BUCKET and its companions name, whichever storage is the default."""
    from config.bucket import BucketStorage  # boto3 is loaded only where a bucket is used

    return BucketStorage(**settings.S3_STORAGE_OPTIONS)
