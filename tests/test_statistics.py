"""Statistics: /api/v1/stats.json, the kelurahan GeoJSON with counts, and the /statistik/ page."""

import datetime
from collections import Counter

import pytest
import time_machine
from django.utils import timezone

from geo.models import Kelurahan
from reports.models import Category, FixTime, Report, ReportCount
from tests.conftest import REPORTER_EMAIL, REPORTER_NAME, REPORTER_PHONE
from tests.conftest import make_report as report

pytestmark = pytest.mark.django_db

JAKARTA = datetime.timezone(datetime.timedelta(hours=7))


def filed_and_fixed(days, due_in_days, **fields):
    created = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=JAKARTA)
    return report(created=created, fixed_at=created + datetime.timedelta(days=days), status="selesai",
                  due_date=(created + datetime.timedelta(days=due_in_days)).date(), **fields)


# The reports filed "now" are filed in May 2026, whatever day the tests run.
FILED_NOW = datetime.datetime(2026, 5, 20, 10, 0, tzinfo=JAKARTA)


@pytest.fixture
def city_figures():
    with time_machine.travel(FILED_NOW, tick=False):
        make_city_figures()


def make_city_figures():
    report()  # open, Ganting
    report(status="dikerjakan")
    report(slug="lampu-mati", lat=-0.4650, lon=100.3900)  # open, Silaing Atas
    report(hidden=True)  # not counted: hidden reports are out of the public figures
    filed_and_fixed(days=2, due_in_days=14)
    filed_and_fixed(days=6, due_in_days=14)
    filed_and_fixed(days=30, due_in_days=14)


def test_the_figures_count_by_kelurahan_category_status_and_month(client, city_figures):
    figures = client.get("/api/v1/stats.json").json()
    assert (figures["total"], figures["open"]) == (6, 3)
    ganting = next(k for k in figures["kelurahan"] if k["code"] == "13.74.01.1001")
    assert (ganting["total"], ganting["open"], ganting["open_per_1000"]) == (5, 2, None)
    assert len(figures["kelurahan"]) == 16
    road = {(r["category"], r["status"]): r["count"] for r in figures["by_category_status"]}
    assert road == {("jalan", "baru"): 1, ("jalan", "dikerjakan"): 1, ("jalan", "selesai"): 3,
                    ("penerangan-jalan", "baru"): 1}
    months = {m["month"]: m["count"] for m in figures["by_month"]}
    assert months == {"2026-03": 3, "2026-05": 3}


def test_median_days_and_the_share_fixed_on_time(client, city_figures):
    figures = client.get("/api/v1/stats.json").json()
    assert figures["median_days_to_fix"] == [
        {"kelurahan": "13.74.01.1001", "category": "jalan", "median_days": 6.0, "fixed": 3}
    ]
    assert figures["fixed_on_time"][0]["share_on_time"] == pytest.approx(2 / 3, abs=0.001)


def test_per_1000_residents_where_the_population_is_known(client, city_figures):
    Kelurahan.objects.filter(code="13.74.01.1001").update(population=4000)
    ganting = next(k for k in client.get("/api/v1/stats.json").json()["kelurahan"] if k["code"] == "13.74.01.1001")
    assert ganting["open_per_1000"] == 0.5


def test_the_kelurahan_geojson_carries_the_counts(client, city_figures):
    collection = client.get("/api/v1/stats/kelurahan.geojson").json()
    assert len(collection["features"]) == 16
    ganting = next(f for f in collection["features"] if f["properties"]["code"] == "13.74.01.1001")
    assert ganting["properties"]["open"] == 2 and ganting["geometry"]["type"] in ("Polygon", "MultiPolygon")


