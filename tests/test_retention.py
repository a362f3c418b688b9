"""The nightly retention job erases exactly what has been kept long enough, and nothing else: the reports, their
places, history and statistics stay."""

import os
from datetime import timedelta

import pytest
from axes.models import AccessAttempt, AccessLog
from django.conf import settings as django_settings
from django.utils import timezone

from jobs.queue import TASKS, enqueue
from reports.models import ApiCall, ApiClient, Photo, Report, ReportCount, StatusChange
from tests.conftest import REPORTER_EMAIL, REPORTER_NAME, REPORTER_PHONE, make_report, run_jobs

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def periods(settings):
    settings.CONTACT_RETENTION_DAYS, settings.IP_RETENTION_DAYS, settings.HIDDEN_PHOTO_RETENTION_DAYS = 180, 30, 60


def ago(days):
    return timezone.now() - timedelta(days=days)


def closed(status, days_ago, **fields):
    """A report that reached `status` `days_ago` days ago, the way its history says it."""
    report = make_report(status=status, with_photo=True, **fields)
    StatusChange.objects.filter(report=report).update(created=ago(days_ago + 1))  # filed the day before
    change = StatusChange.objects.create(report=report, from_status="baru", to_status=status)
    StatusChange.objects.filter(pk=change.pk).update(created=ago(days_ago))
    return Report.objects.get(pk=report.pk)


def contact(report):
    return Report.objects.values_list("reporter_name", "reporter_phone", "reporter_email").get(pk=report.pk)


def the_record():
    """Everything that must stay: each report's place, text and status, the history and the statistics."""
    return (list(Report.objects.order_by("pk").values_list("code", "location", "description", "status",
                                                            "kelurahan", "created")),
            list(StatusChange.objects.order_by("pk").values_list("report", "from_status", "to_status", "note")),
            list(ReportCount.objects.order_by("pk").values_list("kelurahan", "category", "status", "month",
                                                                 "count", "fixed")))


def retention_job():
    enqueue("privacy.retention")
    run_jobs()


def test_the_retention_job_is_periodic():
    assert TASKS["privacy.retention"].daily_at is not None


def test_contact_details_and_name_go_180_days_after_a_final_status_and_nothing_else(django_capture_on_commit_callbacks):
    old = {status: closed(status, 181) for status in ("selesai", "ditutup", "ditolak", "duplikat")}
    recent = closed("ditutup", 179)
    still_open = make_report(status="dikerjakan")
    StatusChange.objects.filter(report=still_open).update(created=ago(400))
    # Moved (same status) since it was closed: the move does not restart the clock.
    moved = closed("selesai", 200, show_name=True)
    StatusChange.objects.create(report=moved, from_status="selesai", to_status="selesai", note="Dipindah.")
    before = the_record()

    with django_capture_on_commit_callbacks(execute=True):
        retention_job()

    for report in [*old.values(), moved]:
        assert contact(report) == ("", "", ""), report.status
    assert not Report.objects.get(pk=moved.pk).show_name
    for report in (recent, still_open):
        assert contact(report) == (REPORTER_NAME, REPORTER_PHONE, REPORTER_EMAIL)
    assert the_record() == before
    # Rejected 181 days ago: past the 60 days of its photos too; the others keep theirs.
    assert not Photo.objects.filter(report=old["ditolak"]).exists()
    assert Photo.objects.filter(report__in=[old["selesai"], old["ditutup"], old["duplikat"], recent]).count() == 4


def test_photos_of_rejected_or_hidden_reports_go_with_their_files_after_their_days(django_capture_on_commit_callbacks):
    rejected_long_ago, rejected_lately = closed("ditolak", 61), closed("ditolak", 59)
    hidden_long_ago = make_report(with_photo=True, hidden=True, hidden_at=ago(61))
    hidden_lately = make_report(with_photo=True, hidden=True, hidden_at=ago(59))
    shown = make_report(with_photo=True)
    Report.objects.filter(pk=shown.pk).update(created=ago(400))
    gone = [Photo.objects.get(report=r) for r in (rejected_long_ago, hidden_long_ago)]
    kept = [Photo.objects.get(report=r) for r in (rejected_lately, hidden_lately, shown)]
    before = the_record()

    with django_capture_on_commit_callbacks(execute=True):
        retention_job()

    assert sorted(Photo.objects.values_list("pk", flat=True)) == sorted(p.pk for p in kept)
    for photo in gone:
        for name in photo.file_names:
            assert not os.path.exists(os.path.join(django_settings.MEDIA_ROOT, name))
    for photo in kept:
        assert all(os.path.exists(os.path.join(django_settings.MEDIA_ROOT, name)) for name in photo.file_names)
    assert the_record() == before
    # Contact details of reports rejected only 61 days ago stay: their own period is longer.
    assert contact(rejected_long_ago) == (REPORTER_NAME, REPORTER_PHONE, REPORTER_EMAIL)


def test_ip_addresses_go_after_30_days_and_the_records_stay():
    client = ApiClient.objects.create(name="LAPOR!-SP4N", key_digest="e" * 64, key_prefix="efgh")
    old_call, new_call = (ApiCall.objects.create(client=client, method="POST", path="/open311/v2/requests.json",
                                                 status_code=201, remote_addr="203.0.113.7") for _ in range(2))
    ApiCall.objects.filter(pk=old_call.pk).update(created=ago(31))
    old_login, new_login = (AccessLog.objects.create(username="dewi", ip_address="198.51.100.4", user_agent="x",
                                                     path_info="/masuk/") for _ in range(2))
    AccessLog.objects.filter(pk=old_login.pk).update(attempt_time=ago(31))
    old_lock, new_lock = (AccessAttempt.objects.create(username=name, ip_address="198.51.100.5", user_agent="x",
                                                       path_info="/masuk/", failures_since_start=5,
                                                       get_data="", post_data="") for name in ("a", "b"))
    AccessAttempt.objects.filter(pk=old_lock.pk).update(attempt_time=ago(31))

    retention_job()

    assert dict(ApiCall.objects.values_list("pk", "remote_addr")) == {old_call.pk: None, new_call.pk: "203.0.113.7"}
    assert dict(AccessLog.objects.values_list("pk", "ip_address")) == {old_login.pk: None,
                                                                       new_login.pk: "198.51.100.4"}
    assert list(AccessAttempt.objects.values_list("pk", flat=True)) == [new_lock.pk]
