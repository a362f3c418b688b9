"""A database stopped and restarted under load: 503s with Retry-After while it is down, and not one report
that was acknowledged lost; a submission the phone retries after the outage is filed once.

The test runs a PostgreSQL cluster of its own (Debian's binaries, as the postgres user) on another port, with
the production gunicorn in front of it: the main cluster is never stopped.
"""

import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg2
import pytest
import urllib3
from django.conf import settings

from config.ensure_database import ensure
from reports.backup import postgres
from tests import testdb
from tests.deployed import gunicorn, production_env
from tests.images import GANTING_GPS

PG_BIN = Path("/usr/lib/postgresql/15/bin")
pytestmark = pytest.mark.skipif(not (PG_BIN / "initdb").exists(), reason="PostgreSQL 15's server binaries")


class Cluster:
    """A throw-away PostgreSQL cluster owned by the postgres user, trusting local connections."""

    def __init__(self):
        self.folder = Path(tempfile.mkdtemp(prefix="lapor-pg-"))
        shutil.chown(self.folder, "postgres", "postgres")
        with socket.socket() as probe:  # a free port for the cluster to take
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.pg("initdb", "-D", str(self.folder / "data"), "-A", "trust", "-U", "root", "--no-sync")

    def pg(self, program, *args):
        subprocess.run(["runuser", "-u", "postgres", "--", str(PG_BIN / program), *args], check=True,
                       capture_output=True, cwd=self.folder)

    def start(self):
        self.pg("pg_ctl", "-D", str(self.folder / "data"), "-l", str(self.folder / "log"), "-w", "start",
                "-o", f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off")

    def stop(self):
        self.pg("pg_ctl", "-D", str(self.folder / "data"), "-m", "fast", "-w", "stop")

    @property
    def url(self):
        return f"postgis://root@127.0.0.1:{self.port}/lapor"

    def remove(self):
        shutil.rmtree(self.folder, ignore_errors=True)


@pytest.fixture(scope="module")
def site(django_db_setup, tmp_path_factory):
    """The production server over the cluster, which holds the migrated city as the test database's template does
    (dumped and restored: migrating a new database and loading the city took several times as long)."""
    cluster = Cluster()
    cluster.start()
    workdir = tmp_path_factory.mktemp("outage")
    env = production_env(workdir, DATABASE_URL=cluster.url, REPORTS_PER_HOUR="1000", CACHE_PREFIX="outage-test")
    database = {"HOST": "127.0.0.1", "PORT": cluster.port, "USER": "root", "PASSWORD": "", "NAME": "lapor"}
    ensure(database)
    dump = workdir / "city.dump"
    postgres(["pg_dump", "--format=custom", f"--file={dump}"],
             dict(settings.DATABASES["default"], NAME=testdb.template_name()))
    postgres(["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", "--dbname", "lapor", str(dump)],
             database)
    try:
        with gunicorn(env, workdir) as server:
            yield server, cluster
    finally:
        cluster.stop()
        cluster.remove()


def submit(url, client_uuid):
    """A lamp report as the map's offline queue sends it; (status, Retry-After)."""
    fields = {"client_uuid": str(client_uuid), "category": "lampu-mati", "lat": str(GANTING_GPS[0]),
              "lon": str(GANTING_GPS[1]), "description": "Lampu jalan mati sejak kemarin malam."}
    answer = urllib3.request("POST", url + "/api/v1/reports", fields=fields, headers={"Accept": "application/json"},
                             timeout=30, retries=False)
    return answer.status, answer.headers.get("Retry-After")


def stored(cluster):
    with psycopg2.connect(host="127.0.0.1", port=cluster.port, user="root", dbname="lapor") as db, \
            db.cursor() as cursor:
        cursor.execute("SELECT client_uuid::text FROM reports_report")
        return sorted(row[0] for row in cursor.fetchall())


def test_no_acknowledged_report_is_lost_and_the_outage_is_a_503_to_retry(site):
    server, cluster = site
    before, during = [uuid.uuid4() for _ in range(8)], [uuid.uuid4() for _ in range(8)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        assert [status for status, _ in pool.map(lambda u: submit(server.url, u), before)] == [201] * 8

        cluster.stop()
        refused = list(pool.map(lambda u: submit(server.url, u), during))
        assert refused == [(503, "30")] * 8

        cluster.start()
        restarted = time.monotonic()
        first_acknowledged = None
        deadline = restarted + 60
        waiting = list(during)
        while waiting and time.monotonic() < deadline:  # the phones' queues, retrying what was refused
            answers = list(pool.map(lambda u: submit(server.url, u)[0], waiting))
            if first_acknowledged is None and 201 in answers:
                first_acknowledged = time.monotonic() - restarted
            waiting = [u for u, status in zip(waiting, answers, strict=True) if status not in (200, 201)]
        assert waiting == []
    # Every acknowledged submission is stored, once: none lost, none doubled by the retries.
    assert stored(cluster) == sorted(str(u) for u in before + during)
    print(f"recovery: the first report acknowledged {first_acknowledged:.2f} s after the database was back")
