"""Working days skip weekends and the holiday table; open reports' due dates follow the table's changes."""

import datetime
import zoneinfo

import pytest
import time_machine

from jobs.queue import TASKS
from reports import calendar
from reports.calendar import add_working_days, recompute_due_dates, seed_holidays
from reports.models import Category, Holiday, Report, StatusChange
from tests.conftest import PUBLISHED, make_report, run, run_jobs
from tiles import grid
from tiles.invalidate import version

pytestmark = pytest.mark.django_db

JAKARTA = zoneinfo.ZoneInfo("Asia/Jakarta")
FRIDAY = datetime.date(2027, 3, 5)
LEBARAN = [datetime.date(2027, 3, day) for day in (8, 9, 10, 11, 12, 15)]


@pytest.fixture
def holidays():
    """The tests' own holidays, never the package's estimates; add(*dates) puts some in the table."""
    Holiday.objects.all().delete()
    Category.objects.filter(slug="jalan-berlubang").update(response_days=5)

    def add(*dates):
        Holiday.objects.bulk_create(Holiday(date=day, name="Libur pengujian") for day in dates)
    return add


# The package's answer for 2027 as the tests need it, whatever a later release of the package knows: a national
# holiday, an Islamic one it only estimates (its name then carries "(perkiraan)"), and a cuti bersama.
PACKAGE_2027 = {
    "public": {datetime.date(2027, 1, 1): "Tahun Baru Masehi",
               datetime.date(2027, 3, 10): "Hari Raya Idul Fitri"},
    "government": {datetime.date(2027, 3, 11): "Cuti Bersama Hari Raya Idul Fitri"},
}
ESTIMATED_2027 = {datetime.date(2027, 3, 10)}
# "Today", for the tests of what is seeded for this year and the next.
MID_2026 = datetime.datetime(2026, 6, 15, 10, 0, tzinfo=JAKARTA)


class PackageOf2027:
    """Stands in for the holidays package (`holidays.ID(years=…, categories=…, …)`) with PACKAGE_2027."""

    @staticmethod
    def ID(years, categories, language, islamic_show_estimated=True):  # noqa: N802 (the package's name)
        assert years == 2027 and language == "id"
        return {day: name + (" (perkiraan)" if islamic_show_estimated and day in ESTIMATED_2027 else "")
                for day, name in PACKAGE_2027[categories].items()}


def filed(on, status="baru"):
    """A report filed on the date `on` (10:00 in Padangpanjang) with the due date the table gave it then."""
    report = make_report(status=status)
    Report.objects.filter(pk=report.pk).update(created=datetime.datetime.combine(on, datetime.time(10), JAKARTA),
                                               due_date=add_working_days(on, 5))
    return Report.objects.get(pk=report.pk)


def test_it_skips_weekends_and_the_tables_days_read_in_one_query(holidays, django_assert_num_queries):
    assert add_working_days(FRIDAY, 5) == datetime.date(2027, 3, 12)
    holidays(*LEBARAN)
    with django_assert_num_queries(1):
        assert add_working_days(FRIDAY, 5) == datetime.date(2027, 3, 22)


def test_a_run_of_days_off_longer_than_the_first_span_reads_on(holidays):
    holidays(*(datetime.date(2027, 3, 8) + datetime.timedelta(days=n) for n in range(60)))  # to 6 May
    assert add_working_days(FRIDAY, 1) == datetime.date(2027, 5, 7)


@time_machine.travel(MID_2026, tick=False)
def test_a_report_filed_before_holidays_is_due_after_them(holidays):
    today = MID_2026.date()
    holidays(*(today + datetime.timedelta(days=n) for n in range(1, 15)))
    report = make_report()
    assert report.due_date == add_working_days(today, 5) > today + datetime.timedelta(days=14)


def post_holiday(client, url, date):
    response = client.post(url, {"date": date, "name": "Hari Raya Idul Fitri", "kind": "nasional"})
    assert response.status_code == 302, response.content.decode()


