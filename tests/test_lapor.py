"""LAPOR!-SP4N both ways (forwarding/, docs/lapor.md), against a fake LAPOR! on 127.0.0.1 that checks every
request against the contract and fails on demand."""

import json
import uuid
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from forwarding import delivery, inbound
from forwarding.models import Disposition, Forwarding, Link, Route
from jobs import queue
from jobs.models import Job
from reports import photos, signals, workflow
from reports.calendar import add_working_days
from reports.filing import file_report
from reports.models import Category, Photo, Report, Status
from tests.conftest import REPORTER_EMAIL, REPORTER_NAME, REPORTER_PHONE, make_report, run_jobs, staff_user
from tests.fake_lapor import TOKEN, FakeLapor
from tests.images import GANTING_GPS, photo_bytes, upload
from tests.localserver import LocalServer
from tests.nominatim import FakeNominatim

pytestmark = pytest.mark.django_db

# "Now" for these tests and the intake's (tests/test_intake_bounds.py): a Monday morning in Padangpanjang, when the
# fake LAPOR!'s own clock stands (tests/fake_lapor.py). The clock moves on from it, so timeouts still run out.
NOW = datetime(2026, 11, 30, 10, 0, tzinfo=ZoneInfo("Asia/Jakarta"))


@pytest.fixture(autouse=True)
def fixed_now():
    """Due dates, tracking codes and import dates are worked out from the day: the same day whenever tests run."""
    with time_machine.travel(NOW):
        yield


@pytest.fixture
def lapor(settings):
    server = FakeLapor()
    settings.LAPOR_URL, settings.LAPOR_TOKEN, settings.FORWARDING_TIMEOUT_S = server.url, TOKEN, 1
    settings.SITE_URL, settings.OUTSIDE_URLS_ALLOW_PRIVATE = "https://lapor.padangpanjang.go.id", True
    Route.objects.create(category=Category.objects.get(slug="jalan"), link=delivery.lapor_link(), code="T-JALAN")
    yield server
    server.close()


@pytest.fixture
def dispatcher(django_user_model):
    return staff_user(django_user_model, "dewi", "dispatcher")


def verify(report, user, **kwargs):
    report.refresh_from_db()
    return workflow.change_status(report, Status.DIVERIFIKASI, user, version=report.version, **kwargs)


def move(report, to, user, **kwargs):
    report.refresh_from_db()
    return workflow.change_status(report, to, user, version=report.version, **kwargs)


def test_a_verified_report_goes_to_lapor_once_without_phone_or_email(lapor, dispatcher, client):
    report = make_report(with_photo=True)
    run_jobs()
    assert lapor.received == 0  # filed, not yet verified
    verify(report, dispatcher)
    run_jobs()
    run_jobs()
    assert lapor.violations == [] and lapor.received == 1
    sent = lapor.complaints[report.code]
    assert sent["topic_id"] == "T-JALAN" and sent["anonymous"] is True and sent["reporter_name"] == ""
    assert sent["created_at"].endswith("+07:00") and sent["kelurahan_code"] == report.kelurahan.code
    assert sent["attachments"][0].startswith("https://lapor.padangpanjang.go.id/media/photos/")
    text = json.dumps(sent)
    assert REPORTER_PHONE not in text and REPORTER_EMAIL not in text and REPORTER_NAME not in text
    forwarding = Forwarding.objects.get(report=report)
    assert forwarding.external_id == sent["tracking_id"] and forwarding.received is not None
    page = client.get(report.get_absolute_url()).content.decode()
    assert "Tracking ID LAPOR!" in page or "ID Pelacakan LAPOR!" in page
    assert sent["tracking_id"] in page


def test_the_name_goes_only_when_the_reporter_shows_it(lapor, dispatcher):
    report = make_report(show_name=True)
    verify(report, dispatcher)
    run_jobs()
    assert lapor.complaints[report.code]["reporter_name"] == REPORTER_NAME
    assert lapor.complaints[report.code]["anonymous"] is False


def test_nothing_leaves_while_lapor_url_is_empty(lapor, dispatcher, settings):
    settings.LAPOR_URL = ""
    verify(make_report(), dispatcher)
    run_jobs()
    assert lapor.requests == [] and not Forwarding.objects.exists()


