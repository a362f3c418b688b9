"""Which database answers: the primary, or a PostgreSQL streaming replica for heavy reads that may be a little stale.

DATABASE_REPLICA_URL adds the `replica` alias. Reads go to the primary unless their code asks for
`replica_alias()`: exports, statistics, the OGC API's and Open311's lists (and `manage.py backup`'s dump). A
router cannot tell those from a read that must see its own writes (the report just filed, a crew's list after a
change) or that is cached under a version (tiles), so the read sites say it. The router makes sure nothing is
ever written to the replica, not even an object read from it and then saved.
"""

import logging
import math
import time

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections

logger = logging.getLogger(__name__)

REPLICA = "replica"

# Seconds behind the primary. A replica that has replayed all it received is not behind, however old its
# last transaction: an idle primary sends nothing. A database that is no replica at all is never behind.
LAG_SQL = """
SELECT CASE WHEN NOT pg_is_in_recovery() OR pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
            ELSE coalesce(extract(epoch FROM now() - pg_last_xact_replay_timestamp()), 0) END::float
"""

_checked = {"at": -math.inf, "usable": False}  # this process's last look at the replica


class PrimaryRouter:
    """Every write, and every migration, to the primary; reads where their queryset says (the primary by default)."""

    def db_for_write(self, model, **hints):
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the replica holds the primary's very rows

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == DEFAULT_DB_ALIAS


def replica_alias():
    """`replica` when one is configured, answers and is at most REPLICA_MAX_LAG_S behind; else the primary's
    alias. Looked at again at most every REPLICA_CHECK_S in each process."""
    if REPLICA not in settings.DATABASES:
        return DEFAULT_DB_ALIAS
    now = time.monotonic()
    if now - _checked["at"] >= settings.REPLICA_CHECK_S:
        _checked.update(at=now, usable=replica_usable())
    return REPLICA if _checked["usable"] else DEFAULT_DB_ALIAS


def replica_lag():
    """Seconds the replica is behind the primary (LAG_SQL)."""
    with connections[REPLICA].cursor() as cursor:
        cursor.execute(LAG_SQL)
        return cursor.fetchone()[0]


def replica_usable():
    try:
        lag = replica_lag()
    except DatabaseError:
        logger.warning("Replica skipped: it does not answer", extra={"event": "replica_down"})
        connections[REPLICA].close()
        return False
    if lag > settings.REPLICA_MAX_LAG_S:
        logger.warning("Replica skipped: it lags", extra={"event": "replica_lagging", "lag_s": round(lag, 1)})
        return False
    return True
