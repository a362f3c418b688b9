"""Residents hear back (notify/): following a report, area alerts, feeds and "is it fixed?", by e-mail
(Django's locmem outbox), through the job queue."""

import re
from datetime import datetime, timedelta
from xml.etree import ElementTree
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from geo.models import Kelurahan
from jobs.models import Job
from notify import events, timing
from notify.feeds import ReportAtomFeed
from notify.models import FixAnswer, Notice, Subscription
from notify.tasks import ask_if_fixed
from reports import photos, workflow
from reports.models import Report, StatusChange
from tests.conftest import REPORTER_EMAIL, REPORTER_NAME, make_report, run_jobs, staff_user
from tests.images import GANTING_GPS, photo_bytes, upload

pytestmark = pytest.mark.django_db
WIB = timezone.get_fixed_timezone(7 * 60)


@pytest.fixture
def dispatcher(django_user_model):
    return staff_user(django_user_model, "dewi", "dispatcher")


def move(report, to, user, **extra):
    report.refresh_from_db()
    if to == "selesai":
        extra["photo"] = photos.process(upload(photo_bytes()), "fix")
    return workflow.change_status(report, to, user, version=report.version, **extra)


def fixed_report(dispatcher, **fields):
    report = make_report(**fields)
    for to in ("diverifikasi", "dikerjakan", "selesai"):
        move(report, to, dispatcher)
    return report


def links(message):
    return re.findall(r"http://testserver(/\S+)", message.body)


@pytest.fixture(autouse=True)
def site(settings):
    settings.SITE_URL = "http://testserver"


@time_machine.travel(datetime(2026, 6, 15, 10, 0, tzinfo=ZoneInfo("Asia/Jakarta")))  # by day: not held for the morning
def test_the_reporter_hears_of_changes_in_minutes_as_one_message_once_with_how_to_stop(dispatcher):
    report = make_report()
    move(report, "diverifikasi", dispatcher)
    move(report, "dikerjakan", dispatcher, note="Tim berangkat besok pagi.")
    [job] = Job.objects.filter(task="notify.deliver")  # the second change joined the first one's message
    assert timezone.now() + timedelta(seconds=170) <= job.run_at <= timezone.now() + timedelta(minutes=10)
    run_jobs()
    [message] = mail.outbox
    assert message.to == [REPORTER_EMAIL] and message.subject == f"{report.code}: 2 kabar dari Lapor Padangpanjang"
    assert f"{report.code} (Berlubang) sekarang: diverifikasi." in message.body
    assert "sekarang: dikerjakan. Regu perbaikan sedang mengerjakannya. Tim berangkat besok pagi." in message.body
    assert report.private_token in message.body  # the reporter's own link
    stop = Subscription.objects.get(report=report).stop_url()
    assert f"Untuk berhenti menerima pesan ini: http://testserver{stop}" in message.body
    assert message.extra_headers["List-Unsubscribe"] == f"<http://testserver{stop}>"
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    # Once per change: the same changes announced again send nothing more.
    for change in report.history.exclude(from_status=""):
        events.status_changed(Report, change)
    run_jobs()
    assert len(mail.outbox) == 1
    assert Notice.objects.filter(state="sent", kind="change").count() == 2


def test_an_internal_note_stays_with_the_staff(dispatcher):
    report = make_report()
    move(report, "diverifikasi", dispatcher, note="Pak RT bilang lubangnya dalam.", public=False)
    run_jobs()
    [message] = mail.outbox
    assert "sekarang: diverifikasi." in message.body and "Pak RT" not in message.body


def test_one_change_reads_as_before_and_no_email_no_subscription(dispatcher):
    report = make_report()
    move(report, "diverifikasi", dispatcher)
    run_jobs()
    assert [m.subject for m in mail.outbox] == [f"{report.code} sekarang: diverifikasi"]
    silent = make_report(slug="lampu-mati")
    Report.objects.filter(pk=silent.pk).update(reporter_email="")
    assert Subscription.objects.filter(report=silent).count() == 1  # made at filing, with the e-mail then given


