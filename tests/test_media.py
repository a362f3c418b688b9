"""Photo files: random names, none left by a failed filing, removed with their rows, a new URL when blurred,
served by the app (or nginx through X-Accel-Redirect), and orphans found by clean_media."""

import os
import re
import time
import uuid

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import OperationalError, connection
from django.test import Client

from reports import photos
from reports.filing import file_report
from reports.models import Category, Photo, Report
from tests.conftest import make_report, run, staff_user, verified_login
from tests.images import GANTING_GPS, photo_bytes, upload
from tests.pgproxy import CommitCutter

pytestmark = pytest.mark.django_db


def files_on_disk(settings):
    root = settings.MEDIA_ROOT
    return sorted(os.path.relpath(os.path.join(folder, name), root)
                  for folder, _, names in os.walk(root) for name in names)


def test_a_photo_is_stored_under_a_random_name_that_says_nothing_of_the_report(settings):
    report = make_report(with_photo=True)
    photo = report.photos.get()
    for name in photo.file_names:
        assert re.fullmatch(r"photos/\d{4}/\d\d/[\w-]{22}(-kecil)?\.jpg", name)
        assert report.code not in name
    assert files_on_disk(settings) == sorted(photo.file_names)


def test_a_filing_that_fails_after_its_photos_were_written_leaves_no_file(settings):
    # The database refuses the report's first history row: the filing fails after its photos are on disk.
    with connection.cursor() as cursor:
        cursor.execute("CREATE FUNCTION refuse() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'refused'; END $$ "
                       "LANGUAGE plpgsql; CREATE TRIGGER refuse BEFORE INSERT ON reports_statuschange "
                       "FOR EACH ROW EXECUTE FUNCTION refuse()")
    with pytest.raises(Exception, match="refused"):
        file_report(client_uuid=uuid.uuid4(), category=Category.objects.get(slug="jalan-berlubang"),
                    lat=GANTING_GPS[0], lon=GANTING_GPS[1], description="Gagal.",
                    photos=[photos.process(upload(photo_bytes()), "1"), photos.process(upload(photo_bytes()), "2")])
    assert Report.objects.count() == 0 and Photo.objects.count() == 0
    assert files_on_disk(settings) == []


@pytest.fixture
def commit_cutter(city):
    """The test's connection goes through a tests.pgproxy.CommitCutter, which can lose it just after a COMMIT."""
    params = connection.settings_dict
    proxy = CommitCutter(params["HOST"] or "127.0.0.1", int(params["PORT"] or 5432))
    connection.close()
    before = params["HOST"], params["PORT"]
    params["HOST"], params["PORT"] = "127.0.0.1", str(proxy.port)
    yield proxy
    connection.close()
    params["HOST"], params["PORT"] = before
    proxy.close()


def test_a_filing_whose_commit_took_effect_keeps_its_photos_when_the_connection_drops(settings, commit_cutter):
    """The phone hears nothing (the connection went during COMMIT) and retries: the stored report it gets then
    has every photo readable (test_a_filing_that_fails_after_its_photos_were_written_leaves_no_file: the other way)."""
    category = Category.objects.get(slug="jalan-berlubang")
    acknowledged = []
    for attempt in range(3):
        submission = uuid.uuid4()
        filing = {"client_uuid": submission, "category": category, "lat": GANTING_GPS[0], "lon": GANTING_GPS[1],
                  "description": f"Lubang {attempt}.",
                  "photos": [photos.process(upload(photo_bytes()), "1"), photos.process(upload(photo_bytes()), "2")]}
        commit_cutter.cut_after_commit()
        with pytest.raises(OperationalError):
            file_report(**filing)
        assert commit_cutter.cut.is_set()
        report, created = file_report(**filing)  # the phone's retry
        assert not created
        acknowledged.append(report)
    stored = Photo.objects.filter(report__in=acknowledged)
    assert stored.count() == 6
    for photo in stored:
        for name in photo.file_names:
            with default_storage.open(name) as content:
                assert content.read(2) == b"\xff\xd8"  # a JPEG, whole
    assert files_on_disk(settings) == sorted(name for photo in stored for name in photo.file_names)


def test_a_full_disk_answers_503_with_retry_after_leaves_no_file_and_the_health_check_says_storage(settings):
    """A disk of 200 kB (config.storage.SmallDiskStorage) filled up to its last 100 bytes: the photo's write fails
    partway with ENOSPC. The phone is told to come back; once there is room again, its retry is filed."""
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "config.storage.SmallDiskStorage",
                                                          "OPTIONS": {"capacity": 200_000,
                                                                      "location": settings.MEDIA_ROOT}}}
    settings.MEDIA_MIN_FREE_MB = 0.05
    client = Client(raise_request_exception=False)
    assert client.get("/healthz").json()["degraded"] == []
    default_storage.save("filler.bin", ContentFile(b"x" * 199_900))
    filing = {"category": "jalan-berlubang", "lat": str(GANTING_GPS[0]), "lon": str(GANTING_GPS[1]),
              "description": "Lubang besar di depan masjid.", "client_uuid": str(uuid.uuid4())}

    full = client.post("/api/v1/reports", {**filing, "photos": [upload(photo_bytes())]})
    assert full.status_code == 503 and full["Retry-After"] == "30"
    assert "error" in full.json()
    assert files_on_disk(settings) == ["filler.bin"]  # no partial photo, no temporary file
    assert Report.objects.count() == 0
    health = client.get("/healthz").json()
    assert health["status"] == "degraded" and health["degraded"] == ["storage"]

    default_storage.delete("filler.bin")
    assert client.post("/api/v1/reports", {**filing, "photos": [upload(photo_bytes())]}).status_code == 201
    assert len(files_on_disk(settings)) == 2
    assert client.get("/healthz").json()["degraded"] == []


