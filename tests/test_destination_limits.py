"""Nobody can flood a phone or a mailbox (the security issue): per-destination limits counted in PostgreSQL
(notify.limits), a pending confirmation sent again at most once an hour, phones that get nothing but their
confirmation link until it is opened, a follow form that tells nobody who follows, and confirm and stop links that
a mail scanner's GET cannot act on."""

import importlib
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from django.apps import apps as installed_apps
from django.core import mail
from django.db import connection, connections, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from geo.models import Kelurahan
from notify import limits
from notify.models import Allowance, Message, Notice, Subscription
from notify.tasks import send_pending
from privacy.tasks import apply_retention
from reports import photos, workflow
from tests.conftest import make_report, run_jobs, staff_user
from tests.images import photo_bytes, upload
from tests.test_jobs import wait_until
from tests.test_notify_phone import file_with, whatsapp  # noqa: F401 (the WhatsApp stand-in fixture)
from tests.test_production import redis_down  # noqa: F401 (the cache on a dead port)

pytestmark = pytest.mark.django_db
ADDRESS = "korban@example.org"


def alert(client, address=ADDRESS, **extra):
    ganting = Kelurahan.objects.get(name="Ganting")
    return client.post("/pemberitahuan/", {"kelurahan": ganting.code, "channel": "email", "email": address},
                       **extra)


def follow(client, report, address=ADDRESS):
    return client.post(f"/laporan/{report.code}/langganan/", {"channel": "email", "email": address}, follow=True)


def said(response):
    return re.search(r'<div class="messages" role="status">(.*?)</div>', response.content.decode(), re.S).group(1)


def test_an_address_gets_at_most_three_confirmations_a_day_whoever_asks_and_from_wherever(settings):
    settings.SUPPORTS_PER_HOUR = 100  # the per-client limit is not what stops this
    for n in range(35):  # area alerts, from two connections, as in the attack
        answer = alert(Client(REMOTE_ADDR=f"198.51.100.{n % 2 + 1}"), address="Korban@Example.org ")
        assert answer.status_code == 302
    run_jobs()
    assert [m.to for m in mail.outbox] == [[ADDRESS]] * 3
    assert Notice.objects.filter(kind="confirm").count() == 3
    assert Subscription.objects.count() == 3  # no address kept that no link went to
    assert not Allowance.objects.filter(digest__contains="korban").exists()  # a digest, not the address


def test_the_day_is_any_24_hours_and_other_addresses_are_not_held_up():
    start = timezone.now()
    assert [limits.allow_message(ADDRESS, start + timedelta(hours=h)) for h in (0, 1, 2, 3)] == [True] * 3 + [False]
    assert limits.allow_message(ADDRESS, start + timedelta(hours=24, minutes=1))  # the first one is a day old
    assert not limits.allow_message(ADDRESS, start + timedelta(hours=24, minutes=2))
    assert limits.allow_message("0812 1234 5678", start)


def test_with_redis_down_the_per_destination_limit_still_holds(client, redis_down, settings):  # noqa: F811
    settings.SUPPORTS_PER_HOUR = 1  # the Redis limit, which lets everything through while Redis is down
    for _ in range(10):
        assert alert(client).status_code == 302
    run_jobs()
    assert len(mail.outbox) == 3


def test_a_pending_confirmation_is_sent_again_at_most_once_an_hour():
    report = make_report()
    client = Client()
    for _ in range(5):
        follow(client, report)
    run_jobs()
    assert [m.to for m in mail.outbox if "konfirmasi" in m.body.lower()] == [[ADDRESS]]
    Notice.objects.filter(kind="confirm").update(created=timezone.now() - timedelta(minutes=61))  # an hour on
    follow(client, report)
    run_jobs()
    assert Notice.objects.filter(kind="confirm").count() == 2


def test_the_follow_form_answers_the_same_whether_the_address_follows_or_not():
    report = make_report()
    client = Client()
    new = follow(client, report)
    pending = follow(client, report)
    subscription = Subscription.objects.get(address=ADDRESS)
    client.post(subscription.confirm_url())
    following = follow(client, report)
    other = follow(client, report, address="orang-lain@example.org")
    answers = {(r.status_code, r.redirect_chain[-1][0], said(r)) for r in (new, pending, following, other)}
    assert len(answers) == 1, answers
    assert "Hampir selesai" in said(new)


def test_confirm_and_stop_links_act_on_post_only_and_one_click_unsubscribe_still_works(client, django_user_model):
    report = make_report()
    follow(client, report)
    subscription = Subscription.objects.get(address=ADDRESS)
    for url in (subscription.confirm_url(), subscription.stop_url()):
        page = client.get(url)  # what a mail scanner does
        assert page.status_code == 200 and 'method="post"' in page.content.decode()
        assert "no-store" in page["Cache-Control"]
    subscription.refresh_from_db()
    assert subscription.confirmed_at is None and subscription.stopped_at is None
    client.post(subscription.confirm_url())
    # RFC 8058: the mail app POSTs "List-Unsubscribe=One-Click" to the List-Unsubscribe address, with no cookie.
    mail_app = Client(enforce_csrf_checks=True)
    answer = mail_app.post(subscription.stop_url(), "List-Unsubscribe=One-Click",
                           content_type="application/x-www-form-urlencoded")
    assert answer.status_code == 200
    subscription.refresh_from_db()
    assert subscription.stopped_at is not None
    dispatcher = staff_user(django_user_model, "dewi", "dispatcher")
    workflow.change_status(report, "diverifikasi", dispatcher, version=report.version)
    run_jobs()
    assert ADDRESS not in [m.to[0] for m in mail.outbox if "sekarang" in m.body]