@pytest.mark.parametrize(("moment", "expected"), [
    (datetime(2026, 3, 5, 14, 0, tzinfo=WIB), datetime(2026, 3, 5, 14, 3, tzinfo=WIB)),
    (datetime(2026, 3, 5, 20, 56, tzinfo=WIB), datetime(2026, 3, 5, 20, 59, tzinfo=WIB)),
    (datetime(2026, 3, 5, 20, 58, tzinfo=WIB), datetime(2026, 3, 6, 6, 0, tzinfo=WIB)),
    (datetime(2026, 3, 5, 23, 30, tzinfo=WIB), datetime(2026, 3, 6, 6, 0, tzinfo=WIB)),
    (datetime(2026, 3, 6, 2, 0, tzinfo=WIB), datetime(2026, 3, 6, 6, 0, tzinfo=WIB)),
    (datetime(2026, 3, 6, 5, 58, tzinfo=WIB), datetime(2026, 3, 6, 6, 1, tzinfo=WIB)),
])
def test_nothing_goes_at_night_but_what_was_asked_for(moment, expected):
    assert timing.send_at(moment) == expected
    assert timing.send_at(moment, asked=True) == moment


def test_a_change_at_night_waits_for_the_morning_and_a_confirmation_link_does_not(dispatcher):
    report = make_report()
    change = move(report, "diverifikasi", dispatcher)
    Job.objects.filter(task="notify.deliver").delete()
    Notice.objects.all().delete()
    night = datetime(2026, 3, 5, 22, 15, tzinfo=WIB)
    subscription = Subscription.objects.get(report=report)
    events.add(subscription, f"change:{change.pk}", Notice.Kind.CHANGE, night, report=report, change=change)
    job = Job.objects.get(task="notify.deliver")
    assert job.run_at == datetime(2026, 3, 6, 6, 0, tzinfo=WIB)
    events.add(subscription, "confirm:9", Notice.Kind.CONFIRM, night, asked=True)
    job.refresh_from_db()
    assert job.run_at == night  # the same message, sent now: the resident asked for it


def test_anyone_follows_by_email_once_confirmed_and_stops_with_one_click(client, dispatcher):
    report = make_report()
    page = client.get(report.get_absolute_url()).content.decode()
    assert 'id="follow"' in page and f"/laporan/{report.code}/langganan/" in page
    answer = client.post(f"/laporan/{report.code}/langganan/", {"channel": "email", "email": "Tetangga@Example.org",
                                                                "supports": "on"})
    assert answer.status_code == 302
    run_jobs()
    [confirmation] = mail.outbox
    assert confirmation.to == ["tetangga@example.org"]
    assert confirmation.subject == f"{report.code}: konfirmasikan pesan Anda"
    move(report, "diverifikasi", dispatcher)  # not confirmed yet: nothing for them
    run_jobs()
    assert [m.to for m in mail.outbox] == [["tetangga@example.org"], [REPORTER_EMAIL]]
    confirm = links(confirmation)[0]
    asked = client.get(confirm)  # a mail scanner opening the link changes nothing: the page has a button
    assert asked.status_code == 200 and 'method="post"' in asked.content.decode()
    assert not Subscription.objects.get(address="tetangga@example.org").active
    assert client.post(confirm).status_code == 200
    report.refresh_from_db()
    assert report.support_count == 1  # "I have this problem too", counted once confirmed
    client.post(confirm)
    report.refresh_from_db()
    assert report.support_count == 1
    move(report, "dikerjakan", dispatcher)
    run_jobs()
    [follower] = [m for m in mail.outbox[2:] if m.to == ["tetangga@example.org"]]
    assert report.private_token not in follower.body
    assert f"http://testserver/laporan/{report.code}/" in follower.body
    stop = [link for link in links(follower) if "/berhenti/" in link][0]
    assert "Hentikan pesan" in client.get(stop).content.decode()
    assert Subscription.objects.get(address="tetangga@example.org").active  # a GET stops nothing
    stopped = client.post(stop)
    assert stopped.status_code == 200 and "Tidak ada lagi pesan" in stopped.content.decode()
    assert stopped["Cache-Control"].startswith("no-store") or "no-store" in stopped["Cache-Control"]
    move(report, "selesai", dispatcher)
    run_jobs()
    assert mail.outbox[-1].to == [REPORTER_EMAIL]
    # A mail app's one-click stop (RFC 8058): a POST with no cookie or CSRF token.
    reporter_stop = Subscription.objects.get(report=report, role="reporter").stop_url()
    assert client.post(reporter_stop, {"List-Unsubscribe": "One-Click"}).status_code == 200
    assert Subscription.objects.active().filter(report=report).count() == 0