def test_a_category_can_be_forwarded_at_filing(lapor):
    Route.objects.filter(link__kind="lapor").update(when=Route.When.FILED)
    report = make_report()
    run_jobs()
    assert report.code in lapor.complaints


def test_a_repeated_complaint_counts_as_sent_with_lapors_tracking_id(lapor, dispatcher):
    """A worker killed after LAPOR! took the complaint sends it again: LAPOR!'s 409 gives the same tracking ID."""
    report = make_report()
    lapor.complaints[report.code] = {"tracking_id": "LAPOR-77777"}
    verify(report, dispatcher)
    run_jobs()
    assert Forwarding.objects.get(report=report).external_id == "LAPOR-77777"
    assert lapor.violations == []


def test_every_status_change_follows_in_order_with_its_public_note_and_proof_photo(
        lapor, dispatcher, django_user_model):
    report = make_report()
    crew = staff_user(django_user_model, "andi", "crew", report.crew.name)
    verify(report, dispatcher, note="Diteruskan ke tim jalan.")
    run_jobs()
    move(report, Status.DIKERJAKAN, crew, note="Aspal habis, menunggu kiriman.")  # a crew's note: internal
    move(report, Status.SELESAI, crew, note="Lubang sudah ditambal.", public=True,
         photo=photos.process(upload(photo_bytes()), "fix"))
    move(report, Status.DITUTUP, dispatcher, note="Selesai.")
    run_jobs()
    tracking_id = lapor.complaints[report.code]["tracking_id"]
    assert [(t, body["status"], body["note"]) for t, body in lapor.follow_ups] == [
        (tracking_id, "dikerjakan", ""), (tracking_id, "selesai", "Lubang sudah ditambal."),
        (tracking_id, "ditutup", "Selesai.")]
    proof = lapor.follow_ups[1][1]["attachments"]
    assert len(proof) == 1 and proof[0].startswith("https://lapor.padangpanjang.go.id/media/photos/")
    photo = report.photos.get(kind="completion")
    photos.blur(photo, dispatcher)  # a face in the photo: sent again under its new URL
    run_jobs()
    assert lapor.follow_ups[-1][1]["status"] == "selesai"
    assert lapor.follow_ups[-1][1]["attachments"] == [delivery.photo_url(photo)] != proof
    assert lapor.violations == [] and len(lapor.follow_ups) == 4


def test_a_failure_halfway_keeps_what_went_out_and_sends_nothing_twice(lapor, dispatcher, django_user_model):
    report = make_report()
    crew = staff_user(django_user_model, "andi", "crew", report.crew.name)
    lapor.fail = 500
    verify(report, dispatcher)
    move(report, Status.DIKERJAKAN, crew)
    move(report, Status.DIVERIFIKASI, crew)
    run_jobs()
    lapor.fail, lapor.accept = None, 2  # the complaint and the first follow-up go, then LAPOR! fails
    run_jobs()
    assert lapor.received == 1 and [body["status"] for _, body in lapor.follow_ups] == ["dikerjakan"]
    lapor.accept = None
    run_jobs()
    run_jobs()
    assert lapor.received == 1 and [body["status"] for _, body in lapor.follow_ups] == ["dikerjakan", "diverifikasi"]


def test_only_public_notes_reach_the_public_page_and_open311(lapor, dispatcher, client, django_user_model):
    report = make_report()
    crew = staff_user(django_user_model, "andi", "crew", report.crew.name)
    verify(report, dispatcher, note="Catatan untuk umum.")
    move(report, Status.DIKERJAKAN, crew, note="Catatan internal tim.")
    page = client.get(report.get_absolute_url()).content.decode()
    assert "Catatan untuk umum." in page and "Catatan internal tim." not in page
    found = client.get(f"/open311/v2/requests/{report.code}.json").json()
    assert found[0]["status_notes"] == "Catatan untuk umum."


