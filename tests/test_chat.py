"""Reporting by WhatsApp (chat/): a resident's messages reach the signed webhook, the conversation's job answers
through the stand-in Cloud API on 127.0.0.1 (tests/gateways.py), fetches photos from its media endpoint, and files
through reports.filing.file_report against the real PostGIS."""

import io
import itertools
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from PIL import Image

from chat.conversation import language_of
from chat.models import Conversation, Inbound, Reply
from notify.models import Notice, Subscription
from reports import workflow
from reports.models import Category, Photo, Report, Support
from tests.conftest import make_report, run_jobs, staff_user
from tests.gateways import FakeWhatsApp
from tests.images import GANTING_GPS, photo_bytes

pytestmark = pytest.mark.django_db
SECRET, VERIFY, PHONE = "app-secret", "verify-me", "6281277778888"
WEBHOOK = "/pemberitahuan/whatsapp/"
PADANG = (-0.9471, 100.4172)  # Kota Padang, 50 km away
LOCATION = {"latitude": GANTING_GPS[0], "longitude": GANTING_GPS[1]}
ROAD_HOLE, LIGHT_OUT = "1", "7"  # their numbers in the category list (Jalan: Berlubang, Penerangan: Lampu mati)


@pytest.fixture
def whatsapp(settings):
    gateway = FakeWhatsApp()
    settings.PHONE_GATEWAY = "whatsapp"
    settings.WHATSAPP_API_URL = gateway.url + "/v21.0"
    settings.WHATSAPP_PHONE_NUMBER_ID, settings.WHATSAPP_TOKEN = gateway.phone_number_id, gateway.token
    settings.WHATSAPP_APP_SECRET, settings.WHATSAPP_VERIFY_TOKEN = SECRET, VERIFY
    settings.SITE_URL = "https://lapor.example.org"
    settings.OUTSIDE_URLS_ALLOW_PRIVATE = True  # the media URL the stand-in names is on 127.0.0.1
    yield gateway
    gateway.close()


class Resident:
    """One phone writing to the city's number: each message a signed webhook, then the worker's jobs run."""

    ids = itertools.count(1)

    def __init__(self, client, gateway, phone=PHONE):
        self.client, self.gateway, self.phone = client, gateway, phone

    def post(self, kind="text", wamid=None, at=None, **message):
        """Only the webhook: the worker has not run yet. Returns the response and the wamid."""
        wamid = wamid or f"wamid.IN{next(self.ids)}"
        body = FakeWhatsApp.webhook(self.phone, wamid, (at or timezone.now()).timestamp(), kind, **message)
        response = self.client.post(WEBHOOK, body, content_type="application/json",
                                    HTTP_X_HUB_SIGNATURE_256=FakeWhatsApp.signature(body, SECRET))
        assert response.status_code == 200
        return wamid

    def says(self, text=None, kind="text", **message):
        """Send a message and return the replies it got, as one text."""
        before = len(self.gateway.texts(self.phone))
        if text is not None:
            message["text"] = text
        self.post(kind, **message)
        run_jobs()
        return "\n".join(self.gateway.texts(self.phone)[before:])

    def sends_photo(self, content):
        return self.says(kind="image", image={"id": self.gateway.add_media(content), "mime_type": "image/jpeg"})


@pytest.fixture
def resident(client, whatsapp):
    return Resident(client, whatsapp)


def up_to_the_photo(resident, category=ROAD_HOLE):
    resident.says("Halo, saya mau lapor")
    resident.says(category)
    return resident.says(kind="location", location=LOCATION)