def test_follow_form_errors_are_shown_on_a_page_and_nothing_is_stored(client):
    report = make_report()
    answer = client.post(f"/laporan/{report.code}/langganan/", {"channel": "email", "email": "bukan-alamat"},
                         HTTP_ACCEPT_LANGUAGE="en")
    assert answer.status_code == 400 and "Enter a valid email address." in answer.content.decode()
    empty = client.post(f"/laporan/{report.code}/langganan/", {"channel": "email"})
    assert empty.status_code == 400 and "Isikan alamat e-mail" in empty.content.decode()
    whatsapp = client.post(f"/laporan/{report.code}/langganan/", {"channel": "whatsapp", "phone": "0812 1111 2222"})
    assert whatsapp.status_code == 400  # the phone gateway is off: only e-mail is offered
    assert Subscription.objects.exclude(role="reporter").count() == 0
    hidden = make_report(hidden=True)
    assert client.post(f"/laporan/{hidden.code}/langganan/", {"channel": "email", "email": "a@b.id"}).status_code == 404


def test_area_alerts_by_kelurahan_and_near_a_point_confirmed_first(client, settings):
    ganting = Kelurahan.objects.get(name="Ganting")
    page = client.get("/pemberitahuan/")
    assert page.status_code == 200 and "Ganting" in page.content.decode()
    client.post("/pemberitahuan/", {"kelurahan": ganting.code, "channel": "email", "email": "rt05@example.org"})
    client.post("/pemberitahuan/", {"lat": GANTING_GPS[0], "lon": GANTING_GPS[1], "channel": "email",
                                    "email": "dekat@example.org"}, HTTP_ACCEPT_LANGUAGE="en")
    outside = client.post("/pemberitahuan/", {"lat": -0.9, "lon": 100.35, "channel": "email", "email": "x@y.id"})
    assert outside.status_code == 400 and Subscription.objects.filter(role="area").count() == 2
    make_report()  # not confirmed yet: no alert
    run_jobs()
    confirmations = {m.to[0]: m for m in mail.outbox}
    assert sorted(confirmations) == ["dekat@example.org", "rt05@example.org"]
    assert "laporan baru di Kelurahan Ganting" in confirmations["rt05@example.org"].body
    assert "new reports within 500 m of the place you chose" in confirmations["dekat@example.org"].body
    for message in confirmations.values():
        client.post(links(message)[0])
    mail.outbox.clear()

    near = make_report()
    far = make_report(lat=-0.4840, lon=100.3950)
    run_jobs()
    alerts = {m.to[0]: m for m in mail.outbox}
    assert near.code in alerts["rt05@example.org"].body and near.code in alerts["dekat@example.org"].body
    assert far.code not in alerts["dekat@example.org"].body
    assert alerts["dekat@example.org"].subject == f"{near.code}: a new report near you"
    assert "To stop these messages:" in alerts["dekat@example.org"].body
    assert REPORTER_EMAIL not in alerts["rt05@example.org"].body
    assert REPORTER_NAME not in alerts["rt05@example.org"].body


