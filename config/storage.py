"""Where uploaded photos are kept: this machine's disk, or an S3-compatible bucket that every app server shares.

Both say what they hold the same way (`walk`), so serving, clean_media, backups and the move between them
(reports.media) are written once. A photo's address is the same on both: /media/<name> (the app reads the file
from wherever it is), or MEDIA_URL + name for a public bucket; never an expiring presigned URL, because links
sent to other systems must keep working.
"""

import os
from datetime import UTC, datetime
from urllib.parse import urljoin

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.utils.encoding import filepath_to_uri
from storages.backends.s3 import S3Storage


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


class BucketStorage(S3Storage):
    """Objects in an S3-compatible bucket (AWS, MinIO, Ceph, Garage ...), under `location` if one is given."""

    def url(self, name, parameters=None, expire=None, http_method=None):
        return urljoin(settings.MEDIA_URL, filepath_to_uri(name))

    def walk(self):
        """(name, modified, bytes) of every object, a listing page (1,000 objects) per request."""
        prefix = f"{self.location}/" if self.location else ""
        pages = self.connection.meta.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket_name, Prefix=prefix)
        for page in pages:
            for item in page.get("Contents", ()):
                yield item["Key"][len(prefix):], item["LastModified"], item["Size"]


def disk():
    """The disk storage under MEDIA_ROOT, whichever storage is the default."""
    return DiskStorage(location=settings.MEDIA_ROOT)


def bucket():
    """The bucket that S3_BUCKET and its companions name, whichever storage is the default."""
    return BucketStorage(**settings.S3_STORAGE_OPTIONS)
