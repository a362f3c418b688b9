"""`manage.py run_worker`: run the background jobs until SIGTERM or Ctrl-C (the jobs under way finish)."""

import importlib
import signal
import threading

from django.core.management.base import BaseCommand, CommandError

from jobs.queue import QUEUES
from jobs.worker import work


class Command(BaseCommand):
    help = "Run background jobs (jobs/queue.py) until stopped."

    def add_arguments(self, parser):
        parser.add_argument("--tasks", action="append", default=[], metavar="MODULE",
                            help="Also load the tasks of this module (the tests' own tasks).")
        parser.add_argument("--queues", default=",".join(f"{name}:{count}" for name, count in QUEUES.items()),
                            metavar="NAME:THREADS,...",
                            help="The queues this worker takes and how many of each queue's jobs it runs at once "
                                 "(default: every queue, %(default)s).")
        parser.add_argument("--poll-seconds", type=float, default=0.5, metavar="SECONDS",
                            help="How often an idle thread looks for due jobs besides being woken by a new one's "
                                 "notification: jobs scheduled for later wait at most this long (default 0.5).")
        parser.add_argument("--no-listen", action="store_true",
                            help="Do not LISTEN for new jobs, only poll (a connection pooler in transaction mode, "
                                 "which cannot LISTEN; or to compare).")

    def handle(self, tasks, queues, poll_seconds, no_listen, **options):
        for module in tasks:
            importlib.import_module(module)
        chosen = {}
        for part in filter(None, queues.split(",")):
            name, _, count = part.partition(":")
            if name not in QUEUES or not (count or "1").isdigit() or int(count or 1) < 1:
                raise CommandError(f"--queues: {part!r} is not one of {', '.join(QUEUES)} with a thread count")
            chosen[name] = int(count or 1)
        if poll_seconds <= 0:
            raise CommandError("--poll-seconds: a number of seconds above 0")
        stop = threading.Event()
        for number in (signal.SIGTERM, signal.SIGINT):
            signal.signal(number, lambda *_: stop.set())
        self.stdout.write(f"Worker started ({queues}); SIGTERM or Ctrl-C stops it after the jobs under way.")
        self.stdout.flush()
        work(stop, chosen, idle_seconds=poll_seconds, listen=not no_listen)
        self.stdout.write("Worker stopped.")