def test_photo_files_go_with_their_rows_one_by_one_in_bulk_and_with_the_report(
    admin_client, settings, django_capture_on_commit_callbacks
):
    reports = [make_report(with_photo=True) for _ in range(4)]
    one, two, three, four = (report.photos.get() for report in reports)
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(f"/admin/reports/photo/{one.pk}/delete/", {"post": "yes"})
    assert not set(one.file_names) & set(files_on_disk(settings))
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post("/admin/reports/photo/", {"action": "delete_selected", "post": "yes",
                                                    "_selected_action": [two.pk, three.pk]})
    assert files_on_disk(settings) == sorted(four.file_names)
    with django_capture_on_commit_callbacks(execute=True):
        Report.objects.filter(pk=reports[3].pk).delete()
    assert files_on_disk(settings) == []


def test_a_deletion_rolled_back_keeps_the_files(settings):
    photo = make_report(with_photo=True).photos.get()
    photo.delete()  # in the test's transaction, which never commits: the row comes back, so must the files
    assert files_on_disk(settings) == sorted(photo.file_names)


def test_a_blurred_photo_gets_a_new_url_and_the_unblurred_files_go(settings, django_capture_on_commit_callbacks):
    photo = make_report(with_photo=True).photos.get()
    before = photo.file_names
    with django_capture_on_commit_callbacks(execute=True):
        photos.blur(photo, "test")
    photo.refresh_from_db()
    assert not set(photo.file_names) & set(before)
    assert files_on_disk(settings) == sorted(photo.file_names)


def test_the_app_serves_a_photo_with_a_long_cache_and_never_a_listing(client):
    photo = make_report(with_photo=True).photos.get()
    response = client.get(photo.image.url)
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert b"".join(response.streaming_content) == photo.image.read()
    assert "immutable" in response["Cache-Control"] and "max-age=31536000" in response["Cache-Control"]
    folder = photo.image.url.rsplit("/", 1)[0]
    assert client.get(folder + "/").status_code == 404
    assert client.get("/media/../config/settings.py").status_code == 404
    assert client.get("/media/photos/2026/01/nothing.jpg").status_code == 404
    assert client.post(photo.image.url).status_code == 405


def test_photos_the_public_may_not_see_are_a_404_and_staff_get_them_uncached(client, django_user_model, settings):
    """A hidden report's photos and a photo waiting for review stay on disk for staff, never in a shared cache."""
    settings.MEDIA_ACCEL_REDIRECT = "/_media/"  # as behind nginx: the app's answer decides, nginx only sends
    hidden = make_report(with_photo=True, hidden=True).photos.get()
    waiting = make_report(with_photo=True).photos.get()
    Photo.objects.filter(pk=waiting.pk).update(published=False)
    shown = make_report(with_photo=True).photos.get()
    blurred_away = shown.image.name.replace(".jpg", "-asli.jpg")  # a file no photo names any more
    settings.MEDIA_ROOT.joinpath(blurred_away).write_bytes(shown.image.read())
    urls = [hidden.image.url, hidden.thumbnail.url, waiting.image.url, waiting.thumbnail.url]
    for url in [*urls, f"/media/{blurred_away}"]:
        assert client.get(url).status_code == 404, url
    assert client.get(shown.image.url)["Cache-Control"] == "public, max-age=31536000, immutable"

    other_crew = staff_user(django_user_model, "rina", "crew", "Tim Jalan Padang Panjang Barat")
    for user in (staff_user(django_user_model, "dewi", "dispatcher"), staff_user(django_user_model, "bima", "planner"),
                 staff_user(django_user_model, "andi", "crew", hidden.report.crew.name)):
        staff = verified_login(Client(), user)
        for url in urls:
            answer = staff.get(url)
            assert answer.status_code == 200 and answer["Cache-Control"] == "private, no-store", (user, url)
        assert staff.get(f"/media/{blurred_away}").status_code == 404
        assert staff.get(shown.image.url)["Cache-Control"] == "public, max-age=31536000, immutable"
    assert verified_login(Client(), other_crew).get(hidden.image.url).status_code == 404


def test_with_nginx_in_front_the_app_names_the_file_for_it(client, settings):
    settings.MEDIA_ACCEL_REDIRECT = "/_media/"
    photo = make_report(with_photo=True).photos.get()
    response = client.get(photo.image.url)
    assert response.status_code == 200 and response.content == b""
    assert response["X-Accel-Redirect"] == f"/_media/{photo.image.name}"
    assert "immutable" in response["Cache-Control"]


def test_clean_media_lists_old_orphans_then_deletes_them_and_leaves_young_files(settings):
    kept = make_report(with_photo=True).photos.get()
    folder = settings.MEDIA_ROOT / "photos" / "2026" / "01"
    folder.mkdir(parents=True)
    (folder / "orphan.jpg").write_bytes(b"old")
    (folder / "young.jpg").write_bytes(b"a filing in progress")
    two_days_ago = time.time() - 2 * 86400
    os.utime(folder / "orphan.jpg", (two_days_ago, two_days_ago))
    for name in kept.file_names:
        os.utime(settings.MEDIA_ROOT / name, (two_days_ago, two_days_ago))

    listed = run("clean_media")
    assert "orphan: photos/2026/01/orphan.jpg" in listed and "Found 1 orphan files" in listed
    assert "young.jpg" not in listed and (folder / "orphan.jpg").exists()

    deleted = run("clean_media", "--delete")
    assert "Deleted 1 orphan files" in deleted
    assert files_on_disk(settings) == sorted([*kept.file_names, "photos/2026/01/young.jpg"])