@pytest.mark.parametrize("failure", [500, 503, "garbage", "hangup", "slow"])
def test_lapor_down_slow_or_garbled_is_retried_within_30_s_and_sent_once(lapor, dispatcher, failure):
    report = make_report()
    lapor.fail = failure
    verify(report, dispatcher)
    run_jobs()
    job = Job.objects.get(task="forwarding.deliver", state="queued")
    assert job.attempts == 1 and job.run_at <= timezone.now() + timedelta(seconds=30) and job.last_error
    assert not Forwarding.objects.get(report=report).external_id
    lapor.fail = None
    lapor.release.clear()
    run_jobs()
    run_jobs()
    assert lapor.received == 1 and Forwarding.objects.get(report=report).external_id
    assert Job.objects.get(pk=job.pk).state == "done"


def test_when_lapor_answers_again_the_deliveries_waiting_go_at_once(lapor, dispatcher):
    first, second = make_report(), make_report()
    lapor.fail = 500
    verify(first, dispatcher)
    run_jobs()
    waiting = Job.objects.get(task="forwarding.deliver", state="queued")
    assert waiting.run_at > timezone.now()
    lapor.fail = None
    verify(second, dispatcher)
    while queue.run_one():
        pass
    assert set(lapor.complaints) == {first.code, second.code}


def test_a_401_pauses_lapor_until_its_token_works_again(lapor, dispatcher, client, admin_client, settings):
    settings.LAPOR_TOKEN = "old-token"
    report = make_report()
    verify(report, dispatcher)
    run_jobs()
    link = Link.objects.get(kind="lapor")
    assert link.paused_since is not None and "401" in link.pause_reason
    assert client.get("/healthz").json()["degraded"] == ["forwarding"]
    assert "forwarding-paused" in admin_client.get("/admin/").content.decode()
    verify(make_report(), dispatcher)
    run_jobs()
    assert lapor.received == 0 and lapor.requests[-1][1] == "/complaints" and len(lapor.requests) == 1
    settings.LAPOR_TOKEN = TOKEN  # fixed, the worker restarted with it
    Job.objects.create(task="forwarding.check_links")
    run_jobs()
    run_jobs()
    assert Link.objects.get(kind="lapor").paused_since is None and lapor.received == 2
    assert client.get("/healthz").json()["degraded"] == []
    assert "forwarding-paused" not in admin_client.get("/admin/").content.decode()


def test_lapors_clock_is_shown_to_staff_and_brings_the_due_date_forward(lapor, dispatcher):
    report = make_report()
    assert report.due_date == add_working_days(NOW.date(), 10)  # the road category's own time
    verify(report, dispatcher)
    run_jobs()
    report.refresh_from_db()
    follow_up_by = add_working_days(NOW.date(), 5)
    assert report.due_date == follow_up_by
    assert Report.objects.overdue(today=follow_up_by + timedelta(days=1)).filter(pk=report.pk).exists()
    client = staff_client(dispatcher)
    page = client.get(f"/petugas/laporan/{report.code}/").content.decode()
    assert "LAPOR!" in page and lapor.complaints[report.code]["tracking_id"] in page


def staff_client(user):
    from django.test import Client

    from tests.conftest import verified_login

    user.is_staff = True
    user.save()
    return verified_login(Client(), user)


# Inbound: complaints LAPOR! hands the city.

# When the complaints were filed in LAPOR!: nine days before NOW, well within IMPORT_MAX_AGE_DAYS.
CREATED_AT = (NOW - timedelta(days=9)).replace(hour=9, minute=30).isoformat()


def disposition(tracking_id, lat=GANTING_GPS[0], lon=GANTING_GPS[1], **fields):
    return {"tracking_id": tracking_id, "title": "Jalan rusak", "content": "Lubang besar di depan sekolah.",
            "topic_id": "T-JALAN", "lat": lat, "lon": lon, "location_text": "", "attachments": [],
            "created_at": CREATED_AT, **fields}


@pytest.fixture
def geocoder(settings):
    server = FakeNominatim()
    settings.GEOCODER_URL, settings.GEOCODER_TIMEOUT_S = server.url, 1
    yield server
    server.close()


