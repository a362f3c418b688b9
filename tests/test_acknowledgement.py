"""Residents hear back from the first minute (issue 27, part A): the acknowledgement at filing, received by a real
mail server; a phone's acknowledgement is its confirmation request; "Kirim ulang tautan saya"; the phone asked
only with a phone gateway on; what the messages say."""

import re
import uuid
from datetime import datetime

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.utils import formats, timezone, translation

from geo.models import Kelurahan
from jobs import queue
from notify import compose, links, subscriptions
from notify.models import Channel, Notice, Subscription
from reports.filing import file_report
from reports.models import Category, Report, Status
from tests.conftest import REPORTER_EMAIL, make_report, run_jobs, staff_user
from tests.images import GANTING_GPS
from tests.smtpsink import SmtpSink
from tests.test_notify import fixed_report
from tests.test_reports_api import EMAIL, PHONE, report_data

pytestmark = pytest.mark.django_db
WIB = timezone.get_fixed_timezone(7 * 60)
NIGHT = datetime(2026, 3, 5, 23, 30, tzinfo=WIB)  # quiet hours: a status change would wait for 06:00


@pytest.fixture(autouse=True)
def site(settings):
    settings.SITE_URL = "http://testserver"
    settings.CONFIRMATIONS_PER_DAY = 3


@pytest.fixture
def smtp(settings):
    sink = SmtpSink()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS = "127.0.0.1", sink.port, False
    yield sink
    sink.close()


def run_due():
    """Run the jobs due now, as the worker would: none is moved forward."""
    while queue.run_one():
        pass


def test_the_acknowledgement_reaches_the_mail_server_at_once_at_night_with_both_links(client, smtp):
    data = report_data()
    with time_machine.travel(NIGHT, tick=False):
        filed = client.post("/api/v1/reports", data)
        assert filed.status_code == 201
        run_due()
        [message] = smtp.received
        report = Report.objects.get()
        assert message["To"] == EMAIL and message["Subject"] == f"{report.code}: laporan Anda sudah diterima"
        body = message.get_content().replace("\r\n", "\n")
        with translation.override("id"):
            due = formats.date_format(report.due_date)
        assert body.startswith("Halo Budi Santoso,")
        assert f"Laporan Anda {report.code} (Berlubang, {report.address}) sudah kami terima." in body
        assert f"paling lambat {due}." in body
        assert f"Halaman publiknya, boleh Anda bagikan: http://testserver/laporan/{report.code}/\n" in body
        assert ("Tautan pribadi Anda, hanya untuk Anda: jangan dibagikan, karena menampilkan data kontak Anda dan "
                f"dapat mengubah atau menghapusnya: http://testserver{report.get_private_url()}") in body
        assert message["List-Unsubscribe"].strip().startswith("<http://testserver/pemberitahuan/")
        # The same report sent again (a phone's outbox retrying) files nothing and acknowledges nothing more.
        assert client.post("/api/v1/reports", {**data, "photos": []}).status_code == 200
        run_due()
    assert len(smtp.received) == 1 and Notice.objects.filter(kind="ack").count() == 1


def phone_report(client_uuid=None):
    """A report by the API's path whose reporter wants WhatsApp and gave no e-mail."""
    report, _ = file_report(client_uuid=client_uuid or uuid.uuid4(), category=Category.objects.get(slug="lampu-mati"),
                            lat=GANTING_GPS[0], lon=GANTING_GPS[1], description="Lampu jalan mati sejak kemarin.",
                            photos=[], phone=PHONE, channel="whatsapp", contact_consent=True)
    return report


def test_a_phone_is_acknowledged_by_its_confirmation_request_and_gets_the_private_link_after(settings):
    settings.PHONE_GATEWAY = "whatsapp"
    report = phone_report()
    subscription = Subscription.objects.get(report=report)
    [asked] = subscription.notices.all()
    assert asked.kind == "confirm" and asked.send_after <= timezone.now()
    letter = compose.letter(subscription, [asked])
    assert letter.subject == f"{report.code}: laporan Anda sudah diterima"
    assert f"http://testserver/laporan/{report.code}/" in letter.text()
    assert f"http://testserver{subscription.confirm_url()}" in letter.text()
    assert report.private_token not in letter.text()  # nothing but the request until the number is confirmed
    subscriptions.confirm(subscription)
    ack = subscription.notices.get(kind="ack")
    assert report.private_token in compose.letter(subscription, [ack]).text()
    # The acknowledgement of a phone is a confirmation request: the number's daily limit applies to it.
    for _ in range(3):
        phone_report()
    assert Notice.objects.filter(kind="confirm").count() == 3


def page_text(response):
    """The page as a resident reads it, without the request's own secrets (CSRF token, nonce)."""
    return re.sub(r'(nonce|value)="[^"]*"', "", response.content.decode())


