"""The status workflow through POST /api/v1/reports/<code>/status: roles, transitions, proof of the fix, conflicts."""

import datetime
import threading

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import Token

from jobs.models import Job
from reports import workflow
from reports.models import Photo, Report, Status
from reports.roles import CREW, DISPATCHER, PLANNER
from reports.services import add_support
from tests.conftest import make_report, run_jobs, staff_user, verified_login
from tests.images import GANTING_GPS, photo_bytes, upload

pytestmark = pytest.mark.django_db

WARGA = "warga@example.org"  # the reporter's address: status e-mails go there


@pytest.fixture
def people(django_user_model):
    return {
        "crew": staff_user(django_user_model, "andi", CREW, "Tim Jalan Padang Panjang Timur"),
        "other_crew": staff_user(django_user_model, "rina", CREW, "Tim Jalan Padang Panjang Barat"),
        "dispatcher": staff_user(django_user_model, "dewi", DISPATCHER),
        "planner": staff_user(django_user_model, "bima", PLANNER),
    }


def move(client, user, report, to, version=None, **extra):
    verified_login(client, user)
    data = {"status": to, "version": version or Report.objects.get(pk=report.pk).version, **extra}
    return client.post(f"/api/v1/reports/{report.code}/status", data, HTTP_ACCEPT_LANGUAGE="en")


def test_a_report_goes_from_new_to_closed_with_one_history_row_each(client, people):
    report = make_report(email=WARGA)
    assert move(client, people["dispatcher"], report, "diverifikasi").status_code == 200
    assert move(client, people["crew"], report, "dikerjakan").status_code == 200
    done = move(client, people["crew"], report, "selesai", note="Ditambal.",
                photo=upload(photo_bytes(gps=GANTING_GPS), name="tambal.jpg"))
    assert done.status_code == 200, done.json()
    assert move(client, people["dispatcher"], report, "ditutup").status_code == 200
    report.refresh_from_db()
    assert report.status == "ditutup" and report.version == 5
    history = list(report.history.values_list("from_status", "to_status", "by__username"))
    assert history == [("", "baru", None), ("baru", "diverifikasi", "dewi"), ("diverifikasi", "dikerjakan", "andi"),
                       ("dikerjakan", "selesai", "andi"), ("selesai", "ditutup", "dewi")]
    fix = report.history.get(to_status="selesai").photo
    assert fix.kind == Photo.Kind.COMPLETION and b"Exif" not in fix.image.read()
    # The resident hears of the changes by e-mail, with the private link, in Bahasa Indonesia, from the worker:
    # made within minutes, they go as one message (notify/).
    assert mail.outbox == []
    run_jobs()
    [message] = mail.outbox
    assert message.subject == f"{report.code}: 4 kabar dari Lapor Padangpanjang"
    for status in ("diverifikasi", "dikerjakan", "selesai", "ditutup"):
        assert f"{report.code} (Berlubang) sekarang: {status}." in message.body
    assert message.to == ["warga@example.org"] and report.private_token in message.body


def test_the_report_keeps_when_it_was_first_verified_and_last_closed_and_forgets_the_closing_once_reopened(
        client, people):
    """reports.workflow.moved writes the moments the exports read: the first acceptance stays, the closing is
    the last move to a final status and is empty while the report is open again."""
    report = make_report()
    day = {n: datetime.datetime(2027, 1, n, 2, 0, tzinfo=datetime.UTC) for n in range(1, 10)}
    fix_photo = {"photo": upload(photo_bytes(gps=GANTING_GPS), name="tambal.jpg")}
    steps = [(1, "dispatcher", "diverifikasi", {}), (2, "crew", "dikerjakan", {}), (3, "crew", "diverifikasi", {}),
             (4, "crew", "dikerjakan", {}), (5, "crew", "selesai", fix_photo), (6, "dispatcher", "ditutup", {})]
    for n, who, to, extra in steps:
        with time_machine.travel(day[n], tick=False):
            assert move(client, people[who], report, to, **extra).status_code == 200
    report.refresh_from_db()
    assert (report.verified_at, report.fixed_at, report.closed_at) == (day[1], day[5], day[6])
    with time_machine.travel(day[7], tick=False):
        workflow.reopen_by_resident(report, "Masih berlubang.")
    report.refresh_from_db()
    assert report.status == "diverifikasi" and (report.verified_at, report.closed_at) == (day[1], None)
    with time_machine.travel(day[8], tick=False):
        assert move(client, people["dispatcher"], report, "ditolak", note="Bukan jalan kota.").status_code == 200
    report.refresh_from_db()
    assert (report.verified_at, report.fixed_at, report.closed_at) == (day[1], day[5], day[8])
    rejected_at_once = make_report(north=0.0004)
    with time_machine.travel(day[9], tick=False):
        assert move(client, people["dispatcher"], rejected_at_once, "ditolak", note="Ganda.").status_code == 200
    rejected_at_once.refresh_from_db()
    assert (rejected_at_once.verified_at, rejected_at_once.closed_at) == (None, day[9])