def test_complaints_handed_over_become_reports_once(lapor, geocoder):
    lapor.files["/files/a.jpg"] = photo_bytes()
    lapor.dispositions = [
        [disposition("LP-1", attachments=[f"{lapor.url}/files/a.jpg"]),
         disposition("LP-2", lat=None, lon=None, location_text="Masjid Ganting")],
        [disposition("LP-3", topic_id="T-TIDAK-ADA")],
    ]
    assert inbound.pull() == 3
    run_jobs()
    first = Forwarding.objects.get(external_id="LP-1").report
    assert first.created == datetime.fromisoformat(CREATED_AT)
    assert first.photos.count() == 1 and first.category.slug == "jalan-berlubang"
    assert Forwarding.objects.get(external_id="LP-2").report.location.y == pytest.approx(-0.4607)
    unmapped = Disposition.objects.get(tracking_id="LP-3")  # no category guessed: a dispatcher chooses
    assert unmapped.state == Disposition.State.NEEDS_LOCATION and unmapped.report is None
    since = datetime.fromisoformat(lapor.requests[0][2]["since"][0])
    assert timezone.now() - since > timedelta(days=7, minutes=14)
    # The next pull: since = LAPOR!'s clock at the last one, less 15 minutes; what comes again is skipped.
    assert inbound.pull() == 0
    run_jobs()
    last = [request for request in lapor.requests if request[1] == "/dispositions"][-2]
    assert datetime.fromisoformat(last[2]["since"][0]) == lapor.clock - timedelta(minutes=15)
    assert Report.objects.count() == 2 and lapor.violations == []
    assert Forwarding.objects.filter(inbound=True).count() == 2


def test_a_status_change_of_a_handed_over_complaint_goes_back_to_lapor(lapor, dispatcher):
    lapor.dispositions = [[disposition("LP-9")]]
    inbound.pull()
    run_jobs()
    report = Forwarding.objects.get(external_id="LP-9").report
    verify(report, dispatcher, note="Sudah dicek.")
    run_jobs()
    assert lapor.received == 0 and lapor.follow_ups == [("LP-9", lapor.follow_ups[0][1])]
    assert lapor.follow_ups[0][1]["note"] == "Sudah dicek."


def test_next_is_followed_only_on_lapors_host(lapor):
    elsewhere = FakeLapor()
    lapor.dispositions = [[disposition("LP-1")]]
    original = lapor.route

    def route_elsewhere(request, url):
        if url.path == "/dispositions":
            return lapor.answer(request, 200, {"items": [disposition("LP-1")], "next": f"{elsewhere.url}/steal"})
        return original(request, url)

    lapor.route = route_elsewhere
    Job.objects.filter(task="forwarding.lapor_pull").delete()
    queue.enqueue("forwarding.lapor_pull")
    run_jobs()
    assert elsewhere.requests == [] and not Disposition.objects.exists()
    assert Job.objects.get(task="forwarding.lapor_pull", state="queued").attempts == 1
    elsewhere.close()


class Elsewhere(LocalServer):
    """Another host (127.0.0.2) that answers anything with a page of complaints; `authorization` keeps the header
    of each request that reached it."""

    def __init__(self):
        self.authorization = []
        super().__init__(host="127.0.0.2")

    def handle(self, request):
        self.authorization.append(request.headers.get("Authorization", ""))
        page = {"items": [disposition("LP-ASING")], "next": None}
        self.reply(request, 200, json.dumps(page).encode(), "application/json")


@pytest.fixture
def elsewhere(lapor):
    server = Elsewhere()
    original = lapor.route

    def redirect_elsewhere(request, url):
        if url.path in ("/dispositions", "/complaints"):
            return lapor.reply(request, 307, headers=[("Location", f"{server.url}{url.path}")])
        return original(request, url)

    lapor.route = redirect_elsewhere
    yield server
    server.close()


def test_a_redirect_to_another_host_gets_no_token_and_is_not_taken_as_lapors_answer(lapor, elsewhere):
    """A redirect cannot get round the `next` check: the token stays home, and what another host says is not
    LAPOR!'s word (the pull fails and is tried again; LAPOR! is not paused)."""
    Job.objects.filter(task="forwarding.lapor_pull").delete()
    queue.enqueue("forwarding.lapor_pull")
    run_jobs()
    assert elsewhere.authorization == [""]
    assert not Disposition.objects.exists() and Link.objects.get(kind="lapor").paused_since is None
    job = Job.objects.get(task="forwarding.lapor_pull", state="queued")
    assert job.attempts == 1 and "another host" in job.last_error


