"""Backup and restore against the real PostgreSQL: pg_dump and pg_restore run as they do in production.

Transactional tests: pg_dump runs in another process and sees only committed rows.
"""

import io
import json
import tarfile
from urllib.parse import urlsplit

import psycopg2
import pytest
from django.conf import settings
from django.db import connection
from django_redis import get_redis_connection
from psycopg2 import sql

from config.ensure_database import server_keywords
from geo.models import KelurahanBoundary
from reports import backup, photos
from tests.conftest import make_report, run

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def restored():
    """A database URL beside the test database's, for restoring into; dropped afterwards whatever happened."""
    params = dict(settings.DATABASES["default"], NAME=settings.DATABASES["default"]["NAME"] + "_restored")
    drop_database(params)  # left by an interrupted run
    yield urlsplit(settings.DATABASE_URL)._replace(path="/" + params["NAME"]).geturl(), params
    drop_database(params)


def drop_database(params):
    server = psycopg2.connect(dbname="postgres", **server_keywords(params))
    server.autocommit = True
    with server.cursor() as cursor:
        cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(params["NAME"])))
    server.close()


def database_exists(params):
    server = psycopg2.connect(dbname="postgres", **server_keywords(params))
    with server.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [params["NAME"]])
        found = cursor.fetchone() is not None
    server.close()
    return found


def fetch(params, query):
    database = psycopg2.connect(dbname=params["NAME"], **server_keywords(params))
    with database.cursor() as cursor:
        cursor.execute(query)
        rows = cursor.fetchall()
    database.close()
    return rows


def quiet(message):
    pass


def test_it_restores_a_backup_into_a_fresh_database_and_media_folder(city, tmp_path, restored):
    url, params = restored
    report = make_report(with_photo=True)
    photo = report.photos.get()

    printed = run("backup", output=str(tmp_path / "backups"))
    (folder,) = (tmp_path / "backups").iterdir()
    manifest = json.loads((folder / "manifest.json").read_text())
    assert not folder.name.endswith(".partial")
    assert folder.stat().st_mode & 0o077 == 0  # personal data: the owner's only
    assert f"Backup {folder}: 1 reports, 1 photos, 2 media files" in printed  # the photo and its thumbnail
    assert (manifest["reports"], manifest["photos"], manifest["media_files"]) == (1, 1, 2)
    assert manifest["migrations"]["reports"].startswith("0")
    assert {name: backup.describe(folder / name) for name in ("database.dump", "media.tar")} == manifest["parts"]

    media = tmp_path / "restored-media"
    # What the cache kept for the installation on that database before: its tiles would be served again.
    redis = get_redis_connection("default")
    redis.set(f"{params['NAME']}:1:tiles:version:all", "old")
    redis.set("another-installation:1:tiles:version:all", "theirs")
    printed = run("restore", str(folder), database_url=url, media_root=str(media))
    assert "1 reports (the backup holds 1), 2 media files" in printed
    assert redis.get(f"{params['NAME']}:1:tiles:version:all") is None
    assert redis.get("another-installation:1:tiles:version:all") == b"theirs"
    redis.delete("another-installation:1:tiles:version:all")

    assert fetch(params, "SELECT code FROM reports_report") == [(report.code,)]
    assert fetch(params, "SELECT image, thumbnail FROM reports_photo") == [(photo.image.name, photo.thumbnail.name)]
    # PostGIS geometries come back the same, SRID included.
    geometries = (
        "SELECT ST_AsEWKT(location) FROM reports_report UNION ALL "
        f"SELECT ST_AsEWKT(boundary) FROM {KelurahanBoundary._meta.db_table}"
    )
    with connection.cursor() as cursor:
        cursor.execute(geometries)
        assert sorted(fetch(params, geometries)) == sorted(cursor.fetchall())
    for name in (photo.image.name, photo.thumbnail.name):
        assert (media / name).read_bytes() == (settings.MEDIA_ROOT / name).read_bytes()


