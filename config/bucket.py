"""The S3-compatible bucket storage (MEDIA_STORAGE=s3): a module of its own, so that boto3 (a tenth of a worker's
memory) is loaded only on machines that use a bucket."""

from urllib.parse import urljoin

from boto3.exceptions import Boto3Error
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError
from django.conf import settings
from django.utils.encoding import filepath_to_uri
from storages.backends.s3 import S3Storage

from config.storage import StorageUnavailable


class BucketStorage(S3Storage):
    """Objects in an S3-compatible bucket (AWS, MinIO, Ceph, Garage ...), under `location` if one is given."""

    def __init__(self, timeout_s=5, addressing_style=None, **options):
        # A bucket that does not answer fails a filing in seconds, not after boto3's minute-long defaults;
        # addressing `path` for servers reached by address, not by a name per bucket (MinIO's default).
        config = Config(connect_timeout=timeout_s, read_timeout=timeout_s, retries={"max_attempts": 2},
                        s3={"addressing_style": addressing_style})
        super().__init__(client_config=config, **options)

    def _save(self, name, content):
        """A bucket that does not answer or refuses the upload is unavailable for now (503 with Retry-After)."""
        try:
            return super()._save(name, content)
        except (BotoCoreError, ClientError, Boto3Error) as error:
            raise StorageUnavailable(f"The photo bucket did not take {name}: {error}") from error

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
