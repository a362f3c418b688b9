"""`manage.py run_worker`: run the background jobs until SIGTERM or Ctrl-C (the job under way finishes)."""

import importlib
import signal
import threading

from django.core.management.base import BaseCommand

from jobs.worker import work


class Command(BaseCommand):
    help = "Run background jobs (jobs/queue.py) until stopped."

    def add_arguments(self, parser):
        parser.add_argument("--tasks", action="append", default=[], metavar="MODULE",
                            help="Also load the tasks of this module (the tests' own tasks).")

    def handle(self, tasks, **options):
        for module in tasks:
            importlib.import_module(module)
        stop = threading.Event()
        for number in (signal.SIGTERM, signal.SIGINT):
            signal.signal(number, lambda *_: stop.set())
        self.stdout.write("Worker started; SIGTERM or Ctrl-C stops it after the job under way.")
        self.stdout.flush()
        work(stop)
        self.stdout.write("Worker stopped.")
