"""What the test suite's set-up costs, the way it was and the way tests/testdb.py does it, measured in one run.

- The test database: Django's way (create, migrate, load the city with `setup_city`) against a copy of the
  template database (`CREATE DATABASE … TEMPLATE`).
- The end of a transactional test: Django's flush followed by loading the city again (what every such test paid
  before issue 24) against putting the snapshot back (`tests.testdb.Snapshot.restore`).
- The end of a typical transactional test (one report filed through `filing.file_report`, which leaves the city's
  own rows as they were): the first snapshot's way (TRUNCATE every table, COPY every row back) against the
  snapshot's way now (DELETE from the tables it holds empty, the city's tables only if they changed).

Each pair runs interleaved, ROUNDS times, on databases of its own (`bench_testdb_*`), dropped at the end.

    .venv/bin/python bench/testdb_bench.py [ROUNDS]
"""

import os
import statistics
import sys
import tempfile
import time
from functools import partial
from io import BytesIO
from pathlib import Path

import django

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from tests import testdb  # noqa: E402
from tests.conftest import load_city, make_report  # noqa: E402

BENCH = "bench_testdb"
LOCK = Path(tempfile.gettempdir()) / f"{BENCH}.lock"


def timed(function):
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


def migrate_and_load():
    """Django's own test database: a new database, every migration, the city."""
    testdb._use("postgres")
    testdb._execute(f'DROP DATABASE IF EXISTS "{BENCH}_django" WITH (FORCE)')
    testdb._execute(f'CREATE DATABASE "{BENCH}_django"')
    testdb._use(f"{BENCH}_django")
    call_command("migrate", interactive=False, verbosity=0)
    load_city()


def copy_template():
    testdb.prepare(load_city, LOCK)


def truncate_everything(snapshot):
    """The snapshot's first restore (until issue 24's last step): every table truncated, every row copied back."""
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
        cursor.execute("TRUNCATE {} CASCADE".format(", ".join(f'"{table}"' for table in snapshot.tables)))
        for table, rows in snapshot.rows.items():
            cursor.copy_expert(f'COPY "{table}" FROM STDIN (FORMAT binary)', BytesIO(rows))
        cursor.execute("SET session_replication_role = DEFAULT")
        for schema, sequence, last_value in snapshot.sequences:
            cursor.execute("SELECT setval(%s, %s, %s)", [f'"{schema}"."{sequence}"', last_value or 1,
                                                         last_value is not None])


def after_a_filing(restore):
    """The time `restore` takes after a test that filed one report."""
    make_report(with_photo=False)
    return timed(restore)


def main(rounds):
    settings.DATABASES["default"]["TEST"]["NAME"] = BENCH
    copy_template()  # the template is built once, as the first run of a checkout does
    results = {"create: migrate + setup_city": [], "create: copy of the template": [],
               "after a transactional test: flush + setup_city": [],
               "after a transactional test: snapshot restored": [],
               "after a filing: every table truncated (before)": [],
               "after a filing: changed tables only (now)": []}
    for number in range(1, rounds + 1):
        results["create: migrate + setup_city"].append(timed(migrate_and_load))
        results["create: copy of the template"].append(timed(copy_template))
        snapshot = testdb.Snapshot()
        results["after a transactional test: flush + setup_city"].append(timed(
            lambda: (call_command("flush", interactive=False, verbosity=0), load_city())))
        results["after a transactional test: snapshot restored"].append(timed(snapshot.restore))
        # This one first: the reference copies every row back, and the snapshot would take them all for changes.
        results["after a filing: changed tables only (now)"].append(after_a_filing(snapshot.restore))
        results["after a filing: every table truncated (before)"].append(after_a_filing(
            partial(truncate_everything, snapshot)))
        print(f"round {number}/{rounds} done", file=sys.stderr)
    testdb.drop()
    testdb._execute(f'DROP DATABASE IF EXISTS "{BENCH}_django" WITH (FORCE)')
    with connection._nodb_cursor() as cursor:
        cursor.execute("SELECT datname FROM pg_database WHERE datname LIKE %s", [f"{BENCH}\\_tpl\\_%"])
        templates = [row[0] for row in cursor.fetchall()]
    for template in templates:
        testdb._execute(f'DROP DATABASE IF EXISTS "{template}" WITH (FORCE)')

    medians = {name: statistics.median(times) for name, times in results.items()}
    print(f"\n{'step':52} {'median s':>9} {'min s':>7} {'max s':>7}")
    for name, times in results.items():
        print(f"{name:52} {medians[name]:9.3f} {min(times):7.3f} {max(times):7.3f}")
    copy, build = medians["create: copy of the template"], medians["create: migrate + setup_city"]
    restore, reload = (medians["after a transactional test: snapshot restored"],
                       medians["after a transactional test: flush + setup_city"])
    now, before = (medians["after a filing: changed tables only (now)"],
                   medians["after a filing: every table truncated (before)"])
    print(f"\ncopy / migrate+load: {copy / build:.3f}    restore / flush+load: {restore / reload:.3f}    "
          f"after a filing, now / before: {now / before:.3f}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
