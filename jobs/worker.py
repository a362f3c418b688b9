"""The worker loop: jobs one after another, waiting a moment when none is due, until told to stop."""

import logging
import threading

from django.db import DatabaseError, close_old_connections, connection

from jobs import queue

logger = logging.getLogger(__name__)


def work(stop: threading.Event, idle_seconds=0.5, outage_seconds=5):
    """Run jobs until `stop` is set (a job under way is finished first). A database that does not answer is
    waited for, not a reason to exit: the jobs are in it, and the worker goes on once it is back."""
    queue.schedule_periodic()
    while not stop.is_set():
        try:
            ran = queue.run_one()
        except DatabaseError as error:
            logger.warning("Worker: the database does not answer: %s", type(error).__name__,
                           extra={"event": "worker_database_down"})
            connection.close()
            stop.wait(outage_seconds)
            continue
        if not ran:
            close_old_connections()
            stop.wait(idle_seconds)
