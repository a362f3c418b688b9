"""Photos in an S3-compatible bucket (MEDIA_STORAGE=s3) on a real S3 server on 127.0.0.1 (tests/s3server.py):
stored there when a report is filed, served at the same /media/ address, gone with the report, found by
clean_media, moved from disk to the bucket and back, and the health check's view of the bucket."""

import os
import uuid

import pytest
from django.core.files.storage import default_storage
from django.test import Client

from reports.models import Photo, Report
from tests.conftest import make_report, run
from tests.images import GANTING_GPS, photo_bytes, upload

pytestmark = pytest.mark.django_db


def files_on_disk(root):
    return sorted(os.path.relpath(os.path.join(folder, name), root)
                  for folder, _, names in os.walk(root) for name in names)


def test_a_report_filed_with_a_photo_stores_both_files_in_the_bucket_and_nothing_on_disk(client, bucket, settings):
    response = client.post("/api/v1/reports", {
        "category": "jalan-berlubang", "lat": str(GANTING_GPS[0]), "lon": str(GANTING_GPS[1]),
        "description": "Lubang besar di depan masjid.", "photos": [upload(photo_bytes())],
        "client_uuid": "5f0c7d9e-2b1a-4c3d-9e8f-0a1b2c3d4e5f"})
    assert response.status_code == 201, response.content
    photo = Photo.objects.get()
    assert bucket.keys() == sorted(photo.file_names)
    assert bucket.read(photo.image.name)[:3] == b"\xff\xd8\xff"  # a JPEG, as re-encoded
    assert not os.path.exists(settings.MEDIA_ROOT)


def test_a_photo_in_the_bucket_keeps_its_plain_media_address_and_the_app_serves_it(client, bucket):
    photo = make_report(with_photo=True).photos.get()
    assert photo.image.url == f"/media/{photo.image.name}"  # no signature, no expiry: links keep working
    response = client.get(photo.image.url)
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert b"".join(response.streaming_content) == bucket.read(photo.image.name)
    assert "immutable" in response["Cache-Control"]
    assert client.get("/media/photos/2026/01/nothing.jpg").status_code == 404
    assert client.get(photo.image.url.rsplit("/", 1)[0] + "/").status_code == 404


def test_the_api_links_a_public_bucket_directly_when_told_its_address(client, bucket, settings):
    settings.MEDIA_URL = "https://foto.padangpanjang.go.id/lapor/"
    report = make_report(with_photo=True)
    photo = report.photos.get()
    shown = client.get(f"/api/v1/reports/{report.code}").json()
    assert shown["properties"]["photos"][0]["url"] == f"https://foto.padangpanjang.go.id/lapor/{photo.image.name}"


def test_a_reports_photos_leave_the_bucket_with_it(bucket, django_capture_on_commit_callbacks):
    kept, gone = make_report(with_photo=True), make_report(with_photo=True)
    with django_capture_on_commit_callbacks(execute=True):
        Report.objects.filter(pk=gone.pk).delete()
    assert bucket.keys() == sorted(kept.photos.get().file_names)


def test_clean_media_finds_and_deletes_the_buckets_orphans(bucket):
    kept = make_report(with_photo=True).photos.get()
    bucket.client.put_object(Bucket="lapor-photos", Key="photos/2026/01/orphan.jpg", Body=b"old")
    listed = run("clean_media", "--min-age-hours", "0")
    assert "orphan: photos/2026/01/orphan.jpg" in listed and "Found 1 orphan files" in listed
    assert "photos/2026/01/orphan.jpg" in bucket.keys()
    assert "Deleted 1 orphan files" in run("clean_media", "--min-age-hours", "0", "--delete")
    assert bucket.keys() == sorted(kept.file_names)


def test_move_media_copies_the_disk_to_the_bucket_and_back_and_again_copies_nothing(s3_server, settings, tmp_path):
    s3_server.fresh_bucket()
    settings.S3_STORAGE_OPTIONS = s3_server.options()
    photo = make_report(with_photo=True).photos.get()  # on disk: MEDIA_STORAGE is still `disk`
    names = sorted(photo.file_names)
    on_disk = {name: default_storage.open(name).read() for name in names}

    moved = run("move_media", "--to", "bucket")
    assert "2 files to look at; 0 already in the target" in moved and "Copied 2 files" in moved
    assert s3_server.keys() == names and {name: s3_server.read(name) for name in names} == on_disk
    assert "Copied 0 files" in run("move_media", "--to", "bucket") and s3_server.keys() == names

    settings.MEDIA_ROOT = tmp_path / "elsewhere"
    back = run("move_media", "--to", "disk", "--delete-source")
    assert "Copied 2 files" in back and "2 deleted from the source" in back
    assert files_on_disk(settings.MEDIA_ROOT) == names and s3_server.keys() == []
    assert {name: (settings.MEDIA_ROOT / name).read_bytes() for name in names} == on_disk


def test_the_health_check_says_the_storage_is_degraded_when_the_bucket_is_gone(client, bucket):
    assert client.get("/healthz").json()["degraded"] == []
    bucket.client.delete_bucket(Bucket="lapor-photos")
    answer = client.get("/healthz")
    assert answer.status_code == 200 and "storage" in answer.json()["degraded"]


def test_a_bucket_out_of_reach_answers_503_with_retry_after(bucket, settings):
    """Nothing listens where the bucket should be: the filing is not lost, the phone is told to come back."""
    unreachable = {**settings.S3_STORAGE_OPTIONS, "endpoint_url": "http://127.0.0.1:9", "timeout_s": 1}
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "config.bucket.BucketStorage",
                                                          "OPTIONS": unreachable}}
    response = Client(raise_request_exception=False).post("/api/v1/reports", {
        "category": "jalan-berlubang", "lat": str(GANTING_GPS[0]), "lon": str(GANTING_GPS[1]),
        "description": "Lubang besar di depan masjid.", "client_uuid": str(uuid.uuid4()),
        "photos": [upload(photo_bytes())]})
    assert response.status_code == 503 and response["Retry-After"] == "30"
    assert Report.objects.count() == 0
