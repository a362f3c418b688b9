"""Issue 27: "Laporan saya" (the statuses a phone asks for), "Cek laporan" codes, and one person one support."""

import re
from importlib import import_module

import pytest
from django.apps import apps as current_apps
from django.core import mail

from notify.models import Subscription
from reports import services
from reports.models import Report, Support
from tests.conftest import REPORTER_EMAIL, make_report, run_jobs

pytestmark = pytest.mark.django_db
DEVICE, OTHER = "perangkat-satu-1234", "perangkat-dua-5678"


@pytest.fixture(autouse=True)
def site(settings):
    settings.SITE_URL = "http://testserver"


def support(client, report, **data):
    return client.post(f"/api/v1/reports/{report.code}/support", data)


def follow(client, report, email, device=""):
    client.post(f"/laporan/{report.code}/langganan/", {"channel": "email", "email": email, "supports": "on",
                                                        "device_id": device})
    run_jobs()
    return client.post(re.search(r"http://testserver(/\S+/konfirmasi/)", mail.outbox[-1].body)[1])


def counted(report):
    report.refresh_from_db()
    return report.support_count


def test_the_statuses_of_a_phones_reports_in_one_query_public_fields_only(client, django_assert_num_queries):
    first, second = make_report(), make_report(status="diverifikasi")
    hidden = make_report(hidden=True)
    codes = f"{first.code}, {second.code.lower()},{hidden.code},PP-999999"
    with django_assert_num_queries(1):
        found = client.get("/api/v1/reports/status", {"codes": codes}, HTTP_ACCEPT_LANGUAGE="id").json()
    assert [r["code"] for r in found] == sorted([first.code, second.code])
    assert set(found[0]) == {"code", "category_name", "status", "status_label", "updated", "url"}
    assert {r["code"]: r["status_label"] for r in found}[second.code] == "diverifikasi"
    assert found[0]["url"].endswith(f"/laporan/{found[0]['code']}/")


def test_the_statuses_refuse_no_codes_or_too_many_naming_the_field(client):
    for codes in ("", " , ", ",".join(f"PP-26{n:04d}" for n in range(51))):
        answer = client.get("/api/v1/reports/status", {"codes": codes})
        assert answer.status_code == 400 and list(answer.json()) == ["codes"]


@pytest.mark.parametrize("typed", ["PP 260010", "pp-260010", "260010", " pp260010 ", "PP-260010"])
def test_cek_laporan_takes_the_code_as_residents_type_it(client, typed):
    report = make_report()
    Report.objects.filter(pk=report.pk).update(code="PP-260010")
    found = client.get("/cek/", {"kode": typed})
    assert found.status_code == 302 and found.url == "/laporan/PP-260010/"


def test_the_reporter_cannot_support_their_own_report(client):
    report = make_report()
    Report.objects.filter(pk=report.pk).update(reporter_device=DEVICE)
    own_device = support(client, report, device_id=DEVICE)
    own_token = support(client, report, device_id=OTHER, token=report.private_token)
    assert own_device.status_code == own_token.status_code == 403 and "error" in own_token.json()
    assert counted(report) == 0
    private = client.get(report.get_private_url()).content.decode()
    assert 'id="support"' not in private and 'name="supports"' not in private
    public = client.get(report.get_absolute_url()).content.decode()
    assert 'id="support"' in public and 'name="supports"' in public


def test_a_filing_keeps_the_device_it_came_from(client):
    from tests.test_reports_api import file

    code = file(client, device_id=DEVICE).json()["code"]
    report = Report.objects.get(code=code)
    assert report.reporter_device == DEVICE
    assert support(client, report, device_id=DEVICE).status_code == 403


def test_support_then_follow_from_the_same_phone_counts_once(client):
    report = make_report()
    assert support(client, report, device_id=DEVICE).status_code == 201
    follow(client, report, "tetangga@example.org", device=DEVICE)
    assert counted(report) == 1
    assert Support.objects.get(report=report).contact == "email:tetangga@example.org"
    # The same contact from another phone is the same person; another phone alone is another.
    assert support(client, report, device_id=DEVICE).json()["added"] is False
    follow(client, report, "tetangga@example.org", device=OTHER)
    assert counted(report) == 1
    assert support(client, report, device_id=OTHER).status_code == 201
    assert counted(report) == 2


def test_follow_then_support_from_the_same_phone_counts_once(client):
    report = make_report()
    follow(client, report, "tetangga@example.org", device=DEVICE)
    assert counted(report) == 1
    assert support(client, report, device_id=DEVICE).json() == {"code": report.code, "support_count": 1,
                                                                "added": False}


def test_the_reporters_own_contact_following_as_supporter_does_not_count(client):
    report = make_report()
    follow(client, report, REPORTER_EMAIL.upper())
    assert Subscription.objects.get(address=REPORTER_EMAIL).active
    assert counted(report) == 0


def test_a_merge_moves_each_person_once_and_never_the_originals_reporter(client, django_user_model):
    from reports import workflow
    from tests.conftest import staff_user

    original, duplicate = make_report(), make_report(north=0.0001)
    Report.objects.filter(pk=original.pk).update(reporter_device=OTHER)
    original.refresh_from_db()
    services.add_support(original, device=DEVICE)
    services.add_support(duplicate, device=DEVICE, contact="email:a@example.org")
    services.add_support(duplicate, device=OTHER)
    services.add_support(duplicate, contact="email:b@example.org")
    workflow.change_status(duplicate, "duplikat", staff_user(django_user_model, "dewi", "dispatcher"),
                           version=duplicate.version, duplicate_of=original)
    assert counted(original) == 2 and counted(duplicate) == 0
    assert set(Support.objects.filter(report=original).values_list("supporter", "contact")) == {
        (DEVICE, ""), ("", "email:b@example.org")}


def test_the_migration_recounts_existing_supports_one_per_person():
    report = make_report()
    by_mail = Subscription.objects.create(role="supporter", report=report, channel="email", address="a@example.org")
    again = Subscription.objects.create(role="supporter", report=report, channel="email", address="b@example.org")
    own = Subscription.objects.create(role="supporter", report=report, channel="email", address=REPORTER_EMAIL)
    Support.objects.bulk_create([Support(report=report, supporter=f"notify:{s.pk}") for s in (by_mail, again, own)]
                                + [Support(report=report, supporter=DEVICE, contact="email:b@example.org")])
    Report.objects.filter(pk=report.pk).update(support_count=4)
    import_module("notify.migrations.0006_recount_supports_one_per_person").recount(current_apps, None)
    assert counted(report) == 2
    assert set(Support.objects.filter(report=report).values_list("supporter", "contact")) == {
        (DEVICE, "email:b@example.org"), ("", "email:a@example.org")}
