"""The staff desk (/meja/): who may use it, its counts, the queue, and each action on a report's screen through
the one function that makes the change (history, audit, 409 on a stale version)."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from audit.models import Action, AuditEntry
from desk import counts, deliveries
from forwarding import delivery
from forwarding.models import Disposition, Forwarding, Link
from geo.models import Crew
from jobs.models import Breaker, Job
from privacy.models import ContactAccess
from reports import workflow
from reports.models import Category, OpenDueCount, Photo, Report, ResponseTemplate, StatusChange
from tests.conftest import REPORTER_PHONE, make_report, staff_user, verified_login

pytestmark = pytest.mark.django_db


@pytest.fixture
def crew_client(client, django_user_model):
    return verified_login(client, staff_user(django_user_model, "andi", "crew", Crew.objects.first().name))


@pytest.mark.parametrize("role", ["crew", "planner"])
def test_crews_and_planners_are_refused(client, django_user_model, role):
    verified_login(client, staff_user(django_user_model, "andi", role))
    report = make_report()
    for path in ["/meja/", "/meja/jumlah/", "/meja/antrean/", f"/meja/laporan/{report.code}/", "/meja/penerusan/"]:
        assert client.get(path).status_code == 403
    assert client.post(f"/meja/laporan/{report.code}/status/", {"status": "diverifikasi", "version": 1}
                       ).status_code == 403
    assert Report.objects.get().status == "baru"


def test_a_visitor_is_sent_to_sign_in(client):
    assert client.get("/meja/").url.startswith("/masuk/")


@time_machine.travel("2026-03-04 09:00 +07:00")
def test_the_home_counts_what_waits_and_the_endpoint_says_the_same(desk):
    make_report()
    make_report(north=0.0001, hidden=True)  # hidden: waits for nobody
    make_report(north=0.0002, status="diverifikasi", due_date="2026-03-03")
    make_report(north=0.0003, status="dikerjakan", due_date="2026-03-05")  # the next working day
    Link.objects.create(kind="open311", name="Mitra", url="https://mitra.example/v2",
                        paused_since="2026-01-01T00:00Z")
    page = desk.get("/meja/")
    assert page.status_code == 200
    assert page.context["waiting"] == desk.get("/meja/jumlah/").json()
    assert page.context["waiting"] | {} == {"baru": 1, "dibuka_lagi": 0, "terlambat": 1, "jatuh_tempo": 1,
                                           "foto": 0, "lokasi": 0, "dijeda": 1, "gagal_kirim": 0}


def test_every_link_of_the_home_opens_for_a_dispatcher(client, django_user_model):
    """No count sends a dispatcher into the admin, which is the administrators' alone."""
    verified_login(client, staff_user(django_user_model, "dewi", "dispatcher"))
    page = client.get("/meja/").content.decode()
    links = re.findall(r'<a href="(/[^"]*)"', page[page.index("<main"):])
    assert links and not [link for link in links if link.startswith("/admin/")]
    assert {link: client.get(link.replace("&amp;", "&")).status_code for link in links} == dict.fromkeys(links, 200)


def test_the_counts_are_one_query(desk):
    with CaptureQueriesContext(connection) as queries:
        counts.waiting()
    assert len(queries) == 2  # and the holidays that decide the next working day


@time_machine.travel("2026-03-04 09:00 +07:00")
def test_each_count_of_the_one_query_is_what_it_counts(desk):
    """The single statement against each queue, table or list it stands for, with something in each."""
    make_report()
    make_report(north=0.0001, hidden=True)
    make_report(north=0.0002, status="diverifikasi", due_date="2026-03-03")
    make_report(north=0.0003, status="dikerjakan", due_date="2026-03-05")
    workflow.reopen_by_resident(make_report(north=0.0004, status="selesai"), "Masih berlubang.")
    make_report(north=0.0005, with_photo=True)
    Photo.objects.update(published=False)
    Disposition.objects.create(tracking_id="LP-9", state=Disposition.State.NEEDS_LOCATION, payload={})
    failing_delivery()
    today = timezone.localdate()
    found = counts.waiting()
    assert found == {
        **{name.replace("-", "_"): rows.count() for name, rows in counts.queues(today).items()},
        "foto": Photo.objects.filter(published=False).count(), "lokasi": 1, "dijeda": 1,
        "gagal_kirim": len(deliveries.failing())}
    assert set(found.values()) != {0}