def test_a_whole_conversation_files_a_report_with_its_photo_and_answers_with_the_code_and_link(resident, whatsapp):
    first = resident.says("Halo, saya mau lapor jalan rusak")
    assert "https://lapor.example.org/privasi/" in first and "nomor WhatsApp Anda" in first
    assert "1. Jalan: Berlubang" in first and "7. Penerangan Jalan: Lampu mati" in first
    assert "Di mana" in resident.says(ROAD_HOLE)
    assert "Kirim foto" in resident.says(kind="location", location=LOCATION)
    with_gps = photo_bytes(width=1600, height=1200, gps=GANTING_GPS)
    assert "Jelaskan" in resident.sends_photo(with_gps)
    assert "Boleh kami kirim kabar laporan ke nomor ini? 1 ya 2 tidak" in resident.says("Lubang besar depan pasar")
    summary = resident.says("1")
    assert "Kelurahan Ganting" in summary and "Lubang besar depan pasar" in summary
    assert "1 kirim / 2 ubah / batal" in summary
    filed = resident.says("1")

    report = Report.objects.select_related("kelurahan", "crew", "category").get()
    assert report.category.slug == "jalan-berlubang" and report.kelurahan.name == "Ganting"
    assert report.crew.name == "Tim Jalan Padang Panjang Timur"
    assert report.description == "Lubang besar depan pasar" and report.reporter_phone == f"+{PHONE}"
    assert report.contact_consent and report.status == "baru"
    assert f"{report.code}" in filed and f"https://lapor.example.org/laporan/{report.code}/" in filed
    photo = Photo.objects.get(report=report)
    assert not photo.published  # nobody said whether it shows people: a dispatcher looks first
    with photo.image.open("rb") as stored, Image.open(io.BytesIO(stored.read())) as image:
        assert image.size == (1600, 1200) and not image.getexif() and "exif" not in image.info
    # The number came with the resident's own message: confirmed, and no link to confirm nor acknowledgement.
    subscription = Subscription.objects.get(report=report)
    assert (subscription.channel, subscription.role, subscription.active) == ("whatsapp", "reporter", True)
    assert not Notice.objects.exists()
    assert [r["json"]["type"] for r in whatsapp.received] == ["text"] * 8
    conversation = Conversation.objects.get(phone=PHONE)
    assert conversation.state == "idle" and conversation.answers == {} and conversation.photo is None


def test_status_messages_reach_the_chat_as_text_within_24_hours_and_as_the_template_after(resident, whatsapp,
                                                                                        django_user_model):
    up_to_the_photo(resident, LIGHT_OUT)
    assert "Jelaskan" in resident.says("0")  # street lighting takes a report without a photo
    resident.says("Lampu mati tiga malam")
    resident.says("ya")
    resident.says("kirim")
    report = Report.objects.get()
    assert not report.photos.exists()
    dispatcher = staff_user(django_user_model, "dewi", "dispatcher")
    whatsapp.received.clear()
    workflow.change_status(report, "diverifikasi", dispatcher, version=report.version)
    run_jobs()
    [sent] = [r["json"] for r in whatsapp.received]
    assert sent["type"] == "text" and f"{report.code}" in sent["text"]["body"] and sent["to"] == PHONE
    whatsapp.received.clear()
    with time_machine.travel(timezone.now() + timedelta(hours=25, minutes=1), tick=False):
        report.refresh_from_db()
        workflow.change_status(report, "dikerjakan", dispatcher, version=report.version)
        run_jobs()
    [sent] = [r["json"] for r in whatsapp.received]
    assert sent["type"] == "template" and sent["to"] == PHONE


def test_without_consent_the_number_is_not_kept_with_the_report(resident, whatsapp):
    up_to_the_photo(resident)
    resident.sends_photo(photo_bytes())
    resident.says("Retak lebar")
    resident.says("2")
    filed = resident.says("1")
    report = Report.objects.get()
    assert report.reporter_phone == "" and not report.contact_consent and report.code in filed
    assert "Simpan kodenya" in filed and not Subscription.objects.exists()


def test_a_place_is_found_by_name_and_a_point_outside_the_city_is_refused_with_the_question_again(resident):
    resident.says("Halo")
    resident.says(ROAD_HOLE)
    outside = resident.says(kind="location", location={"latitude": PADANG[0], "longitude": PADANG[1]})
    assert "di luar Kota Padang Panjang" in outside and "Di mana" in outside
    assert Conversation.objects.get().state == "place"
    assert "Tidak ditemukan tempat bernama “Zzqx”" in resident.says("Zzqx")
    found = resident.says("Ganting")
    assert "Kirim foto" in found
    assert "Kelurahan Ganting" in Conversation.objects.get().answers["place"]