def test_a_holiday_added_moved_and_removed_in_the_admin_moves_the_open_reports_due_dates(
        holidays, desk_clients, django_capture_on_commit_callbacks):
    admin = desk_clients["admin"]
    report, closed, later = filed(FRIDAY), filed(FRIDAY, status="ditutup"), filed(datetime.date(2027, 3, 10))
    tile = max(grid.tiles_at(report.location.x, report.location.y))
    tile_before = version(*tile)

    with django_capture_on_commit_callbacks(execute=True):
        post_holiday(admin, "/admin/reports/holiday/add/", "2027-03-10")
        assert Report.objects.get(pk=report.pk).due_date == report.due_date  # a job does it
        run_jobs()
    moved = Report.objects.get(pk=report.pk)
    assert moved.due_date == datetime.date(2027, 3, 15) and moved.version == report.version + 1
    change = moved.history.last()
    assert (change.from_status, change.to_status, change.by.username) == ("baru", "baru", "admin")
    assert change.note == "Batas waktu dihitung ulang: 12 Maret 2027 → 15 Maret 2027 (hari libur berubah)"
    assert version(*tile) != tile_before
    # Closed, or filed on the holiday itself (its window starts the day after): left alone.
    for other in (closed, later):
        kept = Report.objects.get(pk=other.pk)
        assert (kept.due_date, kept.version, kept.history.count()) == (other.due_date, other.version, 1)

    holiday = Holiday.objects.get(date="2027-03-10")
    post_holiday(admin, f"/admin/reports/holiday/{holiday.pk}/change/", "2027-03-11")  # still in its window
    run_jobs()
    assert Report.objects.get(pk=report.pk).history.count() == 2

    response = admin.post(f"/admin/reports/holiday/{holiday.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    run_jobs()
    back = Report.objects.get(pk=report.pk)
    assert back.due_date == datetime.date(2027, 3, 12) and back.version == report.version + 2
    assert back.history.last().note == (
        "Batas waktu dihitung ulang: 15 Maret 2027 → 12 Maret 2027 (hari libur berubah)")


def test_recomputing_goes_in_batches_and_touches_only_the_reports_whose_due_date_moves(holidays, monkeypatch):
    monkeypatch.setattr(calendar, "BATCH", 2)
    reports = [filed(FRIDAY) for _ in range(3)]
    earlier = filed(datetime.date(2027, 3, 1))  # due on the 8th, before the new holiday
    holidays(datetime.date(2027, 3, 10))
    assert recompute_due_dates({datetime.date(2027, 3, 10)}, by=None) == 3
    assert {r.due_date for r in Report.objects.filter(pk__in=[r.pk for r in reports])} == {datetime.date(2027, 3, 15)}
    assert Report.objects.get(pk=earlier.pk).version == earlier.version
    assert recompute_due_dates({datetime.date(2027, 3, 10)}, by=None) == 0  # nothing left to move


@time_machine.travel(MID_2026, tick=False)
def test_setup_city_seeds_this_and_next_year_once(holidays):
    year = 2026
    out = run("setup_city", kelurahan=str(PUBLISHED))
    seeded = list(Holiday.objects.values_list("date", flat=True))
    assert {day.year for day in seeded} == {year, year + 1} and len(seeded) == len(set(seeded))
    assert Holiday.objects.filter(kind=Holiday.Kind.NATIONAL).exists()
    assert f"Holidays {year}: {Holiday.objects.filter(date__year=year).count()} added" in out

    out = run("setup_city", kelurahan=str(PUBLISHED))
    assert f"Holidays {year}: 0 added" in out and f"Holidays {year + 1}: 0 added" in out
    assert Holiday.objects.count() == len(seeded)


def test_seeding_flags_estimates_keeps_the_admins_edits_and_recomputes_due_dates(holidays, monkeypatch):
    monkeypatch.setattr(calendar, "holidays", PackageOf2027)
    report = filed(FRIDAY)
    added = seed_holidays(2027)
    assert {(holiday.date, holiday.kind, holiday.name) for holiday in added} == {
        (datetime.date(2027, 1, 1), Holiday.Kind.NATIONAL, "Tahun Baru Masehi"),
        (datetime.date(2027, 3, 10), Holiday.Kind.NATIONAL, "Hari Raya Idul Fitri"),
        (datetime.date(2027, 3, 11), Holiday.Kind.CUTI_BERSAMA, "Cuti Bersama Hari Raya Idul Fitri"),
    }
    estimated = [holiday for holiday in added if holiday.estimated]
    assert [holiday.date for holiday in estimated] == sorted(ESTIMATED_2027)
    moved = Report.objects.get(pk=report.pk)
    assert (report.due_date, moved.due_date) == (datetime.date(2027, 3, 12), datetime.date(2027, 3, 16))
    recomputed = StatusChange.objects.filter(report=report, by=None, note__startswith="Batas waktu dihitung ulang")
    assert recomputed.count() == 1

    # The government fixes the date on a later day; an administrator moves the row and says so.
    corrected = Holiday.objects.get(pk=estimated[0].pk)
    corrected.date = next(day for day in (corrected.date + datetime.timedelta(days=n) for n in range(1, 30))
                          if not Holiday.objects.filter(date=day).exists())
    corrected.name, corrected.estimated = "Idul Fitri (ditetapkan)", False
    corrected.save()
    assert seed_holidays(2027) == []
    assert Holiday.objects.get(pk=corrected.pk).name == "Idul Fitri (ditetapkan)"
    assert not Holiday.objects.filter(date=estimated[0].date).exists()
    # A cuti bersama the government cancels: deleted, it does not come back at the next seeding (deployment).
    cancelled = Holiday.objects.filter(kind=Holiday.Kind.CUTI_BERSAMA).first()
    cancelled.delete()
    assert seed_holidays(2027) == [] and not Holiday.objects.filter(date=cancelled.date).exists()


@time_machine.travel(MID_2026, tick=False)
def test_a_daily_job_seeds_the_coming_year_once(holidays):
    next_year = 2027
    Holiday.objects.filter(date__year=next_year).delete()
    TASKS["reports.seed_holidays"].function()
    seeded = Holiday.objects.filter(date__year=next_year).count()
    TASKS["reports.seed_holidays"].function()
    assert seeded > 0 and Holiday.objects.filter(date__year=next_year).count() == seeded