def test_atom_feeds_of_the_city_and_a_kelurahan_show_public_reports_only(client):
    ganting = make_report()
    other = make_report(lat=-0.4840, lon=100.3950)
    hidden = make_report(hidden=True)
    city = client.get("/feed/laporan.atom")
    assert city.status_code == 200 and city["Content-Type"].startswith("application/atom+xml")
    feed = ElementTree.fromstring(city.content)
    atom = "{http://www.w3.org/2005/Atom}"
    titles = [entry.find(f"{atom}title").text for entry in feed.iter(f"{atom}entry")]
    assert any(ganting.code in t for t in titles) and any(other.code in t for t in titles)
    assert not any(hidden.code in t for t in titles)
    text = city.content.decode()
    assert REPORTER_EMAIL not in text and REPORTER_NAME not in text and "georss:point" in text
    kelurahan = client.get(f"/feed/kelurahan/{ganting.kelurahan.code}.atom").content.decode()
    assert ganting.code in kelurahan and (other.code in kelurahan) == (other.kelurahan_id == ganting.kelurahan_id)
    assert client.get("/feed/kelurahan/99.99.atom").status_code == 404


# Every C0 and C1 control character; PostgreSQL keeps all but NUL, which the generator test below adds.
CONTROLS = "".join(map(chr, [*range(0x01, 0x20), *range(0x7F, 0xA0)]))
XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
ATOM = "{http://www.w3.org/2005/Atom}"


def test_the_feeds_carry_every_control_character_as_plain_text_xml_can_parse(client):
    description = f"Lubang <b>besar</b> & dalam{CONTROLS}."
    address = f"Jl. Sutan Syahrir{CONTROLS} No. 5"
    report = make_report(description=description, address=address)
    for url in ("/feed/laporan.atom", f"/feed/kelurahan/{report.kelurahan.code}.atom"):
        response = client.get(url)
        assert response.status_code == 200
        feed = ElementTree.fromstring(response.content)
        assert feed.find(f"{ATOM}author/{ATOM}name").text == "Lapor Padangpanjang"
        [entry] = [e for e in feed.iter(f"{ATOM}entry") if report.code in e.find(f"{ATOM}title").text]
        summary = entry.find(f"{ATOM}summary")
        assert summary.get("type") == "text"
        # (an XML parser reads a carriage return as a line feed)
        assert summary.text == XML_FORBIDDEN.sub("", f"{address}. {description}").replace("\r", "\n")
        assert "\x7f\x80" in summary.text and "\x9f" in summary.text  # XML 1.0 allows these


def test_the_feed_generator_drops_what_xml_forbids_from_every_field():
    forbidden = "\x00\x01\x0b\x0c\x1f\ud800\udfff\ufffe\uffff"
    feed = ReportAtomFeed(title=f"Kota{forbidden}", link="http://testserver/", description="",
                          author_name=f"Lapor{forbidden}")
    feed.add_item(title=f"PP-1{forbidden}", link="http://testserver/laporan/PP-1/",
                  description=f"Lubang{forbidden}\tdalam\n", categories=[f"Jalan{forbidden}"])
    parsed = ElementTree.fromstring(feed.writeString("utf-8"))
    entry = parsed.find(f"{ATOM}entry")
    assert parsed.find(f"{ATOM}title").text == "Kota" and parsed.find(f"{ATOM}author/{ATOM}name").text == "Lapor"
    assert entry.find(f"{ATOM}title").text == "PP-1"
    assert entry.find(f"{ATOM}summary").text == "Lubang\tdalam\n"
    assert entry.find(f"{ATOM}category").get("term") == "Jalan"