def test_the_home_and_its_endpoint_keep_the_counts_a_few_seconds(desk, settings):
    make_report()
    assert desk.get("/meja/jumlah/").json()["baru"] == 1
    make_report(north=0.0001)
    assert desk.get("/meja/jumlah/").json()["baru"] == 1  # DESK_COUNTS_CACHE_S (10 s) not yet over
    assert desk.get("/meja/").context["waiting"]["baru"] == 1
    assert counts.waiting()["baru"] == 2
    settings.DESK_COUNTS_CACHE_S = 0
    cache.delete(counts.CACHE_KEY)
    assert desk.get("/meja/jumlah/").json()["baru"] == 2


def test_the_open_reports_per_due_date_follow_every_change(desk):
    """reports.OpenDueCount, kept by triggers, against the open reports counted by hand."""
    first = make_report(due_date="2026-03-03")
    second = make_report(north=0.0001, due_date="2026-03-03", hidden=True)  # hidden reports are counted too
    make_report(north=0.0002, due_date="2026-03-05", status="selesai")  # not open
    Report.objects.filter(pk=first.pk).update(due_date="2026-03-09")
    Report.objects.filter(pk=second.pk).update(status="ditolak")
    make_report(north=0.0003, due_date="2026-03-09").delete()
    by_hand = {}
    for report in Report.objects.open():
        by_hand[report.due_date] = by_hand.get(report.due_date, 0) + 1
    assert {row.due_date: row.count for row in OpenDueCount.objects.exclude(count=0)} == by_hand
    with time_machine.travel("2026-03-10 09:00 +07:00"):
        assert counts.waiting()["terlambat"] == counts.overdue(timezone.localdate()).count() == 1


def test_a_report_reopened_by_a_resident_waits_until_the_staff_touch_it(desk):
    report = make_report(status="selesai")
    workflow.reopen_by_resident(report, "Masih berlubang.")
    assert counts.waiting()["dibuka_lagi"] == 1
    assert [r.code for r in desk.get("/meja/antrean/", {"antrean": "dibuka-lagi"}).context["rows"]] == [report.code]
    desk.post(f"/meja/laporan/{report.code}/catatan/", {"note": "Dicek besok.", "public": "0",
                                                        "version": Report.objects.get().version})
    assert counts.waiting()["dibuka_lagi"] == 0


def test_the_queue_shows_new_public_reports_oldest_first_with_their_filters(desk):
    with time_machine.travel("2026-03-02 09:00 +07:00"):
        old = make_report(with_photo=True)
    with time_machine.travel("2026-03-03 09:00 +07:00"):
        young = make_report(north=0.0001)
        make_report(north=0.0002, hidden=True)
        drain = make_report("saluran-tersumbat", north=0.0003)
    with time_machine.travel("2026-03-04 09:00 +07:00"):
        page = desk.get("/meja/antrean/")
        assert [r.code for r in page.context["rows"]] == [old.code, young.code, drain.code]
        assert [p["n"] for p in page.context["points"]] == [1, 2, 3]
        assert 'aria-keyshortcuts="v"' in page.content.decode()
        roads = desk.get("/meja/antrean/", {"kategori": "jalan"}).context["rows"]
    assert [r.code for r in roads] == [old.code, young.code]


def test_the_queue_reads_a_fixed_number_of_queries(desk, django_assert_max_num_queries):
    for n in range(5):
        make_report(north=n * 0.0001, with_photo=True)
    with django_assert_max_num_queries(12):
        assert len(desk.get("/meja/antrean/").context["rows"]) == 5


def test_verify_from_the_queue_returns_to_the_queue_with_a_message(desk):
    report = make_report()
    answer = desk.post("/meja/antrean/verifikasi/", {"code": report.code, "version": report.version,
                                                     "next": "/meja/antrean/?antrean=baru"}, follow=True)
    assert answer.redirect_chain == [("/meja/antrean/?antrean=baru", 302)]
    assert Report.objects.get().status == "diverifikasi"
    assert StatusChange.objects.get(to_status="diverifikasi").by.username == "dewi"
    assert f"{report.code} telah diverifikasi." in answer.content.decode()


