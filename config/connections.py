"""Read-only views that check their kept database connection by using it, not by a `SELECT 1` first; statements
prepared once per connection (Prepared).

With CONN_HEALTH_CHECKS Django asks a connection kept from an earlier request `SELECT 1` before the request's
first statement: a round trip more for a view that makes one query (a report tile, nearby), about as long as the
query itself. Such a view skips that check; should the kept connection have died (PostgreSQL restarted, the
connection cut), its failure closes the connection and the view runs once more on a new one. Only for views that
write nothing: running one twice must be harmless.
"""

import functools
import hashlib
import weakref

from django.db import InterfaceError, OperationalError, connection, connections
from psycopg2.extensions import AsIs


def checked_by_use(view):
    """Decorate a read-only view (or a view method): no `SELECT 1` first, one retry on a dead connection."""

    @functools.wraps(view)
    def checked(*args, **kwargs):
        kept = connection.connection is not None and not connection.in_atomic_block \
            and connection.health_check_enabled and not connection.health_check_done
        if kept:
            connection.health_check_done = True
        try:
            return view(*args, **kwargs)
        except (OperationalError, InterfaceError):
            if not kept or connection.is_usable():  # a statement failed, not the connection
                raise
            connection.close()
            return view(*args, **kwargs)

    return checked


# A statement's own parameter, put in on each run (Prepared): the other values are written into its text.
PARAMETER = object()
# Statements kept PREPAREd on one connection: past this many (a day's new texts on a long-kept connection), all go.
PREPARED_KEPT = 64
_prepared = weakref.WeakKeyDictionary()  # a psycopg2 connection -> the names PREPAREd on it


class Prepared:
    """A statement PREPAREd on a connection the first time it runs there, then run by name (EXECUTE): PostgreSQL
    parses and plans it once per connection (a generic plan from its sixth run) instead of on every request,
    as tipg's asyncpg does. psycopg2 prepares nothing by itself.

    `sql` and `params` are a query's as Django compiles it, with PARAMETER for each value a run puts in (in
    order); the other values are written into the text, so one text stands for them and a different text gets
    its own name. The names PREPAREd are kept per psycopg2 connection object, so a new connection (after one
    died, or CONN_MAX_AGE) prepares again. Needs the connection to be a session: directly to PostgreSQL or
    through a pooler in session mode, not one in transaction mode (docs/scaleout.md).
    """

    def __init__(self, sql, params):
        self.sql, self.params = sql, tuple(params)
        self.name = self.text = None

    def rows(self, values, using="default"):
        """The statement's rows with `values` in its parameters."""
        wrapper = connections[using]
        with wrapper.cursor() as cursor:
            raw = wrapper.connection
            if self.text is None:
                numbers = iter(range(1, len(self.params) + 1))
                self.text = cursor.mogrify(self.sql, [AsIs(f"${next(numbers)}") if value is PARAMETER else value
                                                      for value in self.params]).decode()
                self.name = "p_" + hashlib.sha1(self.text.encode()).hexdigest()[:20]
            names = _prepared.setdefault(raw, set())
            if self.name not in names:
                if len(names) >= PREPARED_KEPT:
                    cursor.execute("DEALLOCATE ALL")
                    names.clear()
                cursor.execute(f"PREPARE {self.name} AS {self.text}")
                names.add(self.name)
            cursor.execute(f"EXECUTE {self.name} ({', '.join(['%s'] * len(values))})" if values else
                           f"EXECUTE {self.name}", values)
            return cursor.fetchall()
