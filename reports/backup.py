"""Backups of the database and the uploaded files, and their restore (`manage.py backup`, `manage.py restore`).

A backup is a folder, not one archive: pg_restore reads the dump where it lies, every part is checked against
the manifest's sha256 without unpacking anything, and one part can be copied or inspected alone. It is written
under a `.partial` name and renamed when complete, so a folder with a timestamp for a name is a whole backup.

The media part is every stored file (MEDIA_ROOT, or the bucket: config.storage), whatever its layout. It is
taken after the dump: every photo the dump names is in it unless deleted meanwhile (a blurred photo's old files):
those are skipped and named in the manifest's `media_skipped`; a photo uploaded meanwhile may be there too,
unused. The dump is taken from the replica when one is configured and keeps up (config.db_router), so the
primary only serves its usual work.
"""

import hashlib
import json
import os
import shutil
import subprocess
import tarfile
import time
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

import dj_database_url
import django
import psycopg2
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connections, transaction
from django.db.migrations.recorder import MigrationRecorder
from django_redis import get_redis_connection
from redis.exceptions import RedisError

from config.db_router import replica_alias
from config.ensure_database import ensure, server_keywords
from config.storage import DiskStorage
from reports.models import Photo, Report

FORMAT = 1
DUMP, MEDIA, MANIFEST = "database.dump", "media.tar", "manifest.json"
PROGRESS_EVERY = 100  # files between two progress lines
CHUNK = 1024 * 1024


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says what to do."""


def backup(output, say=print):
    """Write a backup folder under `output`; return its path and manifest."""
    alias = replica_alias()
    params = settings.DATABASES[alias]
    created = datetime.now(UTC)
    folder = Path(output) / created.strftime("%Y%m%dT%H%M%SZ")
    partial = folder.with_name(folder.name + ".partial")
    if folder.exists() or partial.exists():
        raise BackupError(f"{folder} already exists: wait a second and run the backup again.")
    partial.mkdir(parents=True, mode=0o700)  # reporters' names, phones and e-mails: for the operator's eyes
    try:
        manifest = {"format": FORMAT, "created": created.isoformat(), "database": params["NAME"],
                    "django": django.get_version()}
        manifest.update(dump_database(alias, partial / DUMP, say))
        manifest["media_files"], manifest["media_skipped"] = archive_media(default_storage, partial / MEDIA, say)
        manifest["parts"] = {name: describe(partial / name) for name in (DUMP, MEDIA)}
        (partial / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
    except BaseException:
        shutil.rmtree(partial)
        raise
    partial.rename(folder)
    return folder, manifest


def dump_database(alias, path, say):
    """pg_dump -Fc of the database `alias`, and the counts and migrations of the very snapshot it dumps."""
    params = settings.DATABASES[alias]
    say(f"Dumping database {params['NAME']} ({'the replica' if alias != 'default' else 'the primary'}) ...")
    started = time.monotonic()
    with transaction.atomic(using=alias), connections[alias].cursor() as cursor:
        # pg_dump reads this transaction's snapshot: the manifest's counts are exactly what the dump holds.
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot = cursor.fetchone()[0]
        facts = {
            "reports": Report.objects.using(alias).count(),
            "photos": Photo.objects.using(alias).count(),
            "migrations": latest_migrations(connections[alias]),
        }
        postgres(["pg_dump", "--format=custom", f"--snapshot={snapshot}", f"--file={path}"], params)
    say(f"{DUMP}: {facts['reports']} reports, {facts['photos']} photos, "
        f"{megabytes(path.stat().st_size)} in {time.monotonic() - started:.1f} s")
    return facts


def latest_migrations(connection):
    """{app: its last applied migration}: which code a restored database needs at least."""
    latest = {}
    for app, name in MigrationRecorder(connection).applied_migrations():
        latest[app] = max(name, latest.get(app, name))
    return dict(sorted(latest.items()))


def archive_media(storage, path, say):
    """Tar every file of `storage` (config.storage: a folder or a bucket, listed then copied one by one); return
    how many, and the names of those deleted after the listing (a blurred photo's old files, a deleted report's:
    the dump may still name them, but they are gone for good), which are skipped and do not fail the backup."""
    files = sorted(storage.walk())
    written, skipped = 0, []
    with tarfile.open(path, "w") as tar:
        for count, (name, modified, size) in enumerate(files, 1):
            try:
                content = storage.open(name)
            except FileNotFoundError:
                skipped.append(name)
                continue
            member = tarfile.TarInfo(name)
            member.size, member.mtime, member.mode = size, modified.timestamp(), 0o644
            with content:
                tar.addfile(member, content)
            written += size
            if count % PROGRESS_EVERY == 0:
                say(f"  media: {count}/{len(files)} files, {megabytes(written)}")
    gone = f" ({len(skipped)} deleted meanwhile, named in {MANIFEST})" if skipped else ""
    say(f"{MEDIA}: {len(files) - len(skipped)} files{gone}, {megabytes(path.stat().st_size)}")
    return len(files) - len(skipped), skipped


def restore(source, database_url=None, media_root=None, say=print):
    """Restore the backup folder `source` into an empty or missing database and an empty media storage (the
    configured one, folder or bucket, or the folder `media_root`).

    Everything is checked first (the parts' sha256, the tar's member names, the targets being empty);
    nothing is written before all of it passes.
    """
    source = Path(source)
    manifest = read_manifest(source)
    for name, expected in manifest["parts"].items():
        say(f"Checking {name} ({megabytes(expected['bytes'])}) ...")
        try:
            found = describe(source / name)
        except OSError as error:
            raise BackupError(f"{source / name}: {error.strerror}; restore another backup.")
        if found != expected:
            raise BackupError(f"{source / name} does not match the manifest (damaged or changed): "
                              "restore another backup.")
    params = dj_database_url.parse(database_url) if database_url else settings.DATABASES["default"]
    media = DiskStorage(location=media_root) if media_root else default_storage
    check_media(source / MEDIA)
    check_database_empty(params)
    if next(iter(media.walk()), None):
        raise BackupError(f"The media storage ({where(media)}) is not empty: move its files aside, or give "
                          "--media-root an empty or new folder.")

    ensure(params)
    say(f"Restoring {DUMP} into database {params['NAME']} ...")
    started = time.monotonic()
    postgres(["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction",
              "--dbname", params["NAME"], str(source / DUMP)], params)
    say(f"Database restored in {time.monotonic() - started:.1f} s")
    files = extract_media(source / MEDIA, media, say)
    prefix = settings.CACHES["default"]["KEY_PREFIX"] if database_url is None else params["NAME"]
    forget_cache(prefix, say)
    return {"reports": count_reports(params), "files": files, "manifest": manifest}


def forget_cache(prefix, say):
    """Drop what the shared cache keeps under `prefix` (the restored installation's: the configured one, or a
    database's name, the default CACHE_PREFIX). It described the database that was there before: its tiles
    carry version numbers the restored database counts through again, and would be served for the wrong
    reports. Nothing in the cache needs keeping; a cache that does not answer has nothing to drop."""
    try:
        client = get_redis_connection("default")
        keys = list(client.scan_iter(match=f"{prefix}:*", count=1000))
        if keys:
            client.delete(*keys)
    except RedisError:
        say("The cache does not answer: nothing cached to drop.")
        return
    say(f"Dropped {len(keys)} cached entries of the database that was there before.")


def read_manifest(source):
    try:
        manifest = json.loads((source / MANIFEST).read_text())
    except (OSError, ValueError) as error:
        raise BackupError(f"{source} is not a backup folder ({MANIFEST}: {error}).")
    if manifest.get("format") != FORMAT or set(manifest.get("parts", {})) != {DUMP, MEDIA}:
        raise BackupError(f"{source / MANIFEST} is not a manifest this version can restore.")
    return manifest


def check_media(path):
    """Refuse the tar if any member would land outside the media storage (absolute paths, `..`, links out)."""
    with tarfile.open(path) as tar:
        for member in tar:
            try:
                tarfile.data_filter(member, "/media")
            except tarfile.FilterError as error:
                raise BackupError(f"{path} holds an unsafe entry, nothing restored: {error}")


def check_database_empty(params):
    """A missing database is fine (it is created); one with tables of its own is refused."""
    name = params["NAME"]
    server = psycopg2.connect(dbname="postgres", **server_keywords(params))
    try:
        with server.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            exists = cursor.fetchone() is not None
    finally:
        server.close()
    if not exists:
        return
    # Tables an extension made (PostGIS's spatial_ref_sys) do not count.
    tables = query(params, """
        SELECT n.nspname || '.' || c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
          AND n.nspname NOT LIKE 'pg_toast%'
          AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype = 'e')
        ORDER BY 1""")
    if tables:
        shown = ", ".join(row[0] for row in tables[:3]) + (", ..." if len(tables) > 3 else "")
        raise BackupError(f"Database {name} already has {len(tables)} tables ({shown}): restore only into an "
                          "empty or missing database. Drop it, or name a new one with --database-url.")


def extract_media(path, media, say):
    """Store each file of the tar in `media` under its own name (folders come with the names)."""
    files = 0
    with tarfile.open(path) as tar:
        for member in tar:
            if not member.isfile():
                continue
            name = str(PurePosixPath(member.name))
            with tar.extractfile(member) as content:  # a photo: a few MB at most
                if media.save(name, ContentFile(content.read())) != name:
                    raise BackupError(f"The media storage stored {name} under another name: it was not empty.")
            files += 1
            if files % PROGRESS_EVERY == 0:
                say(f"  media: {files} files")
    say(f"Media restored into {where(media)}: {files} files")
    return files


def where(storage):
    """A folder's path or a bucket's name, for messages."""
    return f"bucket {storage.bucket_name}" if hasattr(storage, "bucket_name") else str(storage.location)


def count_reports(params):
    return query(params, f'SELECT count(*) FROM "{Report._meta.db_table}"')[0][0]


def query(params, sql):
    database = psycopg2.connect(dbname=params["NAME"], **server_keywords(params))
    try:
        with database.cursor() as cursor:
            cursor.execute(sql)
            return cursor.fetchall()
    finally:
        database.close()


def postgres(command, params):
    """Run pg_dump or pg_restore against `params`, connection details in libpq's PG* variables."""
    env = dict(os.environ)
    for key, variable in [("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER"), ("PASSWORD", "PGPASSWORD"),
                          ("NAME", "PGDATABASE")]:
        if params.get(key):
            env[variable] = str(params[key])
    result = subprocess.run(command, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(f"{command[0]} failed: {result.stderr.strip()}")


def describe(path):
    """A part's size and sha256, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as part:
        while chunk := part.read(CHUNK):
            digest.update(chunk)
    return {"bytes": path.stat().st_size, "sha256": digest.hexdigest()}


def megabytes(size):
    return f"{size / 1e6:.1f} MB"