def test_a_stale_version_is_refused_with_a_message(desk):
    report = make_report()
    answer = desk.post("/meja/antrean/verifikasi/", {"code": report.code, "version": report.version + 1,
                                                     "next": "https://elsewhere.example/"}, follow=True)
    assert answer.redirect_chain == [("/meja/antrean/", 302)]
    assert "Orang lain sudah mengubah laporan ini" in answer.content.decode()
    for action, data in [("status", {"status": "ditolak", "note": "Bukan jalan kota."}), ("petugas", {"crew": ""}),
                         ("sembunyikan", {"reason": "Iklan."}), ("catatan", {"note": "x", "public": "1"}),
                         ("kategori", {"category": Category.objects.get(slug="saluran-tersumbat").pk})]:
        answer = desk.post(f"/meja/laporan/{report.code}/{action}/", {**data, "version": report.version + 1})
        assert answer.status_code == 409, action
        assert "Orang lain sudah mengubah laporan ini" in answer.content.decode()
    assert (Report.objects.get().version, Report.objects.get().status) == (report.version, "baru")  # all refused


def test_reject_with_a_response_template(desk):
    template = ResponseTemplate.objects.create(title="Bukan wewenang kota", statuses=["ditolak"],
                                               text="Jalan ini jalan provinsi; laporan diteruskan ke provinsi.")
    report = make_report()
    page = desk.get(f"/meja/laporan/{report.code}/")
    assert list(page.context["rejections"]) == [template]
    desk.post(f"/meja/laporan/{report.code}/status/", {"status": "ditolak", "template": template.pk,
                                                       "version": report.version})
    change = StatusChange.objects.get(to_status="ditolak")
    assert change.note == template.text and change.public


def test_merge_with_a_candidate_nearby(desk):
    original = make_report(with_photo=True)
    duplicate = make_report(north=0.0001)
    page = desk.get(f"/meja/laporan/{duplicate.code}/")
    assert [c.code for c in page.context["candidates"]] == [original.code]
    answer = desk.post(f"/meja/laporan/{duplicate.code}/status/", {
        "status": "duplikat", "duplicate_of": original.code, "version": duplicate.version})
    assert answer.status_code == 302
    merged = Report.objects.get(pk=duplicate.pk)
    assert (merged.status, merged.duplicate_of_id) == ("duplikat", original.pk)


def test_assign_change_category_hide_and_notes_each_leave_history(desk):
    report = make_report()
    other = Crew.objects.exclude(pk=report.crew_id).first()
    desk.post(f"/meja/laporan/{report.code}/petugas/", {"crew": other.pk, "version": report.version})
    report.refresh_from_db()
    assert report.crew == other
    drain = Category.objects.get(slug="saluran-tersumbat")
    desk.post(f"/meja/laporan/{report.code}/kategori/", {"category": drain.pk, "version": report.version})
    report.refresh_from_db()
    assert report.category == drain and report.crew != other  # the routing ran again
    answer = desk.post(f"/meja/laporan/{report.code}/sembunyikan/", {"reason": "", "version": report.version})
    assert answer.status_code == 400 and not Report.objects.get().hidden  # a reason is needed
    desk.post(f"/meja/laporan/{report.code}/sembunyikan/", {"reason": "Iklan.", "version": report.version})
    report.refresh_from_db()
    assert report.hidden and report.hidden_at
    assert AuditEntry.objects.get(action=Action.HIDE).details == {"reason": "Iklan."}
    assert "Disembunyikan dari publik" in desk.get(f"/meja/laporan/{report.code}/").content.decode()
    desk.post(f"/meja/laporan/{report.code}/catatan/", {"note": "Mohon kirim foto dari dekat.", "public": "1",
                                                        "version": report.version})
    notes = list(StatusChange.objects.filter(report=report).values_list("note", "public"))
    assert len(notes) == 5 and notes[-1] == ("Mohon kirim foto dari dekat.", True)  # filed, then four rows
    assert notes[-2] == ("Disembunyikan dari publik. Iklan.", False)  # the hiding's reason is internal


def test_show_contact_is_logged_and_rights_requests_are_audited(desk):
    report = make_report()
    page = desk.post(f"/meja/laporan/{report.code}/kontak/")
    assert REPORTER_PHONE in page.content.decode() and page["Cache-Control"].startswith("no-store")
    assert ContactAccess.objects.get().channel == "desk"
    desk.post(f"/meja/laporan/{report.code}/redaksi/", {"words": "pengujian"})
    assert "pengujian" not in Report.objects.get().description
    desk.post(f"/meja/laporan/{report.code}/hapus/")
    assert Report.objects.get().reporter_phone == ""
    assert AuditEntry.objects.filter(action=Action.CHANGE, details={"rights": "erase contact"}).count() == 1