def test_a_complaint_is_never_posted_on_to_another_host(lapor, elsewhere, dispatcher):
    report = make_report()
    verify(report, dispatcher)
    run_jobs()
    assert elsewhere.authorization == []  # the body (and the token) would have gone there: not followed
    job = Job.objects.get(task="forwarding.deliver", state="queued")
    assert "body to another host" in job.last_error and not Forwarding.objects.get(report=report).external_id


def test_a_complaint_without_a_place_waits_for_a_dispatchers_pin(lapor, geocoder, dispatcher):
    geocoder.address = None
    lapor.dispositions = [[disposition("LP-5", lat=None, lon=None, location_text="")]]
    inbound.pull()
    run_jobs()
    waiting = Disposition.objects.get(tracking_id="LP-5")
    assert waiting.state == Disposition.State.NEEDS_LOCATION and not Report.objects.exists()
    desk = staff_client(dispatcher)
    assert waiting.tracking_id in desk.get("/meja/lokasi/").content.decode()  # the staff desk's inbox
    pothole = Category.objects.get(slug="jalan-berlubang").pk
    outside = desk.post(f"/meja/lokasi/{waiting.pk}/", {"category": pothole, "lat": -1.0, "lon": 101.5})
    assert outside.status_code == 400 and not Report.objects.exists()
    desk.post(f"/meja/lokasi/{waiting.pk}/", {"category": pothole, "lat": GANTING_GPS[0], "lon": GANTING_GPS[1]})
    waiting.refresh_from_db()
    assert waiting.state == Disposition.State.IMPORTED and waiting.report.description.startswith("Jalan rusak")
    assert Forwarding.objects.get(external_id="LP-5").report == waiting.report


def test_a_pull_refused_with_401_pauses_lapor(lapor, settings):
    settings.LAPOR_TOKEN = "salah"
    assert inbound.pull() == 0
    assert Link.objects.get(kind="lapor").paused_since is not None


def test_administrators_alone_read_forwardings_and_complaints_in_the_admin(admin_client, dispatcher):
    """A complaint is placed on the staff desk (/meja/lokasi/), not in the admin."""
    for path in ("/admin/forwarding/forwarding/", "/admin/forwarding/disposition/", "/admin/forwarding/link/"):
        assert admin_client.get(path).status_code == 200
    assert staff_client(dispatcher).get("/admin/forwarding/disposition/")["Location"].startswith("/admin/login/")


def test_the_clock_counts_working_days_from_receipt_forwarding_and_follow_up(lapor):
    from forwarding import clock

    forwarding = Forwarding(link=delivery.lapor_link(), received=datetime.fromisoformat("2026-12-04T10:00:00+07:00"),
                            created=datetime.fromisoformat("2026-12-04T10:00:00+07:00"),
                            first_follow_up=datetime.fromisoformat("2026-12-07T10:00:00+07:00"))
    due = clock.deadlines(forwarding)
    assert due["verify"] == add_working_days(date(2026, 12, 4), 3)
    assert due["follow_up"] == add_working_days(date(2026, 12, 4), 5)
    assert due["close"] == add_working_days(date(2026, 12, 7), 10)


def test_a_photo_waiting_for_review_goes_to_lapor_only_once_published(lapor, desk, django_user_model):
    """privacy/: a photo the resident said shows people is in no copy, LAPOR!'s either, until a dispatcher
    publishes it (blurred or not)."""
    report = make_report()
    verify(report, django_user_model.objects.get(username="dewi"))  # the desk's dispatcher
    run_jobs()
    photo = Photo.objects.create(report=report, position=0, width=1, height=1, published=False,
                                 image="photos/wajah.jpg", thumbnail="photos/wajah-kecil.jpg")
    assert lapor.complaints[report.code]["attachments"] == []
    signals.photo_replaced.send(Photo, photo=photo)  # what a blur announces
    run_jobs()
    assert lapor.follow_ups == []
    desk.post("/admin/reports/photo/", {"action": "publish", "_selected_action": [photo.pk]})
    run_jobs()
    assert [body["attachments"] for _, body in lapor.follow_ups] == [[delivery.photo_url(photo)]]
    assert lapor.violations == []


