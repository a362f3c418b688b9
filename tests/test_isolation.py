"""The tests keep to their own database, Redis keys and files: `make test` beside `make run` (whose database and
cache prefix are DATABASE_URL's name) or beside another checkout's tests leaves the other's data as it was."""

from pathlib import Path

import dj_database_url
import psycopg2
import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django_redis import get_redis_connection

from config.ensure_database import server_keywords
from config.settings import DATABASE_URL
from tests import testdb
from tests.conftest import clear_cache, make_report

pytestmark = pytest.mark.django_db
SITE = dj_database_url.parse(DATABASE_URL)["NAME"]  # the database `make run` serves, and its cache prefix


def test_the_database_is_this_checkouts_own():
    name = connection.settings_dict["NAME"]
    worker = f"_{testdb.WORKER}" if testdb.WORKER else ""  # pytest-xdist's worker, when the run has workers
    assert name == f"test_{SITE}_{settings.CHECKOUT_ID}{worker}" != SITE
    assert settings.CACHES["default"]["KEY_PREFIX"] == name


def test_a_report_filed_in_the_tests_is_not_in_the_sites_database():
    site = psycopg2.connect(dbname="postgres", **server_keywords(connection.settings_dict))
    site.autocommit = True
    with site.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [SITE])
        if cursor.fetchone() is None:
            pytest.skip(f"no site database {SITE} on this server to compare with")
    site.close()
    filed = make_report()
    site = psycopg2.connect(dbname=SITE, **server_keywords(connection.settings_dict))
    with site, site.cursor() as cursor:
        cursor.execute("SELECT to_regclass('reports_report') IS NOT NULL")
        if cursor.fetchone()[0]:
            cursor.execute("SELECT count(*) FROM reports_report WHERE client_uuid = %s", [str(filed.client_uuid)])
            assert cursor.fetchone()[0] == 0
    site.close()


def test_starting_afresh_removes_this_checkouts_keys_only(fresh_cache):
    redis = get_redis_connection("default")
    theirs = [f"{SITE}:1:tiles:version:all", "another-checkout:1:ratelimit:filing:127.0.0.1"]
    for key in theirs:
        redis.set(key, "theirs")
    cache.set("ratelimit:probe", "ours")
    try:
        clear_cache()  # what fresh_cache does before every test
        assert cache.get("ratelimit:probe") is None
        assert [redis.get(key) for key in theirs] == [b"theirs", b"theirs"]
    finally:
        redis.delete(*theirs)


def test_files_go_to_this_checkouts_own_folder(tmp_path):
    assert f"pytest-{settings.CHECKOUT_ID}" in tmp_path.parts
    assert Path(settings.MEDIA_ROOT).is_relative_to(tmp_path)