def test_a_crew_member_cannot_reach_a_desk_action(crew_client):
    report = make_report()
    assert crew_client.post(f"/meja/laporan/{report.code}/kontak/").status_code == 403
    assert not ContactAccess.objects.exists()


def test_photos_waiting_for_review_are_counted(desk):
    make_report(with_photo=True)
    Photo.objects.update(published=False)
    assert counts.waiting()["foto"] == 1


TRACEBACK = ('Traceback (most recent call last):\n  File "forwarding/delivery.py", line 99, in deliver\n'
             "forwarding.http.Unavailable: POST https://mitra.example/v2/requests.json?api_key=rahasia-mitra: "
             "HTTP 503 (warga@example.com, +62 812-3456-7890)\n")


def failing_delivery(code_north=0.0009):
    """A report forwarded to a partner whose delivery failed three times, its next try in ten minutes; the
    partner paused, and LAPOR!'s breaker open."""
    link = Link.objects.create(kind="open311", name="Mitra PU", url="https://mitra.example/v2",
                               paused_since="2026-01-01T00:00Z", pause_reason="POST https://mitra.example/v2/"
                               "requests.json?api_key=rahasia-mitra: HTTP 401")
    forwarding = Forwarding.objects.create(report=make_report(north=code_north), link=link, code="pothole")
    job = delivery.deliver_later(forwarding)
    Job.objects.filter(pk=job.pk).update(attempts=3, last_error=TRACEBACK,
                                         run_at=timezone.now() + timedelta(minutes=10))
    Breaker.objects.create(destination="lapor", failures=5, opened_at=timezone.now(),
                           probe_at=timezone.now() + timedelta(seconds=60), last_error="HTTP 503")
    return forwarding


def test_a_dispatcher_sees_the_forwarding_problems_and_tries_a_delivery_now(client, django_user_model):
    forwarding = failing_delivery()
    dispatcher = verified_login(client, staff_user(django_user_model, "dewi", "dispatcher"))
    home = dispatcher.get("/meja/").content.decode()
    assert home.count('href="/meja/penerusan/"') == 2  # both forwarding counts lead there
    page = dispatcher.get("/meja/penerusan/")
    text = page.content.decode()
    failing = text[text.index('id="failing"'):]
    assert forwarding.report.code in failing and "Mitra PU" in failing and "3 kali dicoba" in failing
    assert "HTTP 503" in failing and "Coba sekarang" in failing
    assert "Mitra PU" in text[text.index('id="paused"'):text.index('id="breakers"')]
    assert "LAPOR!-SP4N" in text[text.index('id="breakers"'):text.index('id="failing"')]
    for secret in ["rahasia-mitra", "warga@example.com", "3456", REPORTER_PHONE, "Traceback"]:
        assert secret not in text
    answer = dispatcher.post(f"/meja/penerusan/{forwarding.pk}/coba/")
    assert answer.status_code == 302 and answer.url == "/meja/penerusan/"
    job = Job.objects.get(task=delivery.TASK)
    assert job.run_at <= timezone.now() and job.state == Job.State.QUEUED and job.attempts == 3
    assert AuditEntry.objects.filter(action=Action.CHANGE, object_id=str(forwarding.pk),
                                     details={"desk": "retry delivery now"}).count() == 1
    assert "dicoba lagi sekarang" in dispatcher.get("/meja/penerusan/").content.decode()


def test_a_delivery_no_longer_waiting_is_not_tried_again(desk):
    forwarding = failing_delivery()
    Job.objects.update(state=Job.State.DONE)
    answer = desk.post(f"/meja/penerusan/{forwarding.pk}/coba/", follow=True)
    assert "tidak menunggu lagi" in answer.content.decode()
    assert not AuditEntry.objects.filter(details={"desk": "retry delivery now"}).exists()
    assert "Tidak ada: setiap pengiriman berhasil." in desk.get("/meja/penerusan/").content.decode()


def test_an_error_is_shown_without_what_might_be_personal_or_secret():
    assert deliveries.plain_error(TRACEBACK) == ("forwarding.http.Unavailable: POST https://mitra.example/v2/"
                                                 "requests.json HTTP 503 (…, …)")
    assert deliveries.plain_error("") == ""