def test_the_public_page_shows_the_fix_beside_the_residents_photo(client, people):
    report = make_report(with_photo=True)
    move(client, people["dispatcher"], report, "diverifikasi")
    move(client, people["crew"], report, "dikerjakan")
    move(client, people["crew"], report, "selesai", photo=upload(photo_bytes(), name="tambal.jpg"))
    client.logout()
    page = client.get(report.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert page.count("<img") == 2 and "photo of the fix" in page and "resident&#x27;s photo" in page


def test_fixed_needs_a_photo_of_the_fix(client, people):
    report = make_report(email=WARGA)
    move(client, people["dispatcher"], report, "diverifikasi")
    move(client, people["crew"], report, "dikerjakan")
    refused = move(client, people["crew"], report, "selesai")
    assert refused.status_code == 400 and "photo of the fix" in refused.json()["photo"][0]
    assert Report.objects.get(pk=report.pk).status == "dikerjakan"


@pytest.mark.parametrize(
    ("start", "to"),
    [("baru", "selesai"), ("baru", "dikerjakan"), ("dikerjakan", "ditutup"), ("diverifikasi", "baru")],
)
def test_a_move_outside_the_workflow_is_refused_with_the_reason(client, people, start, to):
    report = make_report(email=WARGA)
    Report.objects.filter(pk=report.pk).update(status=start)
    refused = move(client, people["dispatcher"], report, to)
    assert refused.status_code == 400
    assert "cannot become" in refused.json()["status"][0]


def test_rejection_needs_a_reason_and_only_a_dispatcher_reopens_a_final_report(client, people):
    report = make_report(email=WARGA)
    assert "why" in move(client, people["dispatcher"], report, "ditolak").json()["note"][0]
    assert move(client, people["dispatcher"], report, "ditolak", note="Bukan jalan kota.").status_code == 200
    assert move(client, people["crew"], report, "diverifikasi").status_code == 403
    assert move(client, people["dispatcher"], report, "diverifikasi").status_code == 200


@pytest.mark.parametrize("who", ["other_crew", "planner", "anonymous"])
def test_only_the_assigned_crew_or_a_dispatcher_may_change_a_report(client, people, who):
    report = make_report(email=WARGA)
    Report.objects.filter(pk=report.pk).update(status="diverifikasi")
    if who == "anonymous":
        response = client.post(f"/api/v1/reports/{report.code}/status", {"status": "dikerjakan", "version": 1})
    else:
        response = move(client, people[who], report, "dikerjakan")
    assert response.status_code == 403
    assert Report.objects.get(pk=report.pk).status == "diverifikasi"


def test_a_crew_member_may_not_verify_reject_or_close(client, people):
    report = make_report(email=WARGA)
    assert move(client, people["crew"], report, "diverifikasi").status_code == 403
    assert move(client, people["crew"], report, "ditolak", note="x").status_code == 403
    assert move(client, people["crew"], report, "selesai").status_code == 400  # not a move from "baru" at all


def test_a_change_against_an_old_version_is_a_409_with_the_current_state(client, people):
    report = make_report(email=WARGA)
    seen = report.version
    assert move(client, people["dispatcher"], report, "diverifikasi", version=seen).status_code == 200
    late = move(client, people["dispatcher"], report, "ditolak", version=seen, note="Sudah diperbaiki warga.")
    assert late.status_code == 409
    assert late.json()["current"]["properties"]["status"] == "diverifikasi"
    assert late.json()["current"]["properties"]["version"] == seen + 1
    assert Report.objects.get(pk=report.pk).status == "diverifikasi"


def test_marking_a_duplicate_links_both_and_moves_the_supports(client, people):
    original, copy = make_report(email=WARGA), make_report(email=WARGA, north=0.00005)
    for device in ("hp-aaaa-0001", "hp-bbbb-0002"):
        add_support(copy, device=device)
    add_support(original, device="hp-aaaa-0001")  # supported both: counted once
    response = move(client, people["dispatcher"], copy, "duplikat", duplicate_of=original.code.lower())
    assert response.status_code == 200
    copy.refresh_from_db()
    original.refresh_from_db()
    assert copy.duplicate_of == original and list(original.duplicates.all()) == [copy]
    assert (original.support_count, copy.support_count) == (2, 0)
    bad = move(client, people["dispatcher"], make_report(email=WARGA), "duplikat", duplicate_of="PP-999999")
    assert bad.status_code == 400 and "no report PP-999999" in bad.json()["duplicate_of"][0]


def merge_at_once(dispatcher, pairs):
    """Each (duplicate, original) merged by its own thread on its own connection, all let go at the same moment;
    what each caller got: "merged", or the field a refusal names, or the error itself."""
    barrier, outcomes = threading.Barrier(len(pairs)), {}

    def merge(duplicate, original):
        try:
            barrier.wait()
            workflow.change_status(duplicate, Status.DUPLIKAT, dispatcher, version=duplicate.version,
                                   duplicate_of=original)
            outcomes[duplicate.code] = "merged"
        except workflow.Refused as refusal:
            outcomes[duplicate.code] = refusal.field
        except Exception as error:  # a deadlock or anything else that would reach the dispatcher as a 5xx
            outcomes[duplicate.code] = repr(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=merge, args=pair) for pair in pairs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


@pytest.mark.django_db(transaction=True)
def test_two_reports_merged_into_each_other_at_once_one_merge_wins_without_a_deadlock(city, people):
    for _ in range(4):  # the race was lost 3 times in 8
        first, second = make_report(email=WARGA), make_report(email=WARGA, north=0.00005)
        outcomes = merge_at_once(people["dispatcher"], [(first, second), (second, first)])
        assert sorted(outcomes.values()) == ["duplicate_of", "merged"], outcomes
        statuses = dict(Report.objects.filter(pk__in=[first.pk, second.pk]).values_list("code", "status"))
        assert sorted(statuses.values()) == [Status.BARU, Status.DUPLIKAT]
        merged = Report.objects.get(status=Status.DUPLIKAT, pk__in=[first.pk, second.pk])
        assert merged.duplicate_of.status == Status.BARU and merged.history.filter(to_status="duplikat").count() == 1


def test_a_report_is_not_merged_into_a_duplicate(people):
    original, copy, third = make_report(), make_report(north=0.00005), make_report(north=0.0001)
    workflow.change_status(copy, Status.DUPLIKAT, people["dispatcher"], version=copy.version, duplicate_of=original)
    with pytest.raises(workflow.Refused, match=f"{copy.code} sendiri adalah duplikat"):
        workflow.change_status(third, Status.DUPLIKAT, people["dispatcher"], version=third.version,
                               duplicate_of=copy)
    assert Report.objects.get(pk=third.pk).status == Status.BARU


def test_the_api_takes_a_token(client, people):
    report = make_report(email=WARGA)
    TOTPDevice.objects.create(user=people["dispatcher"], name="HP")  # a dispatcher's token needs the app set up
    token = Token.objects.create(user=people["dispatcher"])
    response = client.post(f"/api/v1/reports/{report.code}/status", {"status": "diverifikasi", "version": 1},
                           HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 200
    assert response.json()["properties"]["status"] == Status.DIVERIFIKASI


def test_a_mail_server_that_refuses_leaves_the_change_standing_a_log_line_and_a_retry(
    client, people, settings, caplog
):
    smtp = settings.EMAIL_BACKEND
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 1  # nothing listens there
    report = make_report(email=WARGA)
    assert move(client, people["dispatcher"], report, "diverifikasi").status_code == 200
    run_jobs()
    assert Report.objects.get(pk=report.pk).status == "diverifikasi"
    [failed] = [r for r in caplog.records if getattr(r, "event", "") == "message_failed"]
    assert failed.channel == "email" and "warga@example.org" not in failed.getMessage()
    job = Job.objects.get(task="notify.deliver")
    assert (job.state, job.attempts, mail.outbox) == (Job.State.QUEUED, 1, [])

    settings.EMAIL_BACKEND = smtp  # the mail server is back: the retry sends it
    run_jobs()
    job.refresh_from_db()
    assert job.state == Job.State.DONE and mail.outbox[0].to == ["warga@example.org"]