@pytest.mark.parametrize("case", ["bomb", "gif", "oversize"])
def test_a_photo_bomb_a_wrong_format_or_an_oversize_file_is_refused_and_asked_again(resident, case):
    import zlib

    if case == "bomb":  # 100 megapixels in a few hundred kilobytes
        raw = zlib.compress(b"\x00" * (10_001 * 10_000), 9)
        header = (10_000).to_bytes(4, "big") * 2 + bytes([8, 0, 0, 0, 0])

        def chunk(kind, data):
            return len(data).to_bytes(4, "big") + kind + data + zlib.crc32(kind + data).to_bytes(4, "big")

        content = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")
        expected = "lebih dari 40 megapiksel"
    elif case == "gif":
        out = io.BytesIO()
        Image.new("RGB", (10, 10)).save(out, "GIF")
        content, expected = out.getvalue(), "bukan foto JPEG, PNG, WebP, atau HEIC"
    else:
        content, expected = b"\xff\xd8" + b"0" * (10 * 1024 * 1024 + 10), "lebih besar dari 10 MB"
    up_to_the_photo(resident)
    answer = resident.sends_photo(content)
    assert expected in answer and "Kirim foto" in answer
    conversation = Conversation.objects.get()
    assert conversation.state == "photo" and conversation.photo is None


def test_a_report_of_the_kind_nearby_is_offered_and_yes_counts_one_support_per_number(resident, client, whatsapp):
    nearby = make_report(north=0.0001)  # about 11 m away, within the road's 30 m
    resident.says("Halo")
    resident.says(ROAD_HOLE)
    offered = resident.says(kind="location", location=LOCATION)
    assert "Sudah ada laporan serupa di dekat sini" in offered and nearby.code in offered
    assert "1 ya / 2 tidak, kirim laporan baru" in offered
    supported = resident.says("1")
    assert nearby.code in supported and "dihitung" in supported
    nearby.refresh_from_db()
    assert nearby.support_count == 1 and Support.objects.get().contact == f"whatsapp:{PHONE}"
    resident.says("Halo lagi")
    resident.says(ROAD_HOLE)
    resident.says(kind="location", location=LOCATION)
    assert "sudah dihitung" in resident.says("1")  # the same number: one person, one support
    nearby.refresh_from_db()
    assert nearby.support_count == 1 and Report.objects.count() == 1
    resident.says("Halo")
    resident.says(ROAD_HOLE)
    resident.says(kind="location", location=LOCATION)
    assert "Kirim foto" in resident.says("2")  # no: a report of its own


def test_a_replayed_webhook_is_taken_once_and_files_once(resident, whatsapp):
    up_to_the_photo(resident, LIGHT_OUT)
    resident.says("0")
    resident.says("Lampu mati")
    resident.says("2")
    confirm = resident.post(text="1")
    resident.post(text="1", wamid=confirm)  # WhatsApp delivers the same message again
    run_jobs()
    resident.post(text="1", wamid=confirm)  # and once more, after it was answered
    run_jobs()
    assert Report.objects.count() == 1 and Inbound.objects.filter(wamid=confirm).count() == 1
    assert sum("Terima kasih, laporan Anda" in text for text in whatsapp.texts()) == 1


def test_webhooks_out_of_order_are_answered_in_the_order_they_were_written(resident, whatsapp):
    now = timezone.now()
    resident.says("Halo", at=now - timedelta(seconds=30))
    # The place arrives first, the category after: WhatsApp retried the earlier one.
    resident.post(kind="location", location=LOCATION, at=now - timedelta(seconds=10))
    resident.post(text=ROAD_HOLE, at=now - timedelta(seconds=20))
    run_jobs()
    conversation = Conversation.objects.get()
    assert conversation.state == "photo" and conversation.answers["lat"] == pytest.approx(GANTING_GPS[0])
    assert Category.objects.get(pk=conversation.answers["category"]).slug == "jalan-berlubang"


