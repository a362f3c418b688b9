"""WhatsApp (Cloud API) and SMS through one adapter, against stand-in gateways on 127.0.0.1 (tests/gateways.py),
through the job queue and its retries; the WhatsApp webhook's verification and signed delivery statuses."""

import hashlib
import hmac
import json
import uuid

import pytest

from jobs.models import Job
from notify.models import Message, Notice, Subscription
from reports import photos, workflow
from reports.filing import file_report
from reports.models import Category, Report
from tests.conftest import REPORTER_PHONE, run_jobs, staff_user
from tests.gateways import FakeSms, FakeWhatsApp
from tests.images import GANTING_GPS, photo_bytes, upload

pytestmark = pytest.mark.django_db
SECRET, VERIFY = "app-secret", "verify-me"


@pytest.fixture
def whatsapp(settings):
    gateway = FakeWhatsApp()
    settings.PHONE_GATEWAY = "whatsapp"
    settings.WHATSAPP_API_URL = gateway.url + "/v21.0"
    settings.WHATSAPP_PHONE_NUMBER_ID, settings.WHATSAPP_TOKEN = gateway.phone_number_id, gateway.token
    settings.WHATSAPP_APP_SECRET, settings.WHATSAPP_VERIFY_TOKEN = SECRET, VERIFY
    settings.SITE_URL = "https://lapor.example.org"
    yield gateway
    gateway.close()


@pytest.fixture
def sms(settings):
    gateway = FakeSms()
    settings.PHONE_GATEWAY = "sms"
    settings.SMS_GATEWAY_URL, settings.SMS_GATEWAY_TOKEN = gateway.url + "/send", gateway.token
    yield gateway
    gateway.close()


@pytest.fixture
def dispatcher(django_user_model):
    return staff_user(django_user_model, "dewi", "dispatcher")


def file_with(channel, consent=True, email=""):
    report, _ = file_report(client_uuid=uuid.uuid4(), category=Category.objects.get(slug="jalan-berlubang"),
                            lat=GANTING_GPS[0], lon=GANTING_GPS[1], description="Lubang besar di depan pasar.",
                            photos=[], phone=REPORTER_PHONE, email=email, channel=channel, contact_consent=consent)
    return report


def verify(report, dispatcher):
    return workflow.change_status(report, "diverifikasi", dispatcher, version=report.version)


def confirmed_by_phone(client, subscription):
    """The phone's owner opens the confirmation link sent to it and presses its button."""
    client.post(subscription.confirm_url())
    subscription.refresh_from_db()
    assert subscription.active


def test_the_reporter_who_chose_whatsapp_gets_a_template_message_with_how_to_stop(whatsapp, dispatcher, client):
    report = file_with("whatsapp")
    subscription = Subscription.objects.get(report=report)
    assert subscription.channel == "whatsapp" and subscription.consent_at is not None
    run_jobs()
    [asked] = whatsapp.received  # a number anyone could have typed: first the link to confirm it
    [text] = [p["text"] for c in asked["json"]["template"]["components"] for p in c["parameters"]]
    assert subscription.confirm_url() in text
    confirmed_by_phone(client, subscription)
    whatsapp.received.clear()
    verify(report, dispatcher)
    run_jobs()
    [request] = whatsapp.received
    payload = request["json"]
    assert payload["to"] == "6281255554444" and payload["template"]["name"] == "lapor_pemberitahuan"
    assert payload["template"]["language"] == {"code": "id"}
    [text] = [p["text"] for c in payload["template"]["components"] for p in c["parameters"]]
    assert f"{report.code} (Berlubang) sekarang: diverifikasi." in text
    assert f"Untuk berhenti menerima pesan ini: https://lapor.example.org{subscription.stop_url()}" in text
    assert Message.objects.latest("pk").external_id == "wamid.TEST1"


def test_no_phone_message_without_consent_and_the_form_says_which_field(whatsapp, client, dispatcher):
    answer = client.post("/api/v1/reports", {
        "client_uuid": str(uuid.uuid4()), "category": "lampu-mati", "lat": GANTING_GPS[0], "lon": GANTING_GPS[1],
        "description": "Lampu jalan mati tiga malam.", "phone": "0812 1234 5678", "channel": "whatsapp"})
    assert answer.status_code == 400 and list(answer.json()) == ["contact_consent"]
    assert Report.objects.count() == 0
    home = client.get("/").content.decode()
    assert 'value="whatsapp"' in home and "contact_consent" in home
    # Consent missing where the filing bypasses the form's check: the phone is not used; e-mail is the fallback.
    report = file_with("whatsapp", consent=False, email="warga@example.org")
    assert Subscription.objects.get(report=report).channel == "email"
    none = file_with("whatsapp", consent=False)
    assert not Subscription.objects.filter(report=none).exists()


