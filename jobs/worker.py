"""The worker: a thread per queue slot (jobs.queue.QUEUES), each taking its queue's jobs one after another,
waiting a moment when none is due, until told to stop."""

import logging
import threading

from django.db import DatabaseError, close_old_connections, connection

from jobs import queue

logger = logging.getLogger(__name__)


def work(stop: threading.Event, queues=None, idle_seconds=0.5, outage_seconds=5):
    """Run `queues` ({name: threads}, all by default) until `stop` is set; each thread finishes its job under
    way first. Threads, not processes: the jobs wait on other systems, and each thread has its own connection."""
    queue.schedule_periodic()
    connection.close()
    threads = [threading.Thread(target=loop, args=(stop, (name,), idle_seconds, outage_seconds),
                                name=f"jobs-{name}-{number}", daemon=True)
               for name, count in (queues or queue.QUEUES).items() for number in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def loop(stop, queues, idle_seconds=0.5, outage_seconds=5):
    """One thread's jobs. A database that does not answer is waited for, not a reason to exit: the jobs are in
    it, and the thread goes on once it is back. When idle, it queues again the jobs of workers that died."""
    try:
        while not stop.is_set():
            try:
                ran = queue.run_one(queues)
                if not ran:
                    queue.recover()
            except DatabaseError as error:
                logger.warning("Worker: the database does not answer: %s", type(error).__name__,
                               extra={"event": "worker_database_down"})
                connection.close()
                stop.wait(outage_seconds)
                continue
            if not ran:
                close_old_connections()
                stop.wait(idle_seconds)
    finally:
        connection.close()