# City services (issue 31): the one topic → category table both ways, the office from the category, no place
# where the category asks none, and a topic without a category for a dispatcher, never a road crew.

SERVICE_TOPICS = {"administrasi-kependudukan": "T-KEPENDUDUKAN", "layanan-kesehatan": "T-KESEHATAN"}


@pytest.fixture
def service_topics(lapor):
    for slug, topic in SERVICE_TOPICS.items():
        Route.objects.create(category=Category.objects.get(slug=slug), link=delivery.lapor_link(), code=topic)


def service_complaint(slug="ktp-el", **fields):
    """A resident's service complaint, filed as the form files it: here without a place."""
    report, _ = file_report(client_uuid=uuid.uuid4(), category=Category.objects.get(slug=slug),
                            description="KTP-el saya belum jadi setelah enam minggu.", photos=[],
                            name=REPORTER_NAME, phone=REPORTER_PHONE, email=REPORTER_EMAIL, **fields)
    return report


def test_a_service_complaint_without_a_place_goes_to_lapor_under_its_topic_confidential_and_comes_back(
        lapor, service_topics, dispatcher):
    report = service_complaint()
    assert report.location is None and report.private and report.office.slug == "disdukcapil"
    verify(report, dispatcher, note="Diteruskan ke Disdukcapil.")
    run_jobs()
    assert lapor.violations == [] and lapor.received == 1
    sent = lapor.complaints[report.code]
    assert sent["topic_id"] == "T-KEPENDUDUKAN"  # its main category's topic in the table
    assert (sent["lat"], sent["lon"], sent["kelurahan_code"]) == (None, None, "")
    assert sent["confidential"] is True and sent["anonymous"] is True and sent["reporter_name"] == ""
    text = json.dumps(sent)
    assert REPORTER_PHONE not in text and REPORTER_EMAIL not in text and REPORTER_NAME not in text
    assert "/laporan/" not in text  # no public page of it is named
    forwarding = Forwarding.objects.get(report=report)
    assert forwarding.external_id == sent["tracking_id"] and forwarding.code == "T-KEPENDUDUKAN"
    move(report, Status.DIKERJAKAN, dispatcher, note="Sedang dicetak.")
    run_jobs()
    assert [(t, body["status"], body["note"]) for t, body in lapor.follow_ups] == [
        (sent["tracking_id"], "dikerjakan", "Sedang dicetak.")]
    # LAPOR! hands the city the complaint it holds from us: it is ours already, not a second report.
    lapor.dispositions = [[disposition(sent["tracking_id"], lat=None, lon=None, topic_id="T-KEPENDUDUKAN")]]
    assert inbound.pull() == 0
    run_jobs()
    assert Report.objects.count() == 1 and not Disposition.objects.exists() and lapor.violations == []


def test_a_public_complaint_is_not_confidential_and_its_place_goes_with_it(lapor, dispatcher):
    report = make_report()
    verify(report, dispatcher)
    run_jobs()
    sent = lapor.complaints[report.code]
    assert sent["confidential"] is False and sent["lat"] == pytest.approx(GANTING_GPS[0])


def test_the_default_topic_is_for_infrastructure_a_service_needs_its_own(lapor, dispatcher, settings):
    """LAPOR_DEFAULT_TOPIC covers a road, drain or light without a topic of its own; a service under it would
    come back from LAPOR! as infrastructure: it waits for its topic in the table instead."""
    settings.LAPOR_DEFAULT_TOPIC = "T-UMUM"
    drain, service = make_report("saluran-tersumbat"), service_complaint("izin-usaha")
    verify(drain, dispatcher)
    verify(service, dispatcher)
    run_jobs()
    assert lapor.complaints[drain.code]["topic_id"] == "T-UMUM"
    assert service.code not in lapor.complaints and not Forwarding.objects.filter(report=service).exists()


