"""Reports forwarded to partners' Open311 endpoints, their status read back (forwarding/), and our own
servicerequestupdates feed for partners following ours (reports/interop/open311.py)."""

import importlib
from datetime import UTC, datetime, timedelta
from xml.etree import ElementTree

import pytest
import time_machine
from django.apps import apps as django_apps
from django.db.models import F
from django.utils import timezone

from forwarding import partners
from forwarding.models import Forwarding, Link, Route
from jobs.models import Job
from reports import workflow
from reports.models import Category, Report, Status, StatusChange
from tests.conftest import REPORTER_EMAIL, REPORTER_NAME, REPORTER_PHONE, make_report, run_jobs, staff_user
from tests.fake_georeport import KEY, FakeGeoReport

pytestmark = pytest.mark.django_db


@pytest.fixture
def partner(settings):
    server = FakeGeoReport()
    settings.FORWARDING_TIMEOUT_S, settings.SITE_URL = 1, "https://lapor.padangpanjang.go.id"
    link = Link.objects.create(kind=Link.Kind.OPEN311, name="PLN UP3 Bukittinggi", url=f"{server.url}/v2",
                               api_key=KEY, jurisdiction_id="pln.co.id")
    Route.objects.create(category=Category.objects.get(slug="lampu-mati"), link=link, code="PJU-MATI")
    server.link = link
    yield server
    server.close()


@pytest.fixture
def dispatcher(django_user_model):
    return staff_user(django_user_model, "dewi", "dispatcher")


def verify(report, user):
    report.refresh_from_db()
    return workflow.change_status(report, Status.DIVERIFIKASI, user, version=report.version)


def test_a_verified_report_goes_to_its_categorys_partner_without_personal_data(partner, dispatcher):
    report = make_report("lampu-mati", show_name=True)
    make_report("jalan-berlubang")  # another category: not the partner's
    verify(report, dispatcher)
    run_jobs()
    run_jobs()
    assert len(partner.posted) == 1 and partner.violations == []
    sent = partner.posted[0]
    assert sent["service_code"] == "PJU-MATI" and sent["jurisdiction_id"] == "pln.co.id"
    assert float(sent["lat"]) == pytest.approx(report.location.y) and sent["description"] == report.description
    assert not {"first_name", "last_name", "email", "phone"} & set(sent)
    assert Forwarding.objects.get(report=report).external_id == "P-1"


@pytest.mark.parametrize("consent", [True, False])
def test_the_name_goes_only_where_the_endpoint_asks_and_the_reporter_shows_it_and_never_a_contact(
        partner, dispatcher, consent):
    Link.objects.filter(pk=partner.link.pk).update(personal_data=Link.PersonalData.NAME)
    report = make_report("lampu-mati", show_name=consent)
    verify(report, dispatcher)
    run_jobs()
    sent = partner.posted[0]
    assert (sent.get("first_name"), sent.get("last_name")) == ((REPORTER_NAME, None) if consent else (None, None))
    assert not {"email", "phone"} & set(sent)
    assert not {REPORTER_EMAIL, REPORTER_PHONE} & set(sent.values())


def test_a_link_that_sent_contact_details_sends_nothing_of_the_reporter_after_the_migration(partner, dispatcher):
    """Existing data: "contact" (name, phone and e-mail) is no choice any more; migration 0002 makes it "none"."""
    Link.objects.filter(pk=partner.link.pk).update(personal_data="contact")
    migration = importlib.import_module("forwarding.migrations.0002_partners_get_no_contact")
    migration.contact_to_none(django_apps, None)
    assert Link.objects.get(pk=partner.link.pk).personal_data == Link.PersonalData.NONE
    assert [choice for choice, _ in Link.PersonalData.choices] == ["none", "name"]
    verify(make_report("lampu-mati", show_name=True), dispatcher)
    run_jobs()
    assert not {"first_name", "last_name", "email", "phone"} & set(partner.posted[0])


