"""The job queue (jobs/): in the caller's transaction, retried with backoff, periodic, and in real worker
processes: two never run the same job, and one killed in the middle loses nothing."""

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from jobs import queue
from jobs.models import Job
from jobs.worker import Listener
from tests import job_tasks  # noqa: F401 (registers the tasks)
from tests.deployed import production_env

pytestmark = pytest.mark.django_db


def due_now():
    Job.objects.filter(state=Job.State.QUEUED).update(run_at=timezone.now())


def test_a_job_is_enqueued_with_the_change_that_causes_it():
    with pytest.raises(RuntimeError), transaction.atomic():
        queue.enqueue("tests.effect", note="rolled back")
        raise RuntimeError("the change fails")
    with transaction.atomic():
        queue.enqueue("tests.effect", note="committed")
    assert list(Job.objects.values_list("args", flat=True)) == [{"note": "committed"}]


def test_a_failing_job_is_retried_with_growing_waits_then_kept_as_failed():
    job = queue.enqueue("tests.fail", note="x")
    waits = []
    for _ in range(3):
        due_now()
        before = timezone.now()
        assert queue.run_one()
        job.refresh_from_db()
        waits.append(round((job.run_at - before).total_seconds()))
    assert (job.state, job.attempts) == (Job.State.FAILED, 3) and "this task always fails" in job.last_error
    assert waits[:2] == [15, 30]  # the third failure was the last: no wait, failed
    assert not Job.objects.filter(task="tests.effect").exists()  # each failed run's change was taken back
    assert [queue.backoff(n) for n in (1, 2, 3, 8, 9, 20)] == [15, 30, 60, 1920, 3600, 3600]


def test_a_keyed_job_waits_once_and_a_periodic_task_is_put_back_after_each_run():
    queue.schedule_periodic()
    queue.schedule_periodic()
    [first] = Job.objects.filter(task="tests.periodic")
    assert first.key == "periodic:tests.periodic"
    due_now()
    while queue.run_one():
        pass
    first.refresh_from_db()
    [following] = Job.objects.filter(task="tests.periodic", state=Job.State.QUEUED)
    assert first.state == Job.State.DONE
    assert timedelta(minutes=4) < following.run_at - timezone.now() <= timedelta(minutes=5)


def test_nothing_runs_before_its_time():
    queue.enqueue("tests.effect", run_at=timezone.now() + timedelta(hours=1))
    assert not queue.run_one()


def worker(tmp_path, extra=(), **env):
    """`manage.py run_worker` on the test database, in a process of its own (`extra`: its options; `env`: more
    settings)."""
    env = production_env(tmp_path, LOG_LEVEL="WARNING", **env)
    return subprocess.Popen([sys.executable, "manage.py", "run_worker", "--tasks", "tests.job_tasks", *extra],
                            cwd=settings.BASE_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def wait_until(condition, seconds=60):
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "not within the deadline"
        time.sleep(0.05)


@pytest.mark.django_db(transaction=True)
def test_two_workers_never_run_the_same_job(tmp_path):
    lines = tmp_path / "runs.txt"
    Job.objects.bulk_create(Job(task="tests.append", args={"path": str(lines), "line": n}) for n in range(200))
    workers = [worker(tmp_path), worker(tmp_path)]
    try:
        wait_until(lambda: not Job.objects.filter(state=Job.State.QUEUED, task="tests.append").exists())
    finally:
        for process in workers:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=30)
    runs = lines.read_text().split()
    assert sorted(runs, key=int) == [str(n) for n in range(200)]  # each job once, none twice
    assert Job.objects.filter(task="tests.append", state=Job.State.DONE).count() == 200


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_in_the_middle_of_a_job_loses_nothing_and_the_effect_happens_once(tmp_path):
    job = queue.enqueue("tests.record_then_wait", folder=str(tmp_path), name="one")
    first = worker(tmp_path)
    wait_until(lambda: (tmp_path / "one.started").exists())
    os.kill(first.pid, signal.SIGKILL)  # mid-job: its transaction (an atomic task) and its lock die with it
    first.wait(timeout=30)
    job.refresh_from_db()
    assert job.state == Job.State.RUNNING and not Job.objects.filter(task="tests.effect").exists()

    (tmp_path / "one.started").unlink()
    (tmp_path / "release").touch()
    second = worker(tmp_path)
    try:
        wait_until(lambda: Job.objects.get(pk=job.pk).state == Job.State.DONE)
    finally:
        second.send_signal(signal.SIGTERM)
        assert second.wait(timeout=30) == 0  # SIGTERM: the job under way finishes, then the worker exits
    assert Job.objects.filter(task="tests.effect", args={"note": "one"}).count() == 1
    assert Path(tmp_path, "one.started").exists()  # the second worker ran it