def test_a_failing_gateway_is_retried_by_the_queue_and_a_refusal_is_not(whatsapp, dispatcher, client):
    report = file_with("whatsapp")
    run_jobs()
    confirmed_by_phone(client, Subscription.objects.get(report=report))
    whatsapp.received.clear()
    Message.objects.all().delete()
    Notice.objects.all().delete()
    Job.objects.filter(task="notify.deliver").delete()
    whatsapp.failures = [503]
    verify(report, dispatcher)
    run_jobs()
    job = Job.objects.get(task="notify.deliver")
    assert (job.state, job.attempts) == ("queued", 1) and Notice.objects.get().state == "pending"
    run_jobs()  # the retry, once its backoff is over
    job.refresh_from_db()
    assert (job.state, job.attempts, len(whatsapp.received)) == ("done", 2, 2)
    assert Notice.objects.get().state == "sent" and Message.objects.get().state == "sent"

    whatsapp.failures = [400]  # e.g. a number that has no WhatsApp: never retried
    workflow.change_status(report, "dikerjakan", dispatcher, version=Report.objects.get(pk=report.pk).version)
    run_jobs()
    failed = Message.objects.get(state="failed")
    assert "HTTP 400" in failed.error and Job.objects.filter(state="queued").count() == 0
    assert Notice.objects.filter(state="dropped", message=failed).count() == 1


def test_the_webhook_is_verified_and_takes_signed_delivery_statuses_in_order(whatsapp, client, dispatcher):
    url = "/pemberitahuan/whatsapp/"
    good = client.get(url, {"hub.mode": "subscribe", "hub.verify_token": VERIFY, "hub.challenge": "1158201444"})
    assert good.status_code == 200 and good.content == b"1158201444"
    assert client.get(url, {"hub.mode": "subscribe", "hub.verify_token": "wrong", "hub.challenge": "1"}).status_code \
        == 403
    report = file_with("whatsapp")
    verify(report, dispatcher)
    run_jobs()
    message = Message.objects.get()

    def post(status, secret=SECRET):
        body = json.dumps({"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [{
            "field": "messages", "value": {"messaging_product": "whatsapp", "statuses": [{
                "id": message.external_id, "status": status, "timestamp": "1764500000",
                "recipient_id": "6281255554444"}]}}]}]}).encode()
        signature = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
        return client.post(url, body, content_type="application/json", HTTP_X_HUB_SIGNATURE_256=signature)

    assert post("delivered").status_code == 200
    message.refresh_from_db()
    assert message.state == "delivered"
    assert post("read", secret="forged").status_code == 403
    post("read")
    post("sent")  # late: a read message is not "sent" again
    message.refresh_from_db()
    assert message.state == "read"
    assert client.post(url, b"{", content_type="application/json",
                       HTTP_X_HUB_SIGNATURE_256="sha256=" + hmac.new(SECRET.encode(), b"{", hashlib.sha256)
                       .hexdigest()).status_code == 400


def test_the_webhook_is_off_when_not_configured(client):
    assert client.get("/pemberitahuan/whatsapp/", {"hub.mode": "subscribe"}).status_code == 404


def test_anyone_follows_by_sms_with_consent_and_the_confirmation_goes_at_once(sms, client, dispatcher, settings):
    settings.SITE_URL = "https://lapor.example.org"
    report, _ = file_report(client_uuid=uuid.uuid4(), category=Category.objects.get(slug="jalan-berlubang"),
                            lat=GANTING_GPS[0], lon=GANTING_GPS[1], description="Lubang besar di depan pasar.",
                            photos=[photos.process(upload(photo_bytes()), "1")])
    refused = client.post(f"/laporan/{report.code}/langganan/", {"channel": "sms", "phone": "0813 7777 8888"})
    assert refused.status_code == 400 and Subscription.objects.count() == 0
    client.post(f"/laporan/{report.code}/langganan/", {"channel": "sms", "phone": "0813 7777 8888", "consent": "on"})
    run_jobs()
    [confirmation] = sms.received
    assert confirmation["json"]["to"] == "6281377778888" and confirmation["json"]["from"] == "LAPOR-PP"
    assert confirmation["authorization"] == f"Bearer {sms.token}"
    subscription = Subscription.objects.get(channel="sms")
    assert subscription.confirm_url() in confirmation["json"]["text"]
    assert subscription.stop_url() in confirmation["json"]["text"]
    client.post(subscription.confirm_url())
    verify(report, dispatcher)
    run_jobs()
    assert "sekarang: diverifikasi." in sms.received[-1]["json"]["text"]
    assert Message.objects.filter(channel="sms", external_id="sms-2").exists()