def test_service_dispositions_are_filed_in_their_topics_category_routed_to_its_office(
        lapor, service_topics, geocoder, dispatcher):
    lapor.dispositions = [[
        disposition("LP-20", lat=None, lon=None, topic_id="T-KEPENDUDUKAN", title="KTP belum jadi",
                    content="Sudah dua bulan.", location_text="Kantor Disdukcapil, Jalan Sudirman"),
        disposition("LP-21", topic_id="T-KESEHATAN", title="Antrean puskesmas", content="Ditolak berobat."),
        disposition("LP-22", lat=None, lon=None, topic_id="T-KESEHATAN", location_text="Puskesmas Gunung"),
    ]]
    assert inbound.pull() == 3
    run_jobs()
    searched = [path for path, _ in geocoder.requests if path != "/reverse"]  # a pin's street is asked for
    assert searched == []  # a service's place as written is never geocoded into a point
    ktp = Forwarding.objects.get(external_id="LP-20").report
    assert ktp.category.slug == "ktp-el" and ktp.office.slug == "disdukcapil"
    assert ktp.location is None and ktp.kelurahan is None and ktp.crew is None and ktp.private
    assert ktp.address == "Kantor Disdukcapil, Jalan Sudirman" and ktp.description.startswith("KTP belum jadi")
    pinned = Forwarding.objects.get(external_id="LP-21").report  # a health service asks for a place: kept
    assert pinned.category.slug == "pelayanan-puskesmas" and pinned.office.slug == "dinas-kesehatan"
    assert pinned.kelurahan.name == "Ganting" and pinned.crew is None
    unpinned = Forwarding.objects.get(external_id="LP-22").report
    assert unpinned.location is None and unpinned.office.slug == "dinas-kesehatan"
    assert not Disposition.objects.exclude(state=Disposition.State.IMPORTED).exists()
    verify(ktp, dispatcher, note="Diterima Disdukcapil.")  # its status goes back to LAPOR!
    run_jobs()
    assert [(t, body["status"]) for t, body in lapor.follow_ups] == [("LP-20", "diverifikasi")]
    assert lapor.violations == []


def test_a_topic_without_a_category_waits_for_a_dispatcher_never_a_road_crew(lapor, geocoder, dispatcher):
    """The defect of issue 31: "Drainase tersumbat" under a topic no category had became a pothole for a road
    crew (LAPOR_DEFAULT_CATEGORY). Now it waits in the staff desk's inbox, saying why, until a dispatcher
    chooses; a service chosen there is filed without a pin."""
    lapor.dispositions = [[
        disposition("LP-30", topic_id="T-DRAINASE", title="Drainase tersumbat", content="Air meluap ke jalan."),
        disposition("LP-31", lat=None, lon=None, topic_id="", title="KK belum selesai", location_text="Ganting"),
    ]]
    assert inbound.pull() == 2
    run_jobs()
    assert not Report.objects.exists() and geocoder.requests == []
    drain, nameless = Disposition.objects.get(tracking_id="LP-30"), Disposition.objects.get(tracking_id="LP-31")
    assert drain.state == nameless.state == Disposition.State.NEEDS_LOCATION
    assert "T-DRAINASE" in drain.problem and "kategori" in drain.problem and "topik" in nameless.problem
    desk = staff_client(dispatcher)
    page = desk.get(f"/meja/lokasi/?keluhan={drain.pk}").content.decode()
    assert "T-DRAINASE" in page and 'id="problem"' in page and 'id="suggestion"' not in page
    clogged = Category.objects.get(slug="saluran-tersumbat")
    refused = desk.post(f"/meja/lokasi/{drain.pk}/", {"category": clogged.pk})  # a drain needs its pin
    assert refused.status_code == 400 and not Report.objects.exists()
    desk.post(f"/meja/lokasi/{drain.pk}/", {"category": clogged.pk, "lat": GANTING_GPS[0], "lon": GANTING_GPS[1]})
    drain.refresh_from_db()
    assert drain.report.category == clogged and drain.report.crew.name.startswith("Tim Drainase")
    family_card = Category.objects.get(slug="kartu-keluarga")
    assert desk.post(f"/meja/lokasi/{nameless.pk}/", {"category": family_card.pk}).status_code == 302
    nameless.refresh_from_db()
    assert nameless.state == Disposition.State.IMPORTED and nameless.report.location is None
    assert nameless.report.office.slug == "disdukcapil" and nameless.report.crew is None
    assert Forwarding.objects.get(external_id="LP-31").report == nameless.report