def test_the_page_is_public_readable_in_both_languages_and_holds_nothing_personal(client, city_figures):
    indonesian = client.get("/statistik/").content.decode()
    english = client.get("/statistik/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "6 laporan, 3 masih terbuka" in indonesian
    assert "6 reports, 3 still open" in english and "67%" in english
    for text in (indonesian, english, client.get("/api/v1/stats.json").content.decode()):
        assert REPORTER_NAME not in text and REPORTER_PHONE not in text and REPORTER_EMAIL not in text


def test_the_figures_cost_a_handful_of_queries_whatever_the_number_of_reports(client, city_figures,
                                                                           django_assert_max_num_queries):
    """Counts per kelurahan, without a place, per office, per category and status, per month, medians, on time."""
    with django_assert_max_num_queries(7):
        client.get("/api/v1/stats.json")


def test_the_figures_are_those_of_the_moment_in_the_language_asked(client):
    report()
    english = {"HTTP_ACCEPT_LANGUAGE": "en"}
    assert client.get("/api/v1/stats.json", **english).json()["total"] == 1
    report()
    figures = client.get("/api/v1/stats.json", **english).json()
    assert figures["total"] == 2
    road = Category.objects.get(slug="jalan")
    assert {row["category_name"] for row in figures["by_category_status"]} == {road.name_en}


def counted_from_scratch():
    """ReportCount's and FixTime's rows as they should be, counted in Python from the public reports."""
    counts, fix_times = {}, Counter()
    for r in Report.objects.public():
        month = timezone.localtime(r.created).date().replace(day=1)
        fixed = r.fixed_at is not None
        on_time = fixed and timezone.localtime(r.fixed_at).date() <= r.due_date
        key = (r.kelurahan_id, r.category_id, r.status, month)
        counts[key] = tuple(a + b for a, b in zip(counts.get(key, (0, 0, 0)), (1, fixed, on_time), strict=True))
        if fixed:
            fix_times[(r.kelurahan_id, r.category_id, round((r.fixed_at - r.created).total_seconds() / 8640))] += 1
    return counts, dict(fix_times)


def kept():
    counts = ReportCount.objects.exclude(count=0, fixed=0, fixed_on_time=0)
    fix_times = FixTime.objects.exclude(count=0)
    return ({(c.kelurahan_id, c.category_id, c.status, c.month): (c.count, c.fixed, c.fixed_on_time) for c in counts},
            {(f.kelurahan_id, f.category_id, f.tenths): f.count for f in fix_times})


def test_the_kept_counts_follow_every_change_of_a_report_as_counting_from_scratch_finds():
    lighting, last_kelurahan = Category.objects.get(slug="lampu-mati"), Kelurahan.objects.order_by("code").last()
    changes = [
        lambda: report(),
        lambda: report(slug="lampu-mati", lat=-0.4650, lon=100.3900),
        lambda: filed_and_fixed(days=1.3, due_in_days=14),
        lambda: filed_and_fixed(days=2.26, due_in_days=1, slug="saluran-tersumbat"),
        lambda: filed_and_fixed(days=30, due_in_days=14),
        lambda: Report.objects.filter(status="baru").update(status="dikerjakan"),  # one statement, many reports
        lambda: Report.objects.filter(fixed_at__isnull=False).latest("fixed_at").delete(),
        lambda: Report.objects.filter(pk=Report.objects.first().pk).update(hidden=True),
        lambda: Report.objects.filter(hidden=True).update(hidden=False, category=lighting),
        lambda: Report.objects.filter(fixed_at__isnull=False).update(kelurahan=last_kelurahan),
        lambda: Report.objects.update(support_count=3),  # nothing counted changes
        lambda: Report.objects.filter(fixed_at__isnull=False).update(due_date=datetime.date(2026, 3, 2)),
        lambda: Report.objects.filter(status="dikerjakan").delete(),
    ]
    for change in changes:
        change()
        assert kept() == counted_from_scratch()
    assert kept() != ({}, {})


def test_the_median_is_that_of_the_times_to_a_tenth_of_a_day(client):
    for days in (1.01, 1.26, 3.5, 9.0):  # exactly 2.38 days; of the times to a tenth of a day (1.3 and 3.5) 2.4
        filed_and_fixed(days=days, due_in_days=14)
    [row] = client.get("/api/v1/stats.json").json()["median_days_to_fix"]
    assert (row["median_days"], row["fixed"]) == (2.4, 4)


def test_a_category_moved_under_another_main_category_is_counted_there_at_once(client):
    report(slug="lampu-mati")
    Category.objects.filter(slug="lampu-mati").update(parent=Category.objects.get(slug="jalan"))
    [row] = client.get("/api/v1/stats.json").json()["by_category_status"]
    assert (row["category"], row["count"]) == ("jalan", 1)
