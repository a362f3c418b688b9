"""The reports' periodic jobs: pruning the API call log, and the morning digest to crews and dispatchers."""

from datetime import date, timedelta

import pytest
from django.core import mail
from django.utils import timezone

from jobs import queue
from jobs.models import Job
from offices.models import Office
from reports.models import ApiCall, ApiClient
from reports.roles import CREW, DISPATCHER, OFFICE, PLANNER
from tests.conftest import make_report, run_jobs, staff_user

pytestmark = pytest.mark.django_db

EAST, WEST = "Tim Jalan Padang Panjang Timur", "Tim Jalan Padang Panjang Barat"
THURSDAY = date(2026, 3, 5)  # the next working day is Friday the 6th


def test_api_calls_past_their_keeping_days_are_pruned_a_batch_per_job(settings):
    settings.API_CALLS_KEEP_DAYS = 90
    client = ApiClient.objects.create(name="LAPOR!-SP4N", key_digest="d" * 64, key_prefix="abcd")
    calls = [ApiCall.objects.create(client=client, method="POST", path="/open311/v2/requests.json", status_code=200)
             for _ in range(4)]
    ApiCall.objects.filter(pk__in=[c.pk for c in calls[:3]]).update(created=timezone.now() - timedelta(days=91))
    queue.enqueue("reports.prune_api_calls", batch=2)
    run_jobs()
    assert list(ApiCall.objects.all()) == [calls[3]]
    assert Job.objects.filter(task="reports.prune_api_calls", state=Job.State.DONE).count() == 2  # 2, then 1


@pytest.fixture
def staff(django_user_model):
    def person(name, group, crew=None, email=True):
        user = staff_user(django_user_model, name, group, crew)
        user.email = f"{name}@padangpanjang.go.id" if email else ""
        user.save()
        return user

    return {"andi": person("andi", CREW, EAST), "budi": person("budi", CREW, WEST),
            "citra": person("citra", CREW, EAST, email=False), "dewi": person("dewi", DISPATCHER),
            "eka": person("eka", PLANNER)}


def test_the_daily_task_enqueues_a_digest_for_each_dispatcher_and_crew_member_with_an_e_mail(staff):
    queue.enqueue("reports.send_digests")
    assert queue.run_one()
    sent_to = Job.objects.filter(task="reports.send_digest").values_list("args__user_id", flat=True)
    assert sorted(sent_to) == sorted(staff[name].pk for name in ("andi", "budi", "dewi"))
    following = Job.objects.get(task="reports.send_digests", state=Job.State.QUEUED)
    assert timezone.localtime(following.run_at).time() == queue.TASKS["reports.send_digests"].daily_at


def test_the_digest_lists_overdue_and_soon_due_reports_of_the_crew_or_the_city(staff, settings):
    settings.SITE_URL = "https://lapor.padangpanjang.go.id"
    overdue = make_report(due_date=date(2026, 3, 2))  # Ganting: the east's road crew
    soon = make_report(due_date=date(2026, 3, 6))
    make_report(due_date=date(2026, 3, 9))  # not yet
    make_report(due_date=date(2026, 3, 2), status="ditutup")  # closed
    lamp = make_report(slug="lampu-mati", due_date=date(2026, 3, 3))  # the city's lighting crew
    assert {overdue.crew.name, soon.crew.name} == {EAST} and lamp.crew != overdue.crew
    for user in staff.values():
        queue.enqueue("reports.send_digest", user_id=user.pk, day=THURSDAY.isoformat())
    run_jobs()

    mails = {m.to[0].split("@")[0]: m for m in mail.outbox}
    assert sorted(mails) == ["andi", "dewi"]  # budi's crew has nothing due, citra has no e-mail, eka plans
    crew = mails["andi"]
    assert crew.subject == "Laporan yang perlu ditangani, 5 Maret 2026: 1 terlambat, 1 segera jatuh tempo"
    assert f"Laporan terbuka {EAST}, 5 Maret 2026:" in crew.body
    assert "Terlambat (1):" in crew.body and "Jatuh tempo paling lambat 6 Maret 2026 (1):" in crew.body
    assert f"https://lapor.padangpanjang.go.id/petugas/laporan/{overdue.code}/" in crew.body
    assert crew.body.index(overdue.code) < crew.body.index(soon.code) and lamp.code not in crew.body
    city = mails["dewi"].body
    assert "seluruh kota" in city and "Terlambat (2):" in city and lamp.code in city


def test_no_digest_when_nothing_is_due(staff):
    make_report(due_date=date(2026, 3, 20))
    queue.enqueue("reports.send_digest", user_id=staff["dewi"].pk, day=THURSDAY.isoformat())
    run_jobs()
    assert mail.outbox == []


def test_office_staff_get_the_digest_of_their_offices_reports(staff, django_user_model):
    fajar = staff_user(django_user_model, "fajar", OFFICE)
    fajar.email = "fajar@padangpanjang.go.id"
    fajar.save()
    Office.objects.get(slug="dinas-kesehatan").staff.add(fajar)
    theirs = make_report(slug="pelayanan-puskesmas", due_date=date(2026, 3, 2))
    road = make_report(due_date=date(2026, 3, 2))  # Dinas PUPR's
    queue.enqueue("reports.send_digests")
    assert queue.run_one()
    assert fajar.pk in Job.objects.filter(task="reports.send_digest").values_list("args__user_id", flat=True)
    queue.enqueue("reports.send_digest", user_id=fajar.pk, day=THURSDAY.isoformat())
    run_jobs()
    body = next(m.body for m in mail.outbox if m.to == ["fajar@padangpanjang.go.id"])
    assert "Dinas Kesehatan" in body and theirs.code in body and road.code not in body
