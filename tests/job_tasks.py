"""Tasks the job tests run, also in a real worker process (`run_worker --tasks tests.job_tasks`)."""

import time
from pathlib import Path

from jobs.queue import enqueue, task


@task("tests.fail", max_attempts=3, atomic=True)
def fail(note=""):
    enqueue("tests.effect", note=note)  # a change the failure must take back
    raise RuntimeError("this task always fails")


@task("tests.effect")
def effect(note=""):
    """Nothing: its job row is the effect another task leaves in the database."""


@task("tests.periodic", every=__import__("datetime").timedelta(minutes=5))
def periodic():
    pass


@task("tests.record_then_wait", atomic=True)
def record_then_wait(folder, name):
    """Leave an effect in the database, say so outside it, and wait to be released (or killed)."""
    enqueue("tests.effect", note=name)
    Path(folder, f"{name}.started").touch()
    while not Path(folder, "release").exists():
        time.sleep(0.02)


@task("tests.append")
def append(path, line):
    """One line per run in a file outside the database: a job run twice would show twice."""
    with open(path, "a") as out:
        out.write(f"{line}\n")


@task("tests.in_transaction")
def in_transaction(path):
    """Write whether a transaction is open around the task (a task that calls another system must see none)."""
    Path(path).write_text(str(__import__("django.db").db.connection.in_atomic_block))
