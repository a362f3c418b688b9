"""The queue's contract under faults (issue 29, docs/jobs.md): no transaction across a task's calls, residents'
messages never behind a slow LAPOR!, a breaker per outside system, and follow-ups never twice, against the fake
LAPOR! on 127.0.0.1 and real worker processes."""

import os
import signal
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from forwarding import delivery
from forwarding.models import FollowUp, Forwarding, Route
from jobs import breakers, queue
from jobs.models import Breaker, Job
from notify.models import Message, Notice, Subscription
from reports import workflow
from reports.models import Category, Status
from tests import job_tasks  # noqa: F401 (registers the tasks)
from tests.conftest import make_report, run_jobs, staff_user
from tests.fake_lapor import TOKEN, FakeLapor
from tests.test_jobs import wait_until, worker

pytestmark = pytest.mark.django_db

SITE = "https://lapor.padangpanjang.go.id"


@pytest.fixture
def lapor(settings):
    server = FakeLapor()
    settings.LAPOR_URL, settings.LAPOR_TOKEN, settings.FORWARDING_TIMEOUT_S = server.url, TOKEN, 1
    settings.SITE_URL, settings.OUTSIDE_URLS_ALLOW_PRIVATE = SITE, True
    Route.objects.create(category=Category.objects.get(slug="jalan"), link=delivery.lapor_link(), code="T-JALAN")
    yield server
    server.close()


def lapor_worker(tmp_path, lapor, **env):
    """A worker process that speaks to the fake LAPOR! (its calls may take 30 s: the fake decides how long)."""
    return worker(tmp_path, LAPOR_URL=lapor.url, LAPOR_TOKEN=TOKEN, FORWARDING_TIMEOUT_S="30", SITE_URL=SITE,
                  OUTSIDE_URLS_ALLOW_PRIVATE="true", **env)


def stop(process):
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=60)


def move(report, to, user):
    report.refresh_from_db()
    return workflow.change_status(report, to, user, version=report.version)


@pytest.fixture
def dispatcher(django_user_model):
    return staff_user(django_user_model, "dewi", "dispatcher")


@pytest.mark.django_db(transaction=True)
def test_a_task_runs_with_no_transaction_open(tmp_path):
    queue.enqueue("tests.in_transaction", path=str(tmp_path / "seen"))
    assert queue.run_one(("default",))
    assert (tmp_path / "seen").read_text() == "False"
    assert Job.objects.get(task="tests.in_transaction").state == Job.State.DONE


@pytest.mark.django_db(transaction=True)
def test_no_connection_is_idle_in_transaction_while_lapor_is_slow(lapor, dispatcher, tmp_path):
    lapor.fail = "slow"
    move(make_report(), Status.DIVERIFIKASI, dispatcher)
    process = lapor_worker(tmp_path, lapor)
    try:
        wait_until(lambda: lapor.requests)  # the complaint's POST is under way, LAPOR! not answering
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                           "AND state LIKE 'idle in transaction%%'")
            assert cursor.fetchone()[0] == 0
        assert Job.objects.get(task=delivery.TASK).state == Job.State.RUNNING
    finally:
        lapor.release.set()
        stop(process)


@pytest.mark.django_db(transaction=True)
def test_a_residents_message_does_not_wait_behind_a_slow_lapor(lapor, dispatcher, tmp_path):
    lapor.fail = "slow"  # LAPOR! holds every call until released (a wait on its side, of up to 30 s)
    report = make_report()
    move(report, Status.DIVERIFIKASI, dispatcher)
    subscription = Subscription.objects.create(role="follower", report=report, channel="email",
                                               address="warga@example.org")
    process = lapor_worker(tmp_path, lapor)
    try:
        wait_until(lambda: lapor.requests)  # the partners' thread waits on LAPOR!
        Notice.objects.create(subscription=subscription, key="confirm:1", kind=Notice.Kind.CONFIRM,
                              send_after=timezone.now(), report=report)
        queue.enqueue("notify.deliver", key=f"notify.deliver:{subscription.pk}", subscription_id=subscription.pk)
        wait_until(lambda: Message.objects.filter(subscription=subscription).exists())
        # The message went while LAPOR! still had not answered the complaint posted before it.
        assert not lapor.release.is_set() and len(lapor.requests) == 1
        assert Job.objects.get(task=delivery.TASK).state == Job.State.RUNNING
        assert Forwarding.objects.get(report=report).external_id == ""
    finally:
        lapor.release.set()
        stop(process)