def test_with_photos_in_a_bucket_it_backs_up_the_bucket_and_restores_into_an_empty_one(city, tmp_path, restored,
                                                                                       bucket):
    url, params = restored
    photo = make_report(with_photo=True).photos.get()
    stored = {name: bucket.read(name) for name in photo.file_names}

    folder, manifest = backup.backup(tmp_path / "backups", say=quiet)
    assert manifest["media_files"] == 2
    with tarfile.open(folder / "media.tar") as tar:
        assert {member.name: tar.extractfile(member).read() for member in tar} == stored

    with pytest.raises(backup.BackupError, match="media storage .bucket lapor-photos. is not empty"):
        backup.restore(folder, url, say=quiet)
    assert not database_exists(params)
    bucket.fresh_bucket()  # the bucket lost
    printed = run("restore", str(folder), database_url=url)
    assert "Media restored into bucket lapor-photos: 2 files" in printed
    assert {name: bucket.read(name) for name in bucket.keys()} == stored
    assert fetch(params, "SELECT image, thumbnail FROM reports_photo") == [(photo.image.name, photo.thumbnail.name)]


@pytest.mark.parametrize("part", ["database.dump", "media.tar"])
def test_it_refuses_a_damaged_part_before_restoring_anything(city, tmp_path, restored, part):
    url, params = restored
    make_report(with_photo=True)
    folder, _ = backup.backup(tmp_path / "backups", say=quiet)
    damaged = bytearray((folder / part).read_bytes())
    damaged[len(damaged) // 2] ^= 0xFF
    (folder / part).write_bytes(damaged)

    media = tmp_path / "restored-media"
    with pytest.raises(backup.BackupError, match=f"{part} does not match the manifest"):
        backup.restore(folder, url, media, say=quiet)
    assert not database_exists(params)
    assert not media.exists()


def test_it_refuses_a_database_that_has_tables(city, tmp_path):
    folder, manifest = backup.backup(tmp_path / "backups", say=quiet)
    assert manifest["media_files"] == 0  # no photos yet: no media folder at all, an empty tar

    media = tmp_path / "restored-media"
    with pytest.raises(backup.BackupError, match=r"Database test_\w+ already has \d+ tables .*--database-url"):
        backup.restore(folder, media_root=media, say=quiet)  # into the configured (test) database
    assert not media.exists()


def test_it_refuses_a_tar_member_outside_the_media_folder(city, tmp_path, restored):
    url, params = restored
    folder, _ = backup.backup(tmp_path / "backups", say=quiet)
    with tarfile.open(folder / "media.tar", "w") as tar:
        member = tarfile.TarInfo("../outside.jpg")
        member.size = 3
        tar.addfile(member, io.BytesIO(b"jpg"))
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["parts"]["media.tar"] = backup.describe(folder / "media.tar")  # a made-up backup, consistent
    (folder / "manifest.json").write_text(json.dumps(manifest))

    media = tmp_path / "restored-media"
    with pytest.raises(backup.BackupError, match="unsafe entry, nothing restored"):
        backup.restore(folder, url, media, say=quiet)
    assert not database_exists(params)
    assert not (tmp_path / "outside.jpg").exists()


def test_files_deleted_while_it_runs_are_skipped_and_named_in_the_manifest(city, tmp_path, monkeypatch,
                                                                        django_capture_on_commit_callbacks):
    """A photo blurred after the listing (its old files go): the backup goes on and says which files it missed."""
    first, second = (make_report(with_photo=True).photos.get() for _ in range(2))
    listed = sorted(first.file_names + second.file_names)
    blurred = second if listed[0] in first.file_names else first
    monkeypatch.setattr(backup, "PROGRESS_EVERY", 1)  # a progress line after each file: the moment to blur

    def blur_once(message):
        if message.startswith("  media: 1/"):
            with django_capture_on_commit_callbacks(execute=True):
                photos.blur(blurred, "test: a reviewer blurs it meanwhile")

    old = blurred.file_names
    folder, manifest = backup.backup(tmp_path / "backups", say=blur_once)
    assert not folder.name.endswith(".partial")
    assert sorted(manifest["media_skipped"]) == sorted(old) and manifest["media_files"] == 2
    with tarfile.open(folder / "media.tar") as tar:
        assert sorted(tar.getnames()) == sorted(set(listed) - set(old))
