"""Read-only views that check their kept database connection by using it, not by a `SELECT 1` first.

With CONN_HEALTH_CHECKS Django asks a connection kept from an earlier request `SELECT 1` before the request's
first statement: a round trip more for a view that makes one query (a report tile, nearby), about as long as the
query itself. Such a view skips that check; should the kept connection have died (PostgreSQL restarted, the
connection cut), its failure closes the connection and the view runs once more on a new one. Only for views that
write nothing: running one twice must be harmless.
"""

import functools

from django.db import InterfaceError, OperationalError, connection


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
