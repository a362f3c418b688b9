"""A real S3-compatible server on 127.0.0.1 (moto's, in a thread) for the photo storage's tests.

The tests read and write the bucket through boto3's own client, never through our code, to see what is stored.
"""

import boto3
import requests
from moto.server import ThreadedMotoServer

BUCKET = "lapor-photos"
REGION = "us-east-1"


class S3Server:
    def __init__(self):
        self.server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self.server.start()
        host, port = self.server.get_host_and_port()
        self.url = f"http://{host}:{port}"
        self.client = boto3.client("s3", endpoint_url=self.url, region_name=REGION,
                                   aws_access_key_id="test", aws_secret_access_key="test")

    def options(self, bucket=BUCKET):
        """config.bucket.BucketStorage's options for `bucket` on this server."""
        return {"bucket_name": bucket, "endpoint_url": self.url, "region_name": REGION,
                "access_key": "test", "secret_key": "test", "querystring_auth": False, "default_acl": None}

    def fresh_bucket(self, bucket=BUCKET):
        """Forget every bucket (moto keeps them in memory), then make an empty one."""
        requests.post(f"{self.url}/moto-api/reset", timeout=10).raise_for_status()
        self.client.create_bucket(Bucket=bucket)

    def keys(self, bucket=BUCKET):
        listed = self.client.list_objects_v2(Bucket=bucket)
        return sorted(item["Key"] for item in listed.get("Contents", ()))

    def read(self, key, bucket=BUCKET):
        return self.client.get_object(Bucket=bucket, Key=key)["Body"].read()

    def stop(self):
        self.server.stop()
