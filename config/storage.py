"""Where uploaded photos are kept: this machine's disk, or an S3-compatible bucket that every app server shares.

Both say what they hold the same way (`walk`), so serving, clean_media, backups and the move between them
(reports.media) are written once. A photo's address is the same on both: /media/<name> (the app reads the file
from wherever it is), or MEDIA_URL + name for a public bucket; never an expiring presigned URL, because links
sent to other systems must keep working.
"""

import errno
import os
import shutil
import tempfile
from datetime import UTC, datetime

from django.conf import settings
from django.core.files.storage import FileSystemStorage


class StorageUnavailable(OSError):
    """The storage cannot take a file now (a full disk, a bucket that does not answer): config.errors answers 503
    with Retry-After, and the phone tries again later."""


# What a disk says when it cannot take a file for now; any other OSError is a bug and stays a 500.
UNAVAILABLE_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EIO}


class DiskStorage(FileSystemStorage):
    """Files under MEDIA_ROOT (or `location`)."""

    def _save(self, name, content):
        """Written under a temporary name in the same folder and linked to `name` when complete: a write cut short
        (a full disk) leaves no partial file under a photo's name, and the temporary one goes too."""
        full = self.path(name)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        descriptor, temporary = tempfile.mkstemp(dir=os.path.dirname(full), prefix=".partial-")
        try:
            with os.fdopen(descriptor, "wb") as file:
                for chunk in content.chunks():
                    self.write(file, chunk)
            os.chmod(temporary, self.file_permissions_mode or 0o644)
            while True:
                try:
                    os.link(temporary, full)  # never over another file
                    break
                except FileExistsError:
                    name = self.get_available_name(name)
                    full = self.path(name)
        except OSError as error:
            if error.errno in UNAVAILABLE_ERRNOS:
                raise StorageUnavailable(error.errno, f"The photo storage cannot take {name}: {error.strerror}")
            raise
        finally:
            os.unlink(temporary)
        return str(name).replace("\\", "/")

    def write(self, file, chunk):
        file.write(chunk)

    def free_bytes(self):
        """Room left on the disk under `location`: /healthz wants room for a filing's photos."""
        os.makedirs(self.location, exist_ok=True)
        return shutil.disk_usage(self.location).free

    def walk(self):
        """(name, modified, bytes) of every file, in no particular order."""
        root = self.location
        for folder, _dirs, files in os.walk(root):
            for file in files:
                try:
                    stat = os.stat(os.path.join(folder, file))
                except FileNotFoundError:  # deleted since the folder was read
                    continue
                name = os.path.relpath(os.path.join(folder, file), root).replace(os.sep, "/")
                yield name, datetime.fromtimestamp(stat.st_mtime, UTC), stat.st_size


def disk():
    """The disk storage under MEDIA_ROOT, whichever storage is the default."""
    return DiskStorage(location=settings.MEDIA_ROOT)


def bucket():
    """The bucket that S3_BUCKET and its companions name, whichever storage is the default."""
    from config.bucket import BucketStorage  # boto3 is loaded only where a bucket is used

    return BucketStorage(**settings.S3_STORAGE_OPTIONS)


class SmallDiskStorage(DiskStorage):
    """A disk of `capacity` bytes under `location`, for the tests (a small filesystem cannot be mounted where they
    run): a write past it fails partway with ENOSPC, as a full disk's does."""

    def __init__(self, capacity, **options):
        super().__init__(**options)
        self.capacity = capacity

    def write(self, file, chunk):
        file.flush()  # the partial file counts as used, as it does on a disk
        room = self.free_bytes()
        file.write(chunk[:room])
        if room < len(chunk):
            file.flush()
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    def free_bytes(self):
        return max(0, self.capacity - sum(size for _name, _modified, size in self.walk()))