def test_a_token_is_resolved_later_and_the_partners_status_shown_as_theirs(partner, dispatcher):
    partner.with_token = True
    report = make_report("lampu-mati")
    verify(report, dispatcher)
    run_jobs()
    forwarding = Forwarding.objects.get(report=report)
    assert (forwarding.token, forwarding.external_id) == ("T-1", "")
    poll()  # the partner has no id yet
    assert Forwarding.objects.get(pk=forwarding.pk).external_id == ""
    partner.resolved = True
    partner.status, partner.notes = "closed", "Lampu diganti."
    poll()
    forwarding.refresh_from_db()
    assert forwarding.external_id == "P-1" and forwarding.partner_status == "closed"
    report.refresh_from_db()
    assert report.status == Status.DIVERIFIKASI  # our workflow does not move on its own
    assert report.history.last().note == "PLN UP3 Bukittinggi: closed — Lampu diganti."
    poll()  # nothing new: no second row
    assert report.history.filter(note__startswith="PLN").count() == 1


def test_a_category_can_let_the_partner_close_ours(partner, dispatcher):
    Route.objects.filter(link=partner.link).update(follow_partner=True)
    report = make_report("lampu-mati")
    verify(report, dispatcher)
    run_jobs()
    partner.status = "closed"
    poll()
    report.refresh_from_db()
    assert report.status == Status.SELESAI and report.history.last().by is None


def poll():
    """The periodic poll and the one read job per request it queues."""
    partners.poll()
    run_jobs()


@pytest.mark.parametrize("failure", [500, "hangup", "slow"])
def test_a_partner_down_slow_or_failing_is_retried_and_sent_once(partner, dispatcher, failure):
    report = make_report("lampu-mati")
    partner.fail = failure
    verify(report, dispatcher)
    run_jobs()
    job = Job.objects.get(task="forwarding.deliver", state="queued")
    assert job.attempts == 1 and job.run_at <= timezone.now() + timedelta(seconds=30)
    poll()  # a partner down does not stop the poll
    partner.fail = None
    run_jobs()
    run_jobs()
    assert len(partner.posted) == 1 and Forwarding.objects.get(report=report).external_id == "P-1"


def test_a_refused_key_pauses_the_partner(partner, dispatcher, client):
    Link.objects.filter(pk=partner.link.pk).update(api_key="salah")
    verify(make_report("lampu-mati"), dispatcher)
    run_jobs()
    assert Link.objects.get(pk=partner.link.pk).paused_since is not None
    assert client.get("/healthz").json()["degraded"] == ["forwarding"]


# Our own feed of status changes, for the partners following our reports.

@time_machine.travel(datetime(2026, 12, 3, 10, 0, tzinfo=UTC))
def test_the_updates_feed_lists_each_status_change_with_its_public_note(client, dispatcher, django_user_model,
                                                                       django_assert_num_queries):
    report = make_report()
    crew = staff_user(django_user_model, "andi", "crew", report.crew.name)
    verify(report, dispatcher)
    report.refresh_from_db()
    workflow.change_status(report, Status.DIKERJAKAN, crew, version=report.version, note="Internal.")
    report.refresh_from_db()
    workflow.change_status(report, Status.DIVERIFIKASI, dispatcher, version=report.version, note="Untuk umum.")
    hidden = make_report(hidden=True)
    verify(hidden, dispatcher)
    with django_assert_num_queries(1):
        found = client.get("/open311/v2/servicerequestupdates.json").json()
    mine = [entry for entry in found if entry["service_request_id"] == report.code]
    assert [(e["external_status_code"], e["status"], e["description"]) for e in mine] == [
        ("baru", "open", ""), ("diverifikasi", "open", ""), ("dikerjakan", "open", ""),
        ("diverifikasi", "open", "Untuk umum.")]
    assert hidden.code not in {entry["service_request_id"] for entry in found}
    xml = ElementTree.fromstring(client.get("/open311/v2/servicerequestupdates.xml").content)
    assert xml.tag == "service_request_updates" and len(xml.findall("request_update")) == len(found)
    window = "start_date=2026-12-02&end_date=2026-12-02"  # yesterday
    assert client.get(f"/open311/v2/servicerequestupdates.json?{window}").json() == []
    wrong = client.get("/open311/v2/servicerequestupdates.json?start_date=kemarin")
    assert wrong.status_code == 400 and "start_date" in wrong.json()[0]["description"]
    discovery = client.get("/open311/discovery.json").json()
    assert any(e["url"].endswith("/open311/v2/servicerequestupdates") for e in discovery["endpoints"])
    assert StatusChange.objects.filter(report=report).count() == 4 and Report.objects.count() == 2