def test_a_breaker_opens_after_n_failures_probes_once_per_interval_and_closes_on_success(lapor, dispatcher,
                                                                                        client, settings):
    settings.BREAKER_FAILURES, settings.BREAKER_PROBE_S, settings.BREAKER_DEGRADED_AFTER_S = 3, 60, 120
    lapor.fail = 500
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        reports = [make_report() for _ in range(4)]
        for report in reports:
            move(report, Status.DIVERIFIKASI, dispatcher)
        run_jobs()  # the first three fail and open it; the fourth is deferred without a call
        assert len(lapor.requests) == 3
        assert Breaker.objects.get(destination="lapor").opened_at == start
        run_jobs()
        run_jobs()
        assert len(lapor.requests) == 3  # open: no call, however often the jobs come round
        deferred = Job.objects.filter(task=delivery.TASK, state=Job.State.QUEUED)
        assert {job.run_at for job in deferred} == {start + timedelta(seconds=60)}
        breakers.admit("Mitra PLN")  # another system's calls go on
        assert client.get("/healthz").json()["degraded"] == []

        clock.move_to(start + timedelta(seconds=61))
        run_jobs()
        assert len(lapor.requests) == 4  # one probe in the interval, and it failed: still open

        clock.move_to(start + timedelta(seconds=121))
        assert "lapor" in client.get("/healthz").json()["degraded"]
        lapor.fail = None
        run_jobs()  # the probe goes through, closes it, and the waiting deliveries go at once
        run_jobs()
        assert sorted(lapor.complaints) == sorted(report.code for report in reports)
        assert Breaker.objects.get(destination="lapor").opened_at is None
        assert "lapor" not in client.get("/healthz").json()["degraded"]
    assert lapor.violations == [] and lapor.received == 4 and len(lapor.requests) == 8  # each sent once


def test_a_follow_up_answered_after_our_timeout_is_not_kept_twice(lapor, dispatcher):
    report = make_report()
    move(report, Status.DIVERIFIKASI, dispatcher)
    run_jobs()
    lapor.late = True  # LAPOR! keeps the follow-up, then answers after our 1 s
    move(report, Status.DIKERJAKAN, dispatcher)
    run_jobs()
    item = FollowUp.objects.get(forwarding__report=report)
    assert item.sent is None and len(lapor.follow_ups) == 1
    lapor.late = False
    lapor.release.set()
    run_jobs()
    item.refresh_from_db()
    assert item.sent is not None
    assert len(lapor.follow_ups) == 1 and lapor.followups_received == 2 and lapor.violations == []


@pytest.mark.django_db(transaction=True)
def test_a_follow_up_is_not_sent_twice_across_a_worker_killed_between_lapors_201_and_our_record(
        lapor, dispatcher, tmp_path):
    report = make_report()
    move(report, Status.DIVERIFIKASI, dispatcher)
    run_jobs()
    lapor.late = True  # kept by LAPOR!, the answer held back until the worker is dead
    move(report, Status.DIKERJAKAN, dispatcher)
    first = lapor_worker(tmp_path, lapor)
    wait_until(lambda: lapor.follow_ups)
    os.kill(first.pid, signal.SIGKILL)
    first.wait(timeout=30)
    assert Job.objects.get(task=delivery.TASK, state=Job.State.RUNNING)  # its claim died with it
    lapor.late = False
    lapor.release.set()
    second = lapor_worker(tmp_path, lapor)
    try:
        wait_until(lambda: FollowUp.objects.filter(forwarding__report=report).exclude(sent=None).exists())
    finally:
        stop(second)
    assert len(lapor.follow_ups) == 1 and lapor.followups_received == 2 and lapor.violations == []
    assert Job.objects.filter(task=delivery.TASK, state=Job.State.DONE).count() >= 1
