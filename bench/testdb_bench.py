"""What the test suite's set-up costs, the way it was and the way tests/testdb.py does it, measured in one run.

- The test database: Django's way (create, migrate, load the city with `setup_city`) against a copy of the
  template database (`CREATE DATABASE … TEMPLATE`).
- The end of a transactional test: Django's flush followed by loading the city again (what every such test paid
  before) against putting the snapshot back (`tests.testdb.Snapshot.restore`).

Each pair runs interleaved, ROUNDS times, on databases of its own (`bench_testdb_*`), dropped at the end.

    .venv/bin/python bench/testdb_bench.py [ROUNDS]
"""

import os
import statistics
import sys
import time
from pathlib import Path

import django

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from tests import testdb  # noqa: E402
from tests.conftest import load_city  # noqa: E402

BENCH = "bench_testdb"


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
    testdb.prepare(load_city)


def main(rounds):
    settings.DATABASES["default"]["TEST"]["NAME"] = BENCH
    copy_template()  # the template is built once, as the first run of a checkout does
    results = {"create: migrate + setup_city": [], "create: copy of the template": [],
               "after a transactional test: flush + setup_city": [],
               "after a transactional test: snapshot restored": []}
    for number in range(1, rounds + 1):
        results["create: migrate + setup_city"].append(timed(migrate_and_load))
        results["create: copy of the template"].append(timed(copy_template))
        snapshot = testdb.Snapshot()
        results["after a transactional test: flush + setup_city"].append(timed(
            lambda: (call_command("flush", interactive=False, verbosity=0), load_city())))
        results["after a transactional test: snapshot restored"].append(timed(snapshot.restore))
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
    print(f"\ncopy / migrate+load: {copy / build:.3f}    restore / flush+load: {restore / reload:.3f}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
