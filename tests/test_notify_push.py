"""Browser notifications: a report followed with the browser's push subscription, the message encrypted for it and
signed with our VAPID key, received by a push service stand-in on 127.0.0.1 (tests/gateways.py)."""

import time

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
    settings.OUTSIDE_URLS_ALLOW_PRIVATE = True  # the push service of these tests is on 127.0.0.1
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
    assert received["json"] == {"title": f"{report.code} sekarang: diverifikasi",
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


@pytest.mark.parametrize("endpoint", ["https://127.0.0.1/push/x", "https://[::1]/push/x", "https://localhost/push/x",
                                      "https://169.254.169.254/latest", "https://10.0.0.8/push/x",
                                      "https://[fe80::1]/push/x"])
def test_an_endpoint_in_a_private_or_local_network_is_refused_when_given(push, client, settings, endpoint):
    settings.OUTSIDE_URLS_ALLOW_PRIVATE = False
    report = make_report()
    answer = client.post(f"/laporan/{report.code}/langganan/push/",
                         {"endpoint": endpoint, "keys": {"p256dh": "a", "auth": "b"}}, content_type="application/json")
    assert answer.status_code == 400 and list(answer.json()) == ["endpoint"]
    assert "jaringan privat" in answer.json()["endpoint"][0]
    assert not Subscription.objects.filter(channel="push").exists()


def test_an_endpoint_is_checked_again_when_a_message_is_sent(push, django_user_model, settings):
    """Its name may point into our own network by then: the message fails for good, nothing is sent."""
    report = make_report()
    subscription = subscriptions.follow_by_push(report, **push.subscription())  # the push service is on 127.0.0.1
    settings.OUTSIDE_URLS_ALLOW_PRIVATE = False
    workflow.change_status(report, "diverifikasi", staff_user(django_user_model, "dewi", "dispatcher"),
                           version=report.version)
    run_jobs()
    assert push.arrivals == 0
    message = Message.objects.get(subscription=subscription)
    assert message.state == "failed" and "not a public one" in message.error
    assert not Job.objects.filter(state="queued", task="notify.deliver").exists()


def test_a_push_service_that_trickles_is_given_up_at_the_deadline_and_tried_again(push, django_user_model,
                                                                                 settings):
    settings.NOTIFY_HTTP_TIMEOUT_S = 1
    report = make_report()
    subscription = subscriptions.follow_by_push(report, **push.subscription())
    push.trickle = True
    workflow.change_status(report, "diverifikasi", staff_user(django_user_model, "dewi", "dispatcher"),
                           version=report.version)
    started = time.monotonic()
    run_jobs()
    assert time.monotonic() - started < 3  # a byte each 0.1 s would take 12 s
    push.trickle = False
    job = Job.objects.get(key=f"notify.deliver:{subscription.pk}")
    assert job.state == "queued" and "Timeout" in job.last_error


def test_browser_notifications_are_off_without_keys(client, settings):
    settings.WEBPUSH_VAPID_PUBLIC_KEY = settings.WEBPUSH_VAPID_PRIVATE_KEY = ""
    report = make_report()
    assert 'id="follow-push"' not in client.get(report.get_absolute_url()).content.decode()
    assert client.post(f"/laporan/{report.code}/langganan/push/", "{}", content_type="application/json"
                       ).status_code == 404
