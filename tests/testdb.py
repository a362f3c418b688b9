"""The test database: a copy of a template database that holds the migrated schema and the loaded city.

Migrating and loading the city takes seconds; PostgreSQL copies a database in a fraction of that. The template is
named after this checkout (settings.CHECKOUT_ID) and a fingerprint of everything that shapes it (the migrations,
the boundary file, the modules `setup_city` runs, the pinned packages, the year whose holidays it loads), so it
is built again exactly when one of them changes, and never shared with another checkout or a running site.

Under pytest-xdist (`-n 2`) each worker has a copy of its own, named after it (`…_gw0`), cloned from the one
template, which the first worker to get the lock builds while the other waits.

Test databases commit without waiting for the disk (`synchronous_commit = off`, set on each database, so the
servers and workers a test starts have it too): a crash of PostgreSQL could lose their last commits, which a test
database never needs; what a transaction sees and does is the same.
"""

import fcntl
import hashlib
import os
from contextlib import contextmanager
from io import BytesIO, StringIO
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

ROOT = Path(settings.BASE_DIR)
# What `migrate` and `setup_city` read: a change to any of these builds the template again.
SHAPING = [
    "*/migrations/*.py", "fixtures/kelurahan/*", "requirements.txt",
    "reports/management/commands/setup_city.py", "geo/boundaries.py", "geo/crews.py",
    "reports/calendar.py", "reports/categories.py", "reports/roles.py",
]


def fingerprint():
    digest = hashlib.sha1(str(timezone.localdate().year).encode())
    for path in sorted({path for pattern in SHAPING for path in ROOT.glob(pattern)}):
        digest.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:10]


# The pytest-xdist worker this process is ("gw0", "gw1"...), or "" in a run without workers.
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")


def name_for_worker():
    """Give this process's test database (and so its Redis prefix, tests/conftest.py) the worker's name too: two
    workers never share a database, a cache key or a snapshot."""
    test = settings.DATABASES["default"]["TEST"]
    if WORKER and not test["NAME"].endswith(f"_{WORKER}"):
        test["NAME"] = f"{test['NAME']}_{WORKER}"


def prepare(load_city, lock):
    """Make this process's test database a fresh copy of the current template (building that first if needed),
    and point the connection at it. `load_city` fills a freshly migrated database; `lock` is a file of the
    checkout's that the workers of one run take in turn, so the template is built once and never copied
    half-built."""
    name = connection.settings_dict["TEST"]["NAME"]
    template = template_name()
    with locked(lock):
        if not _exists(template):
            _build(template, load_city)
        _execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        _execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        _execute(f'ALTER DATABASE "{name}" SET synchronous_commit = off')
    _use(name)


def template_name():
    """The template of this checkout's test databases: what a test database holds committed when a test starts (the
    migrated schema and the city), for a test that needs a second database like it (a replica, another server)."""
    return f"{_checkout_name()}_tpl_{fingerprint()}"


def _checkout_name():
    """The checkout's test database name, without the worker's: the template's prefix, one for all workers."""
    return connection.settings_dict["TEST"]["NAME"].removesuffix(f"_{WORKER}" if WORKER else "")


