"""Durable jobs in PostgreSQL, through the ORM and psycopg2: claim, commit, run, record.

- `enqueue` writes a row in the caller's transaction: a change rolled back enqueues nothing, a change
  committed has its jobs committed with it.
- A worker claims the job due first of its queues in a short transaction (`FOR UPDATE SKIP LOCKED`): marks it
  running with a new claim (a UUID) and takes a session-level advisory lock on it, then commits. The task runs
  with no transaction open (a task whose work is only in the database asks for one: `atomic=True`), so a slow
  partner holds no lock and no connection "idle in transaction". The outcome is recorded in a second short
  transaction, only while the job still has that claim.
- A worker killed mid-task loses its connection and so its advisory lock: `recover` (each idle worker) finds
  the running job whose lock it can take and queues it again; the old claim, if that worker was only cut off
  from the database, records nothing. A task therefore runs at least once: each is idempotent or checks a state
  before it writes (docs/jobs.md lists how), and what it sends carries a key the other side deduplicates.
- A failing task is retried 15 s, 30 s, 1 min, ... at most an hour later (its `longest_retry`); after its
  `max_attempts` it is failed, kept for an administrator to see and retry. A task raising `Defer` waits until
  then without an attempt counted (an open breaker, an item another job is working on).
- Queues (`QUEUES`) keep kinds of work apart: residents' messages, partners, and the rest each have their own
  workers (`run_worker`), so none waits behind another's slow system.
- A periodic task keeps one queued job (its key), put back for its next run whenever it finishes.
- A job due now wakes its queue's idle workers: `NOTIFY jobs_<queue>` in the same transaction, delivered at
  commit (never for a rolled-back change), to the connection each worker thread LISTENs on (jobs/worker.py).

The names follow Django's tasks framework where they mean the same (`task`, `queue_name`, `enqueue`), so a later
Django's can take the tasks over.
"""

import logging
import traceback
import uuid
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.db import IntegrityError, connection, transaction
from django.db.models import Min
from django.utils import timezone

from config import locks
from jobs.models import Job

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 10
FIRST_RETRY_SECONDS = 15
LONGEST_RETRY_SECONDS = 3600
# Each queue and how many of its jobs a worker runs at once (threads: the work is waiting on other systems).
QUEUES = {"messages": 1, "partners": 2, "default": 1}
LOCK = "jobs.job"  # the advisory lock a running job's worker holds (config.locks)


class Defer(Exception):
    """Not now, and not a failure: the job waits until `run_at` with no attempt counted."""

    def __init__(self, run_at, reason=""):
        super().__init__(reason or f"deferred to {run_at}")
        self.run_at = run_at


@dataclass
class Task:
    name: str
    function: callable
    max_attempts: int = MAX_ATTEMPTS
    every: timedelta = None  # periodic: this long after the last run finished
    daily_at: time = None  # periodic: each day at this local time
    longest_retry: int = LONGEST_RETRY_SECONDS  # the backoff's ceiling, in seconds
    queue_name: str = "default"
    atomic: bool = False  # its work is only in the database: run in one transaction, a failure leaves nothing


TASKS = {}


def task(name, max_attempts=MAX_ATTEMPTS, every=None, daily_at=None, longest_retry=LONGEST_RETRY_SECONDS,
         queue_name="default", atomic=False):
    """Register a function as the task `name`; `every` or `daily_at` make it periodic; `longest_retry` caps the
    wait between tries (a call to another system that must go out soon after it is back); `atomic` runs it in
    one transaction (only for tasks that call no other system)."""
    assert queue_name in QUEUES, queue_name

    def register(function):
        TASKS[name] = Task(name, function, max_attempts, every, daily_at, longest_retry, queue_name, atomic)
        return function

    return register


def channel(queue_name):
    """The LISTEN/NOTIFY channel of a queue."""
    return f"jobs_{queue_name}"


def wake(queue_names):
    """Tell the workers idle on these queues that a job is due, in the caller's transaction: PostgreSQL delivers
    the notification at its commit, and never if it rolls back (the same channel twice in one transaction is
    delivered once)."""
    with connection.cursor() as cursor:
        for name in sorted(set(queue_names)):
            cursor.execute("SELECT pg_notify(%s, '')", [channel(name)])


def enqueue(name, /, *, key="", run_at=None, **args):
    """A job of task `name` with keyword `args` (ids and plain values), in the caller's transaction; due now, it
    wakes its queue's workers when that transaction commits.

    With a `key`, at most one job per key waits at a time: while one does, this returns it instead. One that a
    worker claims between the two steps no longer waits: this one is queued after all.
    """
    spec = TASKS.get(name)
    now = timezone.now()
    job = Job(task=name, args=args, key=key, run_at=run_at or now,
              queue_name=spec.queue_name if spec else "default")
    if key:
        while True:
            try:
                with transaction.atomic():
                    job.save()
                break
            except IntegrityError:
                if (waiting_job := Job.objects.filter(key=key, state=Job.State.QUEUED).first()) is not None:
                    return waiting_job
    else:
        job.save()
    if job.run_at <= now:
        wake([job.queue_name])
    return job