def test_nothing_but_the_link_goes_to_an_unconfirmed_phone_the_reporters_own_included(
        whatsapp, django_user_model, client):  # noqa: F811
    dispatcher = staff_user(django_user_model, "dewi", "dispatcher")
    report = file_with("whatsapp")
    subscription = Subscription.objects.get(report=report)
    assert not subscription.active
    for to in ("diverifikasi", "dikerjakan"):
        report.refresh_from_db()
        workflow.change_status(report, to, dispatcher, version=report.version)
    run_jobs()
    [only] = whatsapp.received
    [text] = [p["text"] for c in only["json"]["template"]["components"] for p in c["parameters"]]
    assert subscription.confirm_url() in text and "sekarang" not in text
    assert not Notice.objects.filter(kind="change").exists()  # an unconfirmed subscription hears of nothing
    # More reports filed with the same number (by anyone): each asks for a link, and the number's daily limit
    # counts them all.
    for _ in range(4):
        file_with("whatsapp")
    run_jobs()
    assert len(whatsapp.received) == 3  # CONFIRMATIONS_PER_DAY for the number, whoever filed
    client.post(subscription.confirm_url())
    report.refresh_from_db()
    workflow.change_status(report, "selesai", dispatcher, version=report.version,
                           photo=photos.process(upload(photo_bytes()), "fix"))
    run_jobs()
    assert "sekarang: selesai" in whatsapp.received[-1]["json"]["template"]["components"][0]["parameters"][0]["text"]
    assert Message.objects.filter(state="sent").count() == 4


def test_old_counts_are_forgotten_by_the_nightly_job():
    limits.allow_message(ADDRESS, timezone.now() - timedelta(days=2))
    limits.allow_message("baru@example.org")
    assert apply_retention()["message_counts"] == 1
    assert Allowance.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_simultaneous_requests_cannot_both_take_the_last_place(settings):
    settings.CONFIRMATIONS_PER_DAY = 3
    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(lambda _: in_own_connection(limits.allow_message, ADDRESS), range(8)))
    assert answers.count(True) == 3


@pytest.mark.django_db(transaction=True)
def test_a_second_request_waits_for_the_first_ones_row_lock_then_sees_its_count(settings):
    """The deterministic form of the race: the first request holds its transaction open after taking the last
    place; the second must wait for it (a lock wait in pg_stat_activity), then be refused."""
    settings.CONFIRMATIONS_PER_DAY = 2
    assert limits.allow_message(ADDRESS)  # the address has its row already
    taken, release, answers = threading.Event(), threading.Event(), {}

    def first():
        with transaction.atomic():
            answers["first"] = limits.allow_message(ADDRESS)
            taken.set()
            release.wait(30)

    threads = [threading.Thread(target=in_own_connection, args=(first,)),
               threading.Thread(target=lambda: answers.update(second=in_own_connection(limits.allow_message,
                                                                                        ADDRESS)))]
    threads[0].start()
    assert taken.wait(30)
    threads[1].start()
    wait_until(lambda: waiting_for_a_lock() >= 1, seconds=30)
    assert "second" not in answers
    release.set()
    for thread in threads:
        thread.join(30)
    assert answers == {"first": True, "second": False}


def in_own_connection(function, *args):
    try:
        return function(*args)
    finally:
        connections.close_all()


def waiting_for_a_lock():
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                       "AND wait_event_type = 'Lock' AND query LIKE '%%notify_allowance%%'")
        return cursor.fetchone()[0]


def test_the_migration_asks_phones_confirmed_by_filing_alone_for_their_link(whatsapp, client):  # noqa: F811
    reports = [file_with("whatsapp") for _ in range(5)]
    Notice.objects.all().delete()
    Subscription.objects.update(confirmed_at=timezone.now())  # as filing confirmed a reporter's phone before
    email = make_report()
    migration = importlib.import_module("notify.migrations.0002_phones_confirmed_by_link")
    migration.ask_reporters_phones(installed_apps, None)
    phones = Subscription.objects.filter(channel="whatsapp")
    assert not phones.filter(confirmed_at__isnull=False).exists()
    asked = Notice.objects.filter(kind="confirm").order_by("subscription__report__created")
    assert [n.subscription.report_id for n in asked] == [r.pk for r in reports[-3:]]  # the newest, at most 3
    assert Subscription.objects.get(report=email).active  # e-mail is confirmed by the filing, as before
    run_jobs()
    send_pending(now=timezone.now() + timedelta(hours=12))  # within minutes by day, at 06:00 after a night
    run_jobs()
    assert len(whatsapp.received) == 3
    client.post(asked[0].subscription.confirm_url())
    assert Subscription.objects.active().filter(channel="whatsapp").count() == 1


def test_a_phone_number_the_reporter_corrects_gets_its_own_link_first(whatsapp, client, django_user_model):  # noqa: F811
    report = file_with("whatsapp")
    client.post(Subscription.objects.get(report=report).confirm_url())
    run_jobs()
    whatsapp.received.clear()
    data_page = reverse("report-my-data", args=[report.code, report.private_token])
    client.post(data_page, {"name": "Siti", "phone": "0813 0000 1111", "contact_consent": "on"})
    dispatcher = staff_user(django_user_model, "dewi", "dispatcher")
    report.refresh_from_db()
    workflow.change_status(report, "diverifikasi", dispatcher, version=report.version)
    run_jobs()
    [only] = whatsapp.received
    assert only["json"]["to"] == "6281300001111"
    assert "/konfirmasi/" in only["json"]["template"]["components"][0]["parameters"][0]["text"]