def test_the_filing_of_a_conversation_is_one_submission_id(resident):
    """A confirm retried after the report was made (its state not yet saved) finds the same report."""
    from chat.conversation import client_uuid
    up_to_the_photo(resident, LIGHT_OUT)
    resident.says("0")
    resident.says("Lampu mati")
    resident.says("2")
    expected = client_uuid(Conversation.objects.get())
    resident.says("1")
    assert Report.objects.get().client_uuid == expected
    assert client_uuid(Conversation.objects.get()) != expected  # the next report of the chat: a new one


def test_a_conversation_left_idle_expires_with_a_message_and_batal_or_mulai_restart_it(resident, settings):
    settings.CHAT_IDLE_MINUTES = 30
    up_to_the_photo(resident)
    with time_machine.travel(timezone.now() + timedelta(minutes=31), tick=False):
        expired = resident.says("0")
    assert "tidak selesai dalam 30 menit" in expired and "Apa masalahnya?" in expired
    conversation = Conversation.objects.get()
    assert conversation.state == "category" and conversation.answers == {}
    resident.says(ROAD_HOLE)
    assert "Dibatalkan" in resident.says("BATAL")
    assert Conversation.objects.get().state == "idle"
    assert "Apa masalahnya?" in resident.says("mulai")
    assert not Report.objects.exists()


def test_stop_ends_every_subscription_of_the_number_and_the_chat_says_nothing_more(resident, whatsapp, client):
    make_report(phone="0812 7777 8888")  # filed on the web with this number, confirmed by its link
    other = make_report(phone="0812 1111 2222")
    Subscription.objects.filter(role="reporter").update(channel="whatsapp", consent_at=timezone.now(),
                                                        confirmed_at=timezone.now())
    resident.says("Halo")
    answer = resident.says("STOP")
    assert "tidak akan menerima pesan lagi" in answer
    assert Subscription.objects.get(report=other).stopped_at is None
    assert Subscription.objects.filter(stopped_at__isnull=False).count() == 1
    assert resident.says("Halo") == "" and resident.says("1") == ""
    assert Reply.objects.filter(conversation__phone=PHONE).count() == 3  # welcome, question, the stop
    assert "Apa masalahnya?" in resident.says("MULAI")


def test_a_stop_reply_to_a_status_message_stops_it(client, whatsapp):
    """A resident who never chatted answers a status message with BERHENTI."""
    make_report(phone="0812 7777 8888")
    Subscription.objects.update(channel="whatsapp", consent_at=timezone.now(), confirmed_at=timezone.now())
    assert "tidak akan menerima" in Resident(client, whatsapp).says("berhenti")
    assert Subscription.objects.get().stopped_at is not None


def test_english_when_the_first_message_is_in_english_or_says_so(resident, client, whatsapp):
    assert language_of("Hello, I want to report a broken street light") == "en"
    assert language_of("English please") == "en"
    assert language_of("Selamat pagi, saya mau lapor jalan rusak") == "id"
    assert language_of("Halo") == "id" and language_of("") == "id"
    first = resident.says("Hello, I want to report a pothole")
    assert "What is the problem?" in first and "1. Road: Potholes" in first and "/privasi/" in first
    assert "Where is it?" in resident.says(ROAD_HOLE)
    other = Resident(client, whatsapp, phone="6281299990000")
    assert "Apa masalahnya?" in other.says("Selamat siang, mau lapor")
    assert "What is the problem?" in other.says("english")


@pytest.mark.parametrize("signature", ["", "sha256=" + "0" * 64, "wrong-secret"])
def test_an_unsigned_or_wrongly_signed_webhook_is_refused_and_kept_nowhere(client, whatsapp, signature):
    body = FakeWhatsApp.webhook(PHONE, "wamid.FORGED", timezone.now().timestamp(), text="Halo")
    if signature == "wrong-secret":
        signature = FakeWhatsApp.signature(body, "not-the-secret")
    assert client.post(WEBHOOK, body, content_type="application/json",
                       HTTP_X_HUB_SIGNATURE_256=signature).status_code == 403
    run_jobs()
    assert not Inbound.objects.exists() and not Conversation.objects.exists() and whatsapp.received == []