# FixMyStreet's update client, as perllib/Open311/GetServiceRequestUpdates.pm, Open311.pm and UpdatesBase.pm run it.
FIXMYSTREET_STATES = {"fixed": "fixed - council", "not councils responsibility": "not responsible",
                      "no further action": "unable to fix", "open": "confirmed", "closed": "fixed - council"}


def fixmystreet_fetch(client, now):
    """One fetch as FixMyStreet's cron makes it: the last two hours in W3CDTF (UTC), one request, no paging;
    every request_update whose time lies in the window is kept (check_date), in the state map_state gives it."""
    def w3cdtf(moment):
        return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    start, end = w3cdtf(now - timedelta(hours=2)), w3cdtf(now)
    answer = client.get("/open311/v2/servicerequestupdates.xml", {"api_key": "", "start_date": start,
                                                                  "end_date": end})
    assert answer.status_code == 200
    kept = {}
    for update in ElementTree.fromstring(answer.content).findall("request_update"):
        if start <= w3cdtf(datetime.fromisoformat(update.findtext("updated_datetime"))) <= end:
            status = update.findtext("status").lower().replace("_", " ")
            kept[update.findtext("update_id")] = (update.findtext("service_request_id"),
                                                  FIXMYSTREET_STATES.get(status, status))
    return kept


def test_fixmystreet_reads_every_update_of_its_two_hour_window_and_a_rejection_as_not_fixed(client, dispatcher):
    """1,500 changes in the window (the feed once cut at the oldest 1,000); a rejected report reads as
    "unable to fix" (FixMyStreet's "No further action"), a duplicate as a duplicate: never as fixed."""
    now = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)
    with time_machine.travel(now - timedelta(hours=1), tick=False):
        busy, rejected, duplicate = make_report(), make_report(), make_report()
        StatusChange.objects.bulk_create(
            StatusChange(report=busy, from_status=Status.BARU, to_status=Status.DIVERIFIKASI) for _ in range(1500))
        workflow.change_status(rejected, Status.DITOLAK, dispatcher, version=rejected.version, note="Bukan jalan kota.")
        workflow.change_status(duplicate, Status.DUPLIKAT, dispatcher, version=duplicate.version,
                               duplicate_of=busy)
    with time_machine.travel(now - timedelta(hours=3), tick=False):
        make_report()  # before the window

    with time_machine.travel(now, tick=False):
        kept = fixmystreet_fetch(client, now)
        in_window = StatusChange.objects.filter(created__gte=now - timedelta(hours=2)).exclude(
            from_status=F("to_status"))
        assert sorted(kept) == sorted(str(pk) for pk in in_window.values_list("pk", flat=True))
        assert len(kept) == 1500 + 3 + 2  # the three filings, the rejection and the merge
        states = {code: state for code, state in kept.values()}
        assert states[rejected.code] == "unable to fix" and states[duplicate.code] == "duplicate"
        assert states[busy.code] == "confirmed"
        too_long = client.get("/open311/v2/servicerequestupdates.json", {"start_date": "2026-11-01",
                                                                         "end_date": "2026-12-03"})
        assert too_long.status_code == 400 and "start_date" in too_long.json()[0]["description"]
