"""Durable jobs in PostgreSQL, through the ORM and psycopg2, on SELECT ... FOR UPDATE SKIP LOCKED.

- `enqueue` writes a row in the caller's transaction: a change rolled back enqueues nothing, a change
  committed has its jobs committed with it.
- A worker claims the queued job due first (FOR UPDATE SKIP LOCKED) and runs the task inside that same
  transaction, then marks the job done and commits. Two workers never hold the same job. A worker killed in
  the middle loses its connection: PostgreSQL rolls the transaction back, the task's database changes with
  it, and the job is due again for the next worker, so its effect in the database happens once. Effects
  outside the database (an e-mail, an HTTP call) can be repeated after such a crash; tasks whose effect must
  not be, record it in the same transaction.
- A failing task's changes are rolled back (a savepoint) and the job is retried 15 s, 30 s, 1 min, ... at
  most an hour later; after its task's `max_attempts` it is marked failed for an administrator to see and
  retry, never dropped.
- A periodic task keeps one queued job (its key), put back for its next run whenever it finishes.
"""

import logging
import traceback
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Min
from django.utils import timezone

from jobs.models import Job

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 10
FIRST_RETRY_SECONDS = 15
LONGEST_RETRY_SECONDS = 3600


@dataclass
class Task:
    name: str
    function: callable
    max_attempts: int = MAX_ATTEMPTS
    every: timedelta = None  # periodic: this long after the last run finished
    daily_at: time = None  # periodic: each day at this local time
    longest_retry: int = LONGEST_RETRY_SECONDS  # the backoff's ceiling, in seconds


TASKS = {}


def task(name, max_attempts=MAX_ATTEMPTS, every=None, daily_at=None, longest_retry=LONGEST_RETRY_SECONDS):
    """Register a function as the task `name`; `every` or `daily_at` make it periodic; `longest_retry` caps the
    wait between tries (a call to another system that must go out soon after it is back)."""

    def register(function):
        TASKS[name] = Task(name, function, max_attempts, every, daily_at, longest_retry)
        return function

    return register


def enqueue(name, /, *, key="", run_at=None, **args):
    """A job of task `name` with keyword `args` (ids and plain values), in the caller's transaction.

    With a `key`, at most one job per key waits at a time: while one does, this returns it instead.
    """
    job = Job(task=name, args=args, key=key, run_at=run_at or timezone.now())
    if not key:
        job.save()
        return job
    try:
        with transaction.atomic():
            job.save()
        return job
    except IntegrityError:
        return Job.objects.get(key=key, state=Job.State.QUEUED)


def backoff(attempts, longest=LONGEST_RETRY_SECONDS):
    """Seconds before the next try after `attempts` failed ones: 15, 30, 60, ... at most an hour (`longest`)."""
    return min(longest, FIRST_RETRY_SECONDS * 2 ** min(attempts - 1, 20))


def run_one():
    """Claim and run the queued job due first; False when none is due."""
    with transaction.atomic():
        job = (Job.objects.select_for_update(skip_locked=True)
               .filter(state=Job.State.QUEUED, run_at__lte=timezone.now()).order_by("run_at", "id").first())
        if job is None:
            return False
        spec = TASKS.get(job.task)
        job.attempts += 1
        try:
            with transaction.atomic():  # a savepoint: a failing task leaves no change behind
                if spec is None:
                    raise LookupError(f"no task named {job.task}")
                spec.function(**job.args)
        except Exception as error:
            failed_for_good = job.attempts >= (spec.max_attempts if spec else MAX_ATTEMPTS)
            job.last_error = "".join(traceback.format_exception(error))[-4000:]
            if failed_for_good:
                job.state, job.finished = Job.State.FAILED, timezone.now()
            else:
                longest = spec.longest_retry if spec else LONGEST_RETRY_SECONDS
                job.run_at = timezone.now() + timedelta(seconds=backoff(job.attempts, longest))
            logger.warning("Job %s failed (attempt %d): %s", job, job.attempts, type(error).__name__,
                           extra={"event": "job_failed", "task": job.task, "job": job.pk, "attempt": job.attempts,
                                  "final": failed_for_good})
        else:
            job.state, job.finished, job.last_error = Job.State.DONE, timezone.now(), ""
        job.save()
        if spec is not None and job.state != Job.State.QUEUED and (spec.every or spec.daily_at):
            schedule(spec)
    return True


def next_run(spec, now):
    if spec.every:
        return now + spec.every
    local = timezone.localtime(now)
    today = timezone.make_aware(datetime.combine(local.date(), spec.daily_at))
    return today if today > now else today + timedelta(days=1)


def schedule(spec, now=None):
    """Make sure the periodic task `spec` has its one job waiting for its next run."""
    return enqueue(spec.name, key=f"periodic:{spec.name}", run_at=next_run(spec, now or timezone.now()))


def schedule_periodic():
    for spec in TASKS.values():
        if spec.every or spec.daily_at:
            schedule(spec)


def oldest_wait_seconds(now=None):
    """How long the job due first has been waiting (0 when none is due): /healthz's measure of the queue."""
    now = now or timezone.now()
    due = Job.objects.filter(state=Job.State.QUEUED, run_at__lte=now).aggregate(first=Min("run_at"))["first"]
    return (now - due).total_seconds() if due else 0.0