def test_a_photo_whatsapp_no_longer_has_is_asked_again_and_a_down_api_is_retried(resident, whatsapp):
    up_to_the_photo(resident)
    gone = resident.says(kind="image", image={"id": "999"})
    assert "tidak dapat diambil" in gone and Conversation.objects.get().state == "photo"
    whatsapp.failures = [503]  # the next reply cannot go: it waits for the job's retry, sent once
    media = whatsapp.add_media(photo_bytes())
    resident.post(kind="image", image={"id": media})
    run_jobs()
    assert Conversation.objects.get().state == "description"
    assert Reply.objects.filter(sent_at__isnull=True).count() == 1
    run_jobs()
    assert Reply.objects.filter(sent_at__isnull=True).count() == 0
    assert sum("Jelaskan" in text for text in whatsapp.texts()) == 2  # refused once (503), then taken
    assert Reply.objects.filter(text__contains="Jelaskan").count() == 1


def test_the_retention_job_forgets_unfinished_answers_after_a_day_and_silent_numbers_after_30_days(
        resident, client, whatsapp):
    from privacy.tasks import apply_retention

    up_to_the_photo(resident)
    Resident(client, whatsapp, phone="6281200001111").says("STOP")
    now = timezone.now()
    with time_machine.travel(now + timedelta(days=1, hours=1), tick=False):
        apply_retention()
    unfinished = Conversation.objects.get(phone=PHONE)
    assert (unfinished.state, unfinished.answers) == ("idle", {}) and Inbound.objects.count() == 4
    with time_machine.travel(now + timedelta(days=31), tick=False):
        assert apply_retention()["chat"] > 0
    assert list(Conversation.objects.values_list("phone", flat=True)) == ["6281200001111"]  # said STOP: kept
    assert not Inbound.objects.exists() and not Reply.objects.exists()


def number_of(slug):
    """A category's number in the chat's list."""
    from chat.conversation import categories

    return str([category.slug for category in categories()].index(slug) + 1)


def test_a_service_complaint_by_chat_asks_no_place_where_none_is_asked_and_gets_no_public_link(resident):
    """Issue 31: a complaint about a service (here an ID card, whose category asks no place) is told it is not
    public, skips the place, and is answered with the resident's own link, not a public page."""
    resident.says("Halo, saya mau lapor")
    chosen = resident.says(number_of("ktp-el"))
    assert "tidak publik" in chosen and "Di mana" not in chosen and "balas 0" in chosen  # the photo, optional
    assert "Jelaskan" in resident.says("0")
    resident.says("KTP-el saya belum jadi setelah enam minggu.")
    summary = resident.says("2")
    assert "Tempat: tidak ada" in summary
    filed = resident.says("1")
    report = Report.objects.select_related("office").get()
    assert report.location is None and report.kelurahan is None and report.crew is None
    assert report.office.slug == "disdukcapil" and report.private and report.reporter_phone == ""
    assert report.get_private_url() in filed and filed.count(f"/laporan/{report.code}/") == 1


def test_a_service_whose_place_is_optional_can_go_on_without_one_and_a_road_cannot(resident):
    resident.says("Halo, saya mau lapor")
    asked = resident.says(number_of("pelayanan-puskesmas"))
    assert "tidak publik" in asked and "balas 0" in asked
    assert "Kirim foto" in resident.says("0")
    resident.says("batal")
    resident.says("mulai")
    asked = resident.says(ROAD_HOLE)
    assert "tidak publik" not in asked and "Di mana" in asked
    assert "Di mana" in resident.says("0")  # a road's place is required: asked again
    assert Conversation.objects.get(phone=PHONE).state == "place"
