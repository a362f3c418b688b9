"""Statistics: /api/v1/stats.json, the kelurahan GeoJSON with counts, and the /statistik/ page."""

import datetime
import threading
import time

import pytest
from django.core.cache import cache
from django.utils import timezone, translation

from geo.models import Kelurahan
from jobs.models import Job
from reports import stats
from reports.models import Category
from tests.conftest import REPORTER_EMAIL, REPORTER_NAME, REPORTER_PHONE, run_jobs
from tests.conftest import make_report as report

pytestmark = pytest.mark.django_db

JAKARTA = datetime.timezone(datetime.timedelta(hours=7))


def filed_and_fixed(days, due_in_days, **fields):
    created = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=JAKARTA)
    return report(created=created, fixed_at=created + datetime.timedelta(days=days), status="selesai",
                  due_date=(created + datetime.timedelta(days=due_in_days)).date(), **fields)


@pytest.fixture
def city_figures():
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
    assert months["2026-03"] == 3 and months[timezone.localdate().strftime("%Y-%m")] == 3


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


def test_the_figures_cost_a_handful_of_queries_and_are_then_reused(client, city_figures,
                                                                  django_assert_max_num_queries):
    with django_assert_max_num_queries(6):
        client.get("/api/v1/stats.json")
    with django_assert_max_num_queries(0):
        client.get("/api/v1/stats.json")


def test_old_figures_are_served_at_once_while_a_job_counts_them_again_in_their_language(client, settings):
    report()
    english = {"HTTP_ACCEPT_LANGUAGE": "en"}
    assert client.get("/api/v1/stats.json", **english).json()["total"] == 1  # the first request counts itself
    assert not Job.objects.exists()
    settings.STATS_CACHE_SECONDS = 0  # from now on the kept figures are old
    report()
    for _ in range(2):
        assert client.get("/api/v1/stats.json", **english).json()["total"] == 1  # no wait: the old figures
    [job] = Job.objects.filter(task="reports.recount_stats")
    assert (job.key, job.args) == ("reports.recount_stats:en", {"language": "en"})
    run_jobs()
    recounted = client.get("/api/v1/stats.json", **english).json()
    assert recounted["total"] == 2
    road = Category.objects.get(slug="jalan")
    assert {row["category_name"] for row in recounted["by_category_status"]} == {road.name_en}


def test_while_one_request_makes_the_first_count_the_others_wait_for_it(django_assert_num_queries):
    key = "reports:stats:v2:id"
    cache.add(f"{key}:counting", 1, 60)  # another request is counting
    threading.Timer(0.3, lambda: cache.set(key, {"figures": {"total": 42}, "counted_at": time.time()})).start()
    with translation.override("id"), django_assert_num_queries(0):
        assert stats.figures() == {"total": 42}
