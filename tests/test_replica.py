"""Heavy reads from a replica (config/db_router.py), against a second real PostgreSQL database.

The "replica" here is a copy of what the test database holds when each test starts (its template), then changed on
its own, so a test can tell which database answered: a report described differently there, and a report filed
afterwards only on the primary. (bench/scaleout.py runs the same code against a true streaming replica.)
"""

import json
import subprocess

import pytest
from django.conf import settings as django_settings
from django.db import connections
from django.db.utils import load_backend

from config import db_router
from config.db_router import REPLICA, replica_alias
from reports import backup
from reports.models import Report
from tests import testdb
from tests.conftest import make_report
from tests.test_backup import drop_database

pytestmark = pytest.mark.django_db

ON_THE_REPLICA = "Deskripsi yang hanya ada di replika."


@pytest.fixture
def replica(settings, monkeypatch):
    """DATABASES["replica"]: a separate database holding what the primary had committed, checked on every read."""
    params = dict(settings.DATABASES["default"], NAME=settings.DATABASES["default"]["NAME"] + "_replica")
    drop_database(params)  # left by an interrupted run
    # What the primary holds committed as the test starts is its template's copy (tests/testdb.py): PostgreSQL
    # copies the template's files, where a dump and restore of the primary took seconds.
    with connections["default"]._nodb_cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{params["NAME"]}" TEMPLATE "{testdb.template_name()}"')
    # The alias as DATABASE_REPLICA_URL makes it; its connection made here, for a test that began without it.
    configured = dict(params)
    monkeypatch.setattr(django_settings, "DATABASES", {**django_settings.DATABASES, REPLICA: configured})
    connections[REPLICA] = load_backend(params["ENGINE"]).DatabaseWrapper(configured, REPLICA)
    settings.REPLICA_CHECK_S = 0
    yield params
    connections[REPLICA].close()
    del connections[REPLICA]
    drop_database(params)


@pytest.fixture
def two_reports(replica):
    """One report on both databases (described and supported differently on the replica), and one filed
    later, on the primary only."""
    both = make_report()
    both.save(using=REPLICA, force_insert=True)
    Report.objects.using(REPLICA).filter(pk=both.pk).update(description=ON_THE_REPLICA, support_count=7)
    return both, make_report(slug="lampu-mati")


def exported(client):
    return json.loads(b"".join(client.get("/api/v1/reports.geojson").streaming_content))["features"]


def codes(features):
    return sorted(feature["properties"]["code"] for feature in features)


def test_exports_statistics_and_the_ogc_and_open311_lists_are_read_from_the_replica(client, two_reports):
    both, primary_only = two_reports
    export = exported(client)
    assert codes(export) == [both.code]
    assert export[0]["properties"]["support_count"] == 7
    ogc = client.get("/ogcapi/collections/reports/items").json()["features"]
    assert codes(ogc) == [both.code] and ogc[0]["properties"]["support_count"] == 7
    listed = client.get("/open311/v2/requests.json").json()
    assert [(r["service_request_id"], r["description"]) for r in listed] == [(both.code, ON_THE_REPLICA)]
    assert client.get("/api/v1/stats.json").json()["total"] == 1


def test_what_must_see_its_own_writes_is_read_from_the_primary(client, two_reports):
    both, primary_only = two_reports
    asked = client.get("/open311/v2/requests.json", {"service_request_id": primary_only.code}).json()
    assert [r["service_request_id"] for r in asked] == [primary_only.code]
    assert client.get(f"/ogcapi/collections/reports/items/{primary_only.code}").status_code == 200
    assert client.get(f"/api/v1/reports/{primary_only.code}").status_code == 200


def test_writes_go_to_the_primary_even_for_a_report_read_from_the_replica(two_reports):
    both, _ = two_reports
    read = Report.objects.using(REPLICA).get(pk=both.pk)
    read.description = "Diperbarui."
    read.save()
    assert Report.objects.get(pk=both.pk).description == "Diperbarui."
    assert Report.objects.using(REPLICA).get(pk=both.pk).description == ON_THE_REPLICA
    assert not Report.objects.using(REPLICA).filter(category__slug="lampu-mati").exists()


def test_a_replica_that_does_not_answer_is_skipped(client, two_reports):
    connections[REPLICA].close()
    connections[REPLICA].settings_dict["PORT"] = 1  # nothing listens there
    assert replica_alias() == "default"
    assert codes(exported(client)) == sorted(r.code for r in two_reports)
    assert client.get("/api/v1/stats.json").json()["total"] == 2


def test_a_replica_behind_by_more_than_the_bound_is_skipped(client, two_reports, settings):
    assert db_router.replica_lag() == 0  # a database that is no standby is never behind
    settings.REPLICA_MAX_LAG_S = -1  # any replica is too far behind
    assert replica_alias() == "default"
    assert len(client.get("/ogcapi/collections/reports/items").json()["features"]) == 2


def test_without_a_replica_configured_everything_reads_the_primary(client):
    make_report()
    assert replica_alias() == "default"
    assert len(exported(client)) == 1


def test_a_backup_dumps_the_replica_when_it_keeps_up(two_reports, tmp_path):
    said = []
    folder, manifest = backup.backup(tmp_path / "backups", say=said.append)
    assert any(line.startswith("Dumping database test_") and "(the replica)" in line for line in said)
    assert manifest["reports"] == 1  # the replica's one report, counted in the snapshot pg_dump dumped
    rows = subprocess.run(["pg_restore", "--data-only", "--table=reports_report", "--file=-",
                           str(folder / "database.dump")], capture_output=True, text=True, check=True).stdout
    assert ON_THE_REPLICA in rows