def test_is_it_fixed_asks_the_reporter_and_supporters_then_a_no_reopens_with_note_and_photo(client, dispatcher,
                                                                                           settings):
    settings.FIX_QUESTION_DAYS = 14
    report = fixed_report(dispatcher)
    Subscription.objects.create(role="supporter", report=report, channel="email", address="s@example.org",
                                confirmed_at=timezone.now(), language="en")
    Subscription.objects.create(role="follower", report=report, channel="email", address="f@example.org",
                                confirmed_at=timezone.now())
    run_jobs()
    mail.outbox.clear()
    fix = report.history.get(to_status="selesai")
    ask_if_fixed(now=fix.created + timedelta(days=13))
    assert not Notice.objects.filter(kind="ask").exists()  # not yet
    ask_if_fixed(now=fix.created + timedelta(days=14, hours=1))
    ask_if_fixed(now=fix.created + timedelta(days=15, hours=1))  # asked once per fix
    run_jobs()
    asked = {m.to[0]: m for m in mail.outbox}
    mail.outbox.clear()
    assert sorted(asked) == ["s@example.org", REPORTER_EMAIL]
    assert "Tell us here" in asked["s@example.org"].body and "rate" not in asked["s@example.org"].body
    assert asked["s@example.org"].subject == f"{report.code}: is it really fixed?"
    assert asked[REPORTER_EMAIL].subject == f"{report.code}: benarkah sudah diperbaiki?"
    answer_link = [link for link in links(asked[REPORTER_EMAIL]) if "/diperbaiki/" in link][0]
    form = client.get(answer_link)
    assert form.status_code == 200 and "Sudah benar-benar diperbaiki?" in form.content.decode()
    assert 'name="photo_shows_people"' in form.content.decode()  # the report form's choice, with its words
    assert "Foto ini memperlihatkan orang atau kendaraan" in form.content.decode()

    refused = client.post(answer_link, {"comment": "Tanpa jawaban."})
    assert refused.status_code == 400 and Report.objects.get(pk=report.pk).status == "selesai"
    answer = client.post(answer_link, {"fixed": "no", "comment": "Lubangnya muncul lagi.",
                                       "photo": upload(photo_bytes(), name="lagi.jpg"), "photo_shows_people": "on"})
    assert answer.status_code == 302
    report.refresh_from_db()
    assert report.status == "diverifikasi"
    reopened = report.history.last()
    assert (reopened.from_status, reopened.to_status, reopened.by) == ("selesai", "diverifikasi", None)
    assert "Lubangnya muncul lagi." in reopened.note and reopened.photo.kind == "resident"
    assert FixAnswer.objects.get().rating is None  # the 1-5 rating is asked no more (the survey replaced it)
    # The photo waits for a dispatcher's review, as any resident's photo may: not on the public page.
    assert not reopened.photo.published and "samarkan" in reopened.note
    assert reopened.photo.thumbnail.url not in client.get(report.get_absolute_url()).content.decode()
    again = client.post(answer_link, {"fixed": "yes"})
    assert again.status_code == 302 and FixAnswer.objects.count() == 1
    supporter_link = [link for link in links(asked["s@example.org"]) if "/diperbaiki/" in link][0]
    client.post(supporter_link, {"fixed": "yes"})
    assert Report.objects.get(pk=report.pk).status == "diverifikasi"  # already reopened; "yes" changes nothing

    stats = client.get("/statistik/ikm/").content.decode()  # the answers counted, with the old ratings' table
    assert "Rating lama" in stats and f"<td>{report.crew.name}</td><td>2</td><td>1</td><td>–</td>" in stats
    # The follower was not asked, and everyone following hears of the reopening but the reporter who answered "no":
    # their own words are not news to them.
    run_jobs()
    told = sorted(m.to[0] for m in mail.outbox)
    assert told == ["f@example.org", "s@example.org"]
    assert Notice.objects.get(subscription__role="reporter", change=reopened).state == "dropped"


def test_a_link_of_a_subscription_never_asked_goes_to_the_report(client):
    report = make_report()
    subscription = Subscription.objects.get(report=report)
    assert client.get(subscription.fixed_url()).url == report.get_absolute_url()
    assert client.get("/pemberitahuan/tidak-ada/diperbaiki/").status_code == 404


def test_a_mail_server_that_refuses_leaves_the_notices_pending_and_the_job_retried(settings, dispatcher, caplog):
    report = make_report()
    smtp = settings.EMAIL_BACKEND
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 1  # nothing listens there
    move(report, "diverifikasi", dispatcher)
    run_jobs()
    job = Job.objects.get(task="notify.deliver")
    assert (job.state, job.attempts) == ("queued", 1) and Notice.objects.get(kind="change").state == "pending"
    [failed] = [r for r in caplog.records if getattr(r, "event", "") == "message_failed"]
    assert REPORTER_EMAIL not in failed.getMessage() and failed.channel == "email"
    settings.EMAIL_BACKEND = smtp
    run_jobs()
    job.refresh_from_db()
    assert job.state == "done" and mail.outbox[0].to == [REPORTER_EMAIL]
    assert StatusChange.objects.filter(report=report).count() == 2