@contextmanager
def locked(path):
    """The file `path` locked by this process until the block ends (another process waits for it)."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a") as file:
        fcntl.flock(file, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(file, fcntl.LOCK_UN)


class Snapshot:
    """Every table's rows and every sequence's position, as the copy of the template holds them: a transactional
    test (which commits) ends by putting them back, in a fraction of a second, where flushing and loading the city
    again took seconds. Triggers' own rows (the kept statistics) are among them, so nothing is recomputed while
    they go back in.

    The tables the snapshot holds empty are emptied with DELETE (TRUNCATE gives every table and index new files:
    most of a second for all of them). Those that hold the city's rows are put back only when a row of theirs
    changed (their count, or a row written since the snapshot), with TRUNCATE, so that their rows are back in the
    snapshot's order, with what refers to them."""

    def __init__(self):
        with connection.cursor() as cursor:
            self.tables = connection.introspection.django_table_names(only_existing=True, include_views=False)
            self.rows, self.counts = {}, {}
            for table in self.tables:
                cursor.execute(f'SELECT count(*) FROM "{table}"')
                count = cursor.fetchone()[0]
                if not count:
                    continue
                buffer = BytesIO()
                cursor.copy_expert(f'COPY "{table}" TO STDOUT (FORMAT binary)', buffer)
                self.rows[table], self.counts[table] = buffer.getvalue(), count
            cursor.execute("SELECT schemaname, sequencename, last_value FROM pg_sequences")
            self.sequences = cursor.fetchall()
            cursor.execute("SELECT conrelid::regclass::text, confrelid::regclass::text FROM pg_constraint "
                           "WHERE contype = 'f'")
            self.referring = {}
            for table, referred in cursor.fetchall():
                self.referring.setdefault(referred.strip('"'), set()).add(table.strip('"'))
            cursor.execute("SELECT txid_current()")
            self.taken = cursor.fetchone()[0]

    def restore(self):
        with connection.cursor() as cursor:
            changed = self._changed(cursor)
            # TRUNCATE empties what refers to a table too: all of that goes back.
            emptied = set(changed)
            while more := {table for referred in emptied for table in self.referring.get(referred, ())} - emptied:
                emptied |= more
            # Rows go back as they were taken: no foreign key checked, no trigger run (superuser, as in the tests).
            statements = ["SET session_replication_role = replica;"]
            if emptied:
                statements.append("TRUNCATE {};".format(", ".join(f'"{table}"' for table in sorted(emptied))))
            statements += [f'DELETE FROM "{table}";' for table in self.tables
                           if table not in self.rows and table not in emptied]
            cursor.execute(" ".join(statements))
            for table in sorted(emptied & set(self.rows)):
                cursor.copy_expert(f'COPY "{table}" FROM STDIN (FORMAT binary)', BytesIO(self.rows[table]))
            cursor.execute("SET session_replication_role = DEFAULT")
            if self.sequences:
                cursor.execute("SELECT " + ", ".join(["setval(%s, %s, %s)"] * len(self.sequences)), [
                    value for schema, sequence, last_value in self.sequences
                    for value in (f'"{schema}"."{sequence}"', last_value or 1, last_value is not None)])
            # The rows just copied back are the snapshot's: what is written from now on is a change.
            cursor.execute("SELECT txid_current()")
            self.taken = cursor.fetchone()[0]

    def differences(self):
        """The tables whose rows are not the snapshot's (`_changed`), and those it holds empty that have rows."""
        with connection.cursor() as cursor:
            changed = self._changed(cursor)
            empty = [table for table in self.tables if table not in self.rows]
            cursor.execute(" UNION ALL ".join(f'SELECT %s, EXISTS (SELECT FROM "{table}")' for table in empty), empty)
            return sorted(changed + [table for table, filled in cursor.fetchall() if filled])

    def _changed(self, cursor):
        """The tables of the city's rows that differ from the snapshot: another count, or a row whose xmin (the
        transaction that wrote it) is younger than the snapshot."""
        if not self.rows:
            return []
        cursor.execute("WITH since AS (SELECT txid_current() - %s AS age) " + " UNION ALL ".join(
            f"SELECT %s, count(*), count(*) FILTER (WHERE age(xmin) < (SELECT age FROM since)) FROM \"{table}\""
            for table in self.rows), [self.taken, *self.rows])
        return [table for table, count, written in cursor.fetchall() if count != self.counts[table] or written]


def drop():
    connection.close()
    _execute(f'DROP DATABASE IF EXISTS "{connection.settings_dict["NAME"]}" WITH (FORCE)')


def _build(template, load_city):
    """Migrate and load a database under a temporary name, then give it the template's name: a run stopped halfway
    leaves no template that looks ready. Templates of earlier fingerprints go."""
    name = _checkout_name()
    with connection._nodb_cursor() as cursor:
        cursor.execute("SELECT datname FROM pg_database WHERE datname LIKE %s", [f"{name}\\_tpl\\_%"])
        stale = [row[0] for row in cursor.fetchall()]
    for database in stale:
        _execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
    building = f"{name}_building"
    _execute(f'DROP DATABASE IF EXISTS "{building}" WITH (FORCE)')
    _execute(f'CREATE DATABASE "{building}"')
    _execute(f'ALTER DATABASE "{building}" SET synchronous_commit = off')
    _use(building)
    call_command("migrate", interactive=False, verbosity=0, stdout=StringIO())
    load_city()
    connection.close()
    _execute(f'ALTER DATABASE "{building}" RENAME TO "{template}"')


def _use(name):
    """As Django's own test set-up does: the connection and the settings name the test database from now on."""
    connection.close()
    settings.DATABASES[connection.alias]["NAME"] = name
    connection.settings_dict["NAME"] = name


def _exists(name):
    with connection._nodb_cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        return cursor.fetchone() is not None


def _execute(statement):
    with connection._nodb_cursor() as cursor:
        cursor.execute(statement)
