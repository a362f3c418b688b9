"""Browser notifications: a report followed with the browser's push subscription, the message encrypted for it and
signed with our VAPID key, received by a push service stand-in on 127.0.0.1 (tests/gateways.py)."""

import pytest

from jobs.models import Job
from notify import subscriptions
from notify.channels import new_vapid_keys
from notify.models import Message, Subscription
from reports import workflow
from tests.conftest import make_report, run_jobs, staff_user
from tests.gateways import FakePushService

pytestmark = pytest.mark.django_db


@pytest.fixture
def push(settings):
    public, private = new_vapid_keys()
    settings.WEBPUSH_VAPID_PUBLIC_KEY, settings.WEBPUSH_VAPID_PRIVATE_KEY = public, private
    settings.SITE_URL = "https://lapor.example.org"
    service = FakePushService(public)
    yield service
    service.close()


def test_a_browser_that_follows_a_report_is_pushed_each_change(push, django_user_model, client):
    report = make_report()
    page = client.get(report.get_absolute_url()).content.decode()
    assert 'id="follow-push"' in page and push.vapid_public_key in page
    subscription = subscriptions.follow_by_push(report, **push.subscription())
    dispatcher = staff_user(django_user_model, "dewi", "dispatcher")
    workflow.change_status(report, "diverifikasi", dispatcher, version=report.version)
    run_jobs()
    [received] = push.received
    assert received["path"] == "/push/device-1"
    assert received["json"] == {"title": f"Laporan {report.code} sekarang: diverifikasi",
                                "body": received["json"]["body"], "url": f"https://lapor.example.org/laporan/{report.code}/"}
    assert "sekarang: diverifikasi." in received["json"]["body"]
    assert Message.objects.get(subscription=subscription).external_id.endswith("/message/1")


def test_a_push_service_down_is_retried_and_a_subscription_gone_stops(push, django_user_model):
    report = make_report()
    subscription = subscriptions.follow_by_push(report, **push.subscription())
    dispatcher = staff_user(django_user_model, "dewi", "dispatcher")
    push.failures = [503]
    workflow.change_status(report, "diverifikasi", dispatcher, version=report.version)
    run_jobs()
    assert Job.objects.get(key=f"notify.deliver:{subscription.pk}").state == "queued"
    run_jobs()
    assert len(push.received) == 1
    push.failures = [410]  # the browser dropped its subscription
    report.refresh_from_db()
    workflow.change_status(report, "dikerjakan", dispatcher, version=report.version)
    run_jobs()
    assert Message.objects.filter(subscription=subscription, state="failed").exists()
    assert Job.objects.filter(state="queued").count() == 0


def test_the_page_sends_the_subscription_as_json_and_bad_ones_are_refused_by_field(push, client):
    report = make_report()
    url = f"/laporan/{report.code}/langganan/push/"
    assert client.post(url, "{}", content_type="application/json").json() == {
        "endpoint": ["Kirim langganan push peramban: endpoint dan kunci."]}
    plain = {"endpoint": "http://push.example/x", "keys": {"p256dh": "a", "auth": "b"}}
    assert client.post(url, plain, content_type="application/json").json()["endpoint"] == [
        "Endpoint harus URL https."]
    good = {"endpoint": "https://push.example/x", "keys": {"p256dh": "a", "auth": "b"}}
    assert client.post(url, good, content_type="application/json").status_code == 201
    assert client.post(url, good, content_type="application/json").status_code == 201  # the same browser again
    assert Subscription.objects.filter(channel="push").count() == 1


def test_browser_notifications_are_off_without_keys(client, settings):
    settings.WEBPUSH_VAPID_PUBLIC_KEY = settings.WEBPUSH_VAPID_PRIVATE_KEY = ""
    report = make_report()
    assert 'id="follow-push"' not in client.get(report.get_absolute_url()).content.decode()
    assert client.post(f"/laporan/{report.code}/langganan/push/", "{}", content_type="application/json"
                       ).status_code == 404
