"""The worker: a thread per queue slot (jobs.queue.QUEUES), each taking its queue's jobs one after another and,
when none is due, waiting for PostgreSQL to say one was enqueued (LISTEN/NOTIFY), with a poll as the safety net,
until told to stop."""

import logging
import os
import select
import threading
import time

import psycopg2
from django.db import DatabaseError, close_old_connections, connection

from jobs import queue

logger = logging.getLogger(__name__)


def work(stop: threading.Event, queues=None, idle_seconds=0.5, outage_seconds=5, listen=True):
    """Run `queues` ({name: threads}, all by default) until `stop` is set; each thread finishes its job under
    way first. Threads, not processes: the jobs wait on other systems, and each thread has its own connection.
    With `listen`, an idle thread is woken by the NOTIFY of a new job; `idle_seconds` is then only the poll that
    finds jobs scheduled for later (or a notification lost with its connection)."""
    queue.schedule_periodic()
    connection.close()
    stopped, stopping = os.pipe()  # readable once `stop` is set: ends the threads' waits at once
    threads = [threading.Thread(target=loop, args=(stop, (name,), idle_seconds, outage_seconds),
                                kwargs={"listener": Listener((name,), stopped) if listen else None},
                                name=f"jobs-{name}-{number}", daemon=True)
               for name, count in (queues or queue.QUEUES).items() for number in range(count)]
    for thread in threads:
        thread.start()
    try:
        while any(thread.is_alive() for thread in threads) and not stop.wait(1):
            pass  # the main thread, which takes the signals, waits for `stop` (or for every thread to have ended)
        os.write(stopping, b"!")
        for thread in threads:
            thread.join()
    finally:
        os.close(stopping)
        os.close(stopped)


class Listener:
    """A connection of its own, in autocommit, that LISTENs on the channels of `queues` (`queue.channel`).

    `wait` returns when a job of these queues is committed (its enqueue's NOTIFY is delivered at commit, never
    for a change rolled back), when `stopped` (a file descriptor) is readable, or after `seconds`. A connection
    that drops is closed; the next `wait` opens and LISTENs again, and until it can, the poll alone finds jobs.
    """

    def __init__(self, queues, stopped=None):
        self.queues, self.stopped, self.connection, self.channels = tuple(queues), stopped, None, []

    def listen(self):
        """Open the connection and LISTEN; False (logged) when the database does not answer."""
        params = {**connection.get_connection_params(), "application_name": f"jobs-listen {','.join(self.queues)}"}
        params.pop("cursor_factory", None)
        try:
            self.connection = psycopg2.connect(**params)
            self.connection.autocommit = True
            with self.connection.cursor() as cursor:
                for name in self.queues:  # a queue's name is one of QUEUES' keys: a plain identifier
                    cursor.execute(f'LISTEN "{queue.channel(name)}"')
        except psycopg2.Error as error:
            logger.warning("Worker: cannot listen for new jobs, polling: %s", type(error).__name__,
                           extra={"event": "worker_listen_failed"})
            self.close()
            return False
        return True

    def close(self):
        if self.connection is not None:
            try:
                self.connection.close()
            finally:
                self.connection = None

    def wait(self, seconds):
        """Why it returned: "notified" (a job of these queues was committed; `channels` says whose), "listening"
        (the connection was opened just now: a job committed before the LISTEN notified nobody, so look now),
        "timeout" after `seconds`, "stopped", or "dropped" / "unreachable" (polling until it listens again)."""
        self.channels = []
        if self.connection is None:
            if self.listen():
                return "listening"
            self._pause(seconds)
            return "unreachable"
        deadline = time.monotonic() + seconds
        while not self.connection.notifies:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return "timeout"
            watched = [self.connection] + ([self.stopped] if self.stopped is not None else [])
            readable = select.select(watched, [], [], remaining)[0]
            if self.stopped is not None and self.stopped in readable:
                return "stopped"
            if self.connection in readable:
                try:
                    self.connection.poll()
                except psycopg2.Error as error:  # the server ended it, or the network did
                    logger.warning("Worker: the connection listening for new jobs dropped: %s",
                                   type(error).__name__, extra={"event": "worker_listen_dropped"})
                    self.close()
                    return "dropped"
        self.channels = sorted({notification.channel for notification in self.connection.notifies})
        self.connection.notifies.clear()
        return "notified"

    def _pause(self, seconds):
        if self.stopped is not None:
            select.select([self.stopped], [], [], seconds)
        else:
            time.sleep(seconds)


def loop(stop, queues, idle_seconds=0.5, outage_seconds=5, listener=None):
    """One thread's jobs. A database that does not answer is waited for, not a reason to exit: the jobs are in
    it, and the thread goes on once it is back. When idle, it queues again the jobs of workers that died, then
    waits for a notification (`listener`) or `idle_seconds`."""
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
                if listener is None:
                    stop.wait(idle_seconds)
                else:
                    listener.wait(idle_seconds)
    finally:
        connection.close()
        if listener is not None:
            listener.close()