def test_send_my_links_again_answers_the_same_and_sends_one_message_within_the_limit(client):
    first, second = make_report(), make_report(slug="lampu-mati")
    other = make_report(email="orang.lain@example.org")
    assert 'name="address"' in client.get("/tautan-saya/").content.decode()
    assert "/tautan-saya/" in client.get("/").content.decode()  # linked from the home page's "Cek laporan"
    assert "/tautan-saya/" in client.get("/tidak-ada/").content.decode()
    known = client.post("/tautan-saya/", {"address": "Siti.Rahasia@Example.org"})
    unknown = client.post("/tautan-saya/", {"address": "tidak.ada@example.org"})
    assert known.status_code == unknown.status_code == 200 and page_text(known) == page_text(unknown)
    assert "Bila ada laporan yang dikirim dengan alamat ini" in page_text(known)
    run_jobs()
    [message] = mail.outbox
    assert message.to == [REPORTER_EMAIL] and message.subject == f"{second.code}, {first.code}: tautan Anda"
    for report in (first, second):
        assert f"http://testserver{report.get_private_url()}" in message.body
        assert f"http://testserver/laporan/{report.code}/" in message.body
    assert f"{first.code} (Berlubang, {first.address}): baru." in message.body
    assert other.code not in message.body and "List-Unsubscribe" not in message.extra_headers
    # One address gets CONFIRMATIONS_PER_DAY such messages a day, whoever asks; the page answers the same.
    for _ in range(3):
        assert page_text(client.post("/tautan-saya/", {"address": REPORTER_EMAIL})) == page_text(unknown)
    run_jobs()
    assert len(mail.outbox) == 3
    # Without a phone gateway a phone number finds nothing to send to: the form says to type the e-mail.
    refused = client.post("/tautan-saya/", {"address": "0812 5555 4444"})
    assert refused.status_code == 400 and "Ketik alamat e-mail" in refused.content.decode()


def test_the_phone_is_asked_only_when_a_phone_gateway_is_on(client, settings):
    page = client.get("/").content.decode()
    assert 'id="id_phone"' not in page and "Kabar terbaru dikirim lewat e-mail" in page
    assert "Gunakan e-mail saya untuk mengabarkan" in page
    settings.PHONE_GATEWAY = "whatsapp"
    page = client.get("/").content.decode()
    assert 'id="id_phone"' in page and 'value="whatsapp"' in page and "Kabar terbaru dikirim" not in page


def test_the_private_page_shares_the_public_one_and_says_it_is_personal(client):
    report = make_report()
    page = client.get(report.get_private_url()).content.decode()
    assert "Halaman ini pribadi: jangan bagikan tautannya." in page
    shares = re.findall(r'id="share-\w+" href="([^"]+)"', page)
    assert len(shares) == 2
    for href in shares:
        assert f"%2Flaporan%2F{report.code}%2F" in href and report.private_token not in href


def test_every_status_says_what_it_means_and_what_comes_next():
    with translation.override("id"):
        sentences = {status: compose.meaning(status) for status in Status}
    assert len(set(sentences.values())) == len(Status)
    assert sentences[Status.DIVERIFIKASI].startswith("Petugas kota sudah memeriksanya")
    assert "kirim laporan baru" in sentences[Status.DITOLAK]


def test_a_fix_is_told_with_its_photo_and_a_greeting(django_user_model):
    report = fixed_report(staff_user(django_user_model, "dewi", "dispatcher"))
    run_jobs()
    [message] = mail.outbox
    photo = report.history.get(to_status="selesai").photo
    assert message.body.startswith("Halo Siti,\n\n")
    assert message.subject == f"{report.code}: 3 kabar dari Lapor Padangpanjang"
    assert f"Foto hasil perbaikan: http://testserver{photo.image.url}" in message.body
    assert "Regu menyatakan sudah diperbaiki" in message.body


def test_a_batch_of_new_reports_names_every_code():
    alert = Subscription.objects.create(role="area", kelurahan=Kelurahan.objects.get(name="Ganting"),
                                        channel="email", address="rt05@example.org", confirmed_at=timezone.now())
    first, second = make_report(), make_report(slug="lampu-mati")
    run_jobs()
    [message] = [m for m in mail.outbox if m.to == [alert.address]]
    assert message.subject == f"{first.code}, {second.code}: 2 kabar dari Lapor Padangpanjang"
    assert message.body.startswith("Halo,\n\n")


def test_a_reporters_reports_are_found_by_their_contact_through_an_index():
    """"Kirim ulang tautan saya" and STOP look a reporter's reports up by what they typed: with millions of reports,
    by the indexes of the same expressions, not by reading the table."""
    for channel, address, index in ((Channel.EMAIL, "Siti@Example.org", "reports_reporter_email_upper"),
                                    (Channel.WHATSAPP, "0812 3456 7890", "reports_reporter_phone_digits")):
        sql, params = links.reports_of(channel, address).query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("EXPLAIN " + sql, params)
            plan = " ".join(row[0] for row in cursor.fetchall())
        assert index in plan, channel