def test_health_says_the_queue_is_degraded_when_the_job_due_first_waits_too_long(client, settings):
    settings.JOBS_MAX_WAIT_S = 300
    queue.enqueue("tests.effect", run_at=timezone.now() - timedelta(seconds=200))
    assert client.get("/healthz").json()["degraded"] == []
    queue.enqueue("tests.effect", run_at=timezone.now() - timedelta(seconds=400))
    health = client.get("/healthz")
    assert health.status_code == 200 and health.json()["degraded"] == ["queue"]


def test_old_done_jobs_are_pruned_a_batch_per_job_and_failed_ones_kept(settings):
    settings.JOBS_KEEP_DAYS = 7
    old = timezone.now() - timedelta(days=8)
    for state in (Job.State.DONE, Job.State.DONE, Job.State.DONE, Job.State.FAILED):
        Job.objects.filter(pk=queue.enqueue("tests.effect").pk).update(state=state, created=old)
    recent = queue.enqueue("tests.effect")
    Job.objects.filter(pk=recent.pk).update(state=Job.State.DONE)
    queue.enqueue("jobs.prune_done", batch=2)
    while queue.run_one():
        pass
    left = Job.objects.exclude(task="jobs.prune_done")
    assert sorted(left.values_list("state", flat=True)) == [Job.State.DONE, Job.State.FAILED]
    assert left.get(state=Job.State.DONE).pk == recent.pk


def listening(queue_name):
    """The pids of the connections LISTENing for `queue_name`'s jobs (their application_name says whose)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name = %s",
                       [f"jobs-listen {queue_name}"])
        return {pid for (pid,) in cursor.fetchall()}


def terminate(pid):
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])


@pytest.mark.django_db(transaction=True)
def test_a_committed_job_wakes_the_listener_of_its_queue_and_a_rolled_back_one_wakes_nobody():
    listener = Listener(("default", "messages"))
    try:
        assert listener.wait(30) == "listening"  # opened now: look at the queue once, then wait
        with pytest.raises(RuntimeError), transaction.atomic():
            queue.enqueue("tests.effect", note="rolled back")  # queue "default"
            raise RuntimeError("the change fails")
        queue.enqueue("notify.deliver", subscription_id=1)  # queue "messages", committed after the rollback
        # A 30-s wait that returns at once, for the committed job alone: a notification of the rolled-back one
        # would have come first (PostgreSQL delivers them in commit order).
        assert (listener.wait(30), listener.channels) == ("notified", ["jobs_messages"])
        queue.enqueue("notify.deliver", subscription_id=2, run_at=timezone.now() + timedelta(hours=1))  # not due
        queue.enqueue("tests.effect", note="due")
        assert (listener.wait(30), listener.channels) == ("notified", ["jobs_default"])  # the later one woke nobody
        assert queue.reschedule("notify.deliver", timezone.now(), subscription_id=2) == 1  # brought to now
        assert (listener.wait(30), listener.channels) == ("notified", ["jobs_messages"])
    finally:
        listener.close()


@pytest.mark.django_db(transaction=True)
def test_a_dropped_listening_connection_is_opened_again_and_wakes_again():
    listener = Listener(("default",))
    try:
        assert listener.wait(30) == "listening"
        [first] = listening("default")
        terminate(first)
        assert listener.wait(30) == "dropped"  # no exception: the worker goes on, polling
        assert listener.wait(30) == "listening" and listening("default") - {first}
        queue.enqueue("tests.effect")
        assert (listener.wait(30), listener.channels) == ("notified", ["jobs_default"])
    finally:
        listener.close()


@pytest.mark.django_db(transaction=True)
def test_a_worker_polling_every_30_s_runs_a_new_job_at_once_and_listens_again_after_its_connection_drops(tmp_path):
    lines = tmp_path / "runs.txt"
    process = worker(tmp_path, extra=["--poll-seconds", "30"])
    try:
        wait_until(lambda: len(listening("default")) == 1, seconds=30)  # idle, waiting for a notification
        with pytest.raises(RuntimeError), transaction.atomic():
            queue.enqueue("tests.append", path=str(lines), line="rolled-back")
            raise RuntimeError("the change fails")
        queue.enqueue("tests.append", path=str(lines), line="1")
        wait_until(lambda: lines.exists() and lines.read_text() == "1\n", seconds=10)  # a third of the poll

        [first] = listening("default")
        terminate(first)
        wait_until(lambda: listening("default") - {first}, seconds=10)  # listening again, without a restart
        queue.enqueue("tests.append", path=str(lines), line="2")
        wait_until(lambda: lines.read_text() == "1\n2\n", seconds=10)
        assert process.poll() is None
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0  # the stop ends the 30-s waits at once
    assert not Job.objects.filter(args__line="rolled-back").exists()
