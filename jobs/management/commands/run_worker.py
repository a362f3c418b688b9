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

    def handle(self, tasks, queues, **options):
        for module in tasks:
            importlib.import_module(module)
        chosen = {}
        for part in filter(None, queues.split(",")):
            name, _, count = part.partition(":")
            if name not in QUEUES or not (count or "1").isdigit() or int(count or 1) < 1:
                raise CommandError(f"--queues: {part!r} is not one of {', '.join(QUEUES)} with a thread count")
            chosen[name] = int(count or 1)
        stop = threading.Event()
        for number in (signal.SIGTERM, signal.SIGINT):
            signal.signal(number, lambda *_: stop.set())
        self.stdout.write(f"Worker started ({queues}); SIGTERM or Ctrl-C stops it after the jobs under way.")
        self.stdout.flush()
        work(stop, chosen)
        self.stdout.write("Worker stopped.")