def reschedule(name, run_at, **args):
    """Waiting jobs of task `name` whose arguments include `args` run at `run_at` if that is sooner (a system
    answers again, a message asked for now): the one way an app moves a job. Brought to now, they wake their
    queue's workers at commit."""
    moved = Job.objects.filter(task=name, state=Job.State.QUEUED, run_at__gt=run_at,
                               args__contains=args).update(run_at=run_at)
    if moved and run_at <= timezone.now():
        wake([TASKS[name].queue_name if name in TASKS else "default"])
    return moved


def waiting(name, **args):
    """The waiting or running job of task `name` with these arguments, if any (what staff see of a delivery)."""
    return (Job.objects.filter(task=name, state__in=[Job.State.QUEUED, Job.State.RUNNING], args__contains=args)
            .order_by("run_at").first())


def backoff(attempts, longest=LONGEST_RETRY_SECONDS):
    """Seconds before the next try after `attempts` failed ones: 15, 30, 60, ... at most an hour (`longest`)."""
    return min(longest, FIRST_RETRY_SECONDS * 2 ** min(attempts - 1, 20))


def claim(queues):
    """The job due first of `queues`, marked running with a new claim and locked for this connection; None when
    none is due. A short transaction of its own."""
    with transaction.atomic():
        job = (Job.objects.select_for_update(skip_locked=True)
               .filter(state=Job.State.QUEUED, run_at__lte=timezone.now(), queue_name__in=queues)
               .order_by("run_at", "id").first())
        if job is None:
            return None
        locks.take(LOCK, job.pk, wait=True)  # free: the row was queued, nobody runs it
        job.state, job.claim, job.started, job.attempts = Job.State.RUNNING, uuid.uuid4(), timezone.now(), \
            job.attempts + 1
        job.save(update_fields=["state", "claim", "started", "attempts"])
    return job


def run_one(queues=tuple(QUEUES)):
    """Claim, run and record the job due first of `queues`; False when none is due."""
    job = claim(queues)
    if job is None:
        return False
    try:
        outcome = run(job, TASKS.get(job.task))
        record(job, **outcome)
    finally:
        locks.release(LOCK, job.pk)
    return True


def run(job, spec):
    """The task's call: the job's new state, run_at, error and attempts, as `record` takes them."""
    try:
        if spec is None:
            raise LookupError(f"no task named {job.task}")
        if spec.atomic:
            with transaction.atomic():
                spec.function(**job.args)
        else:
            spec.function(**job.args)
    except Defer as later:
        return {"state": Job.State.QUEUED, "run_at": later.run_at, "attempts": job.attempts - 1,
                "error": str(later)}
    except Exception as error:
        failed_for_good = job.attempts >= (spec.max_attempts if spec else MAX_ATTEMPTS)
        logger.warning("Job %s failed (attempt %d): %s", job, job.attempts, type(error).__name__,
                       extra={"event": "job_failed", "task": job.task, "job": job.pk, "attempt": job.attempts,
                              "final": failed_for_good})
        error = "".join(traceback.format_exception(error))[-4000:]
        if failed_for_good:
            return {"state": Job.State.FAILED, "error": error}
        longest = spec.longest_retry if spec else LONGEST_RETRY_SECONDS
        return {"state": Job.State.QUEUED, "error": error,
                "run_at": timezone.now() + timedelta(seconds=backoff(job.attempts, longest))}
    return {"state": Job.State.DONE, "error": ""}


def record(job, state, error, run_at=None, attempts=None):
    """The outcome, in a short transaction, only if the job still has this worker's claim. A job queued again
    while another with its key waits gives way to that one (brought forward to this one's time)."""
    now = timezone.now()
    fields = {"state": state, "last_error": error, "claim": None}
    fields.update({"run_at": run_at} if state == Job.State.QUEUED else {"finished": now})
    if attempts is not None:
        fields["attempts"] = attempts
    with transaction.atomic():
        mine = Job.objects.filter(pk=job.pk, state=Job.State.RUNNING, claim=job.claim)
        try:  # only a job queued again can meet its key's waiting one: a savepoint for that case alone
            with transaction.atomic() if state == Job.State.QUEUED and job.key else nullcontext():
                recorded = mine.update(**fields)
        except IntegrityError:
            Job.objects.filter(key=job.key, state=Job.State.QUEUED, run_at__gt=run_at).update(run_at=run_at)
            recorded = mine.update(state=Job.State.DONE, finished=now, claim=None,
                                   last_error="Superseded by the waiting job of the same key.")
        if not recorded:
            logger.warning("Job %s was taken over: its outcome is not recorded", job,
                           extra={"event": "job_taken_over", "task": job.task, "job": job.pk})
            return
        if state == Job.State.QUEUED and run_at is not None and run_at <= now:  # queued again for now: recovered
            wake([job.queue_name])
        spec = TASKS.get(job.task)
        if spec is not None and state != Job.State.QUEUED and (spec.every or spec.daily_at):
            schedule(spec)


def recover():
    """Running jobs whose worker is gone (its connection, and so its lock, ended) are queued again now."""
    for pk in Job.objects.filter(state=Job.State.RUNNING).values_list("pk", flat=True):
        with locks.held(LOCK, pk) as free:
            # A live worker holds the lock until its record is committed: free and still running, it is gone.
            job = Job.objects.filter(pk=pk, state=Job.State.RUNNING).first() if free else None
            if job is not None:
                logger.warning("Job %s lost its worker: queued again", job,
                               extra={"event": "job_recovered", "job": pk})
                record(job, Job.State.QUEUED, "Its worker stopped while it ran.", run_at=timezone.now())


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
