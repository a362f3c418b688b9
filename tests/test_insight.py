"""Hotspots, recurrence and response times (insight/): what they find, who may see them, and nothing personal."""

import csv
import datetime
import gzip
import io
import json
import zoneinfo

import pytest
import time_machine
from django.contrib.gis.geos import Point, Polygon
from django.db import connection
from django.test import Client
from django.utils import timezone, translation

from assets import layers, picking
from assets.models import Asset, AssetGeneration, AssetKind
from insight import hotspots, kept
from insight.models import KeptRecurrence, ResponseCount
from reports import representation
from reports.models import Category, Holiday, Report, StatusChange
from tests.conftest import REPORTER_EMAIL, REPORTER_NAME, REPORTER_PHONE, make_report, staff_user, verified_login
from tests.images import GANTING_GPS

pytestmark = pytest.mark.django_db

JAKARTA = zoneinfo.ZoneInfo("Asia/Jakarta")
# A Friday; the Monday after it is made a holiday where a test needs one.
FRIDAY = datetime.datetime(2026, 3, 6, 9, 0, tzinfo=JAKARTA)
HOLIDAY_MONDAY = datetime.date(2026, 3, 9)
TODAY = datetime.datetime(2026, 5, 20, 10, 0, tzinfo=JAKARTA)
METRE = 1 / 111_320  # a metre of latitude in degrees


@pytest.fixture
def no_holidays():
    Holiday.objects.all().delete()


@pytest.fixture
def planner(django_user_model):
    return verified_login(Client(), staff_user(django_user_model, "rina", "planner"))


def filed(at, **fields):
    with time_machine.travel(at, tick=False):
        return make_report(**fields)


def fixed(report, at):
    Report.objects.filter(pk=report.pk).update(status="selesai", fixed_at=at)


def verified(report, at):
    with time_machine.travel(at, tick=False):
        StatusChange.objects.create(report=report, from_status="baru", to_status="diverifikasi")


def working_days(first, last):
    with connection.cursor() as cursor:
        cursor.execute("SELECT insight_working_days(%s, %s)", [first, last])
        return cursor.fetchone()[0]


def fix_days():
    fixes = ResponseCount.objects.filter(dimension="city", measure="fix", count__gt=0)
    return sorted((row.days, row.count) for row in fixes)


# Working days

def test_working_days_skip_the_weekend_and_holidays(no_holidays):
    friday = FRIDAY.date()
    assert working_days(friday, friday) == 0
    assert working_days(friday, friday + datetime.timedelta(days=2)) == 0  # Saturday, Sunday
    assert working_days(friday, friday + datetime.timedelta(days=3)) == 1  # Monday
    assert working_days(friday, friday + datetime.timedelta(days=14)) == 10
    Holiday.objects.create(date=HOLIDAY_MONDAY, name="Libur pengujian")
    assert working_days(friday, friday + datetime.timedelta(days=3)) == 0
    assert working_days(friday, friday + datetime.timedelta(days=5)) == 2
    Holiday.objects.create(date=datetime.date(2026, 3, 14), name="Libur di hari Sabtu")  # a Saturday: no change
    assert working_days(friday, friday + datetime.timedelta(days=14)) == 9


def test_a_fix_counts_its_working_days_and_follows_the_holiday_table(no_holidays):
    report = filed(FRIDAY, due_date=datetime.date(2026, 3, 10))
    fixed(report, FRIDAY + datetime.timedelta(days=4))  # Tuesday: Monday and Tuesday
    assert fix_days() == [(2, 1)]
    assert ResponseCount.objects.get(dimension="city", measure="fix", count=1).on_time == 1
    Holiday.objects.create(date=HOLIDAY_MONDAY, name="Libur pengujian")
    assert fix_days() == [(1, 1)]
    Holiday.objects.filter(date=HOLIDAY_MONDAY).delete()
    assert fix_days() == [(2, 1)]


def test_verification_counts_from_the_history_and_hidden_reports_do_not_count(no_holidays):
    report = filed(FRIDAY)
    verified(report, FRIDAY + datetime.timedelta(days=3))
    verify = ResponseCount.objects.get(dimension="city", measure="verify", count=1)
    assert (verify.days, verify.month) == (1, datetime.date(2026, 3, 1))
    verified(report, FRIDAY + datetime.timedelta(days=20))  # a later verification (reopened) is not the first
    verifications = ResponseCount.objects.filter(dimension="city", measure="verify", count__gt=0)
    assert list(verifications.values_list("days", "count")) == [(1, 1)]
    fixed(report, FRIDAY + datetime.timedelta(days=6))
    Report.objects.filter(pk=report.pk).update(hidden=True)
    assert not ResponseCount.objects.filter(count__gt=0).exists()
    hidden = filed(FRIDAY, hidden=True)
    fixed(hidden, FRIDAY + datetime.timedelta(days=4))
    verified(hidden, FRIDAY + datetime.timedelta(days=4))
    assert not ResponseCount.objects.filter(count__gt=0).exists()
    Report.objects.filter(pk=report.pk).update(hidden=False)
    assert ResponseCount.objects.filter(dimension="city", count__gt=0).count() == 2
    assert ResponseCount.objects.filter(count__gt=0).count() == 10  # the city, crew, kelurahan, category, office
    report.delete()
    assert not ResponseCount.objects.filter(count__gt=0).exists()


def test_median_and_90th_percentile_of_a_known_set(no_holidays, planner):
    """Ten reports filed on a Monday fixed after 1..10 working days: median 5.5, p90 9.1 (percentile_cont)."""
    monday = datetime.datetime(2026, 4, 6, 9, 0, tzinfo=JAKARTA)
    for days in range(1, 11):
        report = filed(monday, north=-days * 20 * METRE, due_date=datetime.date(2026, 4, 13))  # 5 working days
        weeks, rest = divmod(days, 5)
        fixed(report, monday + datetime.timedelta(days=weeks * 7 + rest))
    with connection.cursor() as cursor:
        cursor.execute("""SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY d), percentile_cont(0.9) WITHIN GROUP
                          (ORDER BY d) FROM (SELECT insight_working_days((created AT TIME ZONE 'Asia/Jakarta')::date,
                          (fixed_at AT TIME ZONE 'Asia/Jakarta')::date) d FROM reports_report) r""")
        assert cursor.fetchone() == (5.5, 9.1)
    with time_machine.travel(TODAY, tick=False):
        figures = planner.get("/api/v1/response-times.json").json()
    city = [row for row in figures["tables"]["city"] if row["month"] is None]
    assert city == [{"key": 0, "name": "", "month": None, "verified": 0, "verify_median": None, "verify_p90": None,
                     "fixed": 10, "fix_median": 5.5, "fix_p90": 9.1, "on_time": 5, "share_on_time": 0.5}]
    april = next(row for row in figures["tables"]["kelurahan"] if row["month"] == "2026-04")
    assert (april["name"], april["fixed"], april["fix_median"]) == ("Ganting", 10, 5.5)
    assert figures["since"] == "2025-06"  # the last 12 months, this one included


def test_months_outside_the_last_twelve_are_left_out(no_holidays, planner):
    old = filed(datetime.datetime(2025, 4, 7, 9, 0, tzinfo=JAKARTA))
    fixed(old, datetime.datetime(2025, 4, 9, 9, 0, tzinfo=JAKARTA))
    with time_machine.travel(TODAY, tick=False):
        assert planner.get("/api/v1/response-times.json").json()["tables"]["city"] == []


def test_the_response_time_page_and_a_csv_of_every_table(no_holidays, planner):
    report = filed(FRIDAY, due_date=datetime.date(2026, 3, 10))
    verified(report, FRIDAY + datetime.timedelta(days=3))
    fixed(report, FRIDAY + datetime.timedelta(days=4))
    with time_machine.travel(TODAY, tick=False):
        page = planner.get("/statistik/waktu-tanggap/")
        assert page.status_code == 200
        text = page.content.decode()
        assert "<svg" in text and "Ganting" in text and "Waktu tanggap" in text
        for group, name in (("city", ""), ("crew", None), ("kelurahan", "Ganting"), ("category", "Jalan: Berlubang")):
            response = planner.get(f"/statistik/waktu-tanggap/{group}.csv")
            assert response["Content-Type"].startswith("text/csv")
            rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
            assert [(row["month"], row["fixed"], row["fix_median"], row["verify_median"]) for row in rows] == [
                ("", "1", "2.0", "1.0"), ("2026-03", "1", "2.0", "1.0")], group
            excel = planner.get(f"/statistik/waktu-tanggap/{group}.csv?dialect=excel-id").content.decode("utf-8-sig")
            assert [(row["month"], row["fix_median"]) for row in csv.DictReader(io.StringIO(excel), delimiter=";")] == [
                ("", "2,0"), ("2026-03", "2,0")], group
            if name is not None:
                assert rows[0]["name"] == name
        assert planner.get("/statistik/waktu-tanggap/lain.csv").status_code == 404
        assert planner.get("/statistik/waktu-tanggap/city.csv?dialect=excel").status_code == 400


# Hotspots and recurrence

def test_clusters_with_known_eps_and_minpoints(planner):
    spot = [filed(FRIDAY, north=n * 10 * METRE) for n in range(3)]  # 0, 10 and 20 m apart
    filed(FRIDAY, north=200 * METRE)  # alone
    lights = [filed(FRIDAY, slug="lampu-mati", north=n * 5 * METRE) for n in range(2)]  # another category
    filed(FRIDAY, north=30 * METRE, status="selesai")  # fixed: not a hotspot
    filed(FRIDAY, north=5 * METRE, hidden=True)  # hidden: never shown
    found = planner.get("/api/v1/hotspots.geojson?eps=15&minpoints=3").json()
    assert [(f["properties"]["category"], [r["code"] for r in f["properties"]["reports"]])
            for f in found["features"]] == [("jalan-berlubang", sorted(r.code for r in spot))]
    cluster = found["features"][0]
    assert cluster["geometry"]["type"] in ("Polygon", "LineString")  # three points nearly in a row: a thin hull
    assert cluster["properties"]["centroid"][1] == pytest.approx(spot[1].location.y, abs=1e-6)
    assert cluster["properties"]["reports"][0]["url"].startswith("http://testserver/laporan/")
    pairs = planner.get("/api/v1/hotspots.geojson?eps=15&minpoints=2").json()["features"]
    assert sorted(f["properties"]["count"] for f in pairs) == [2, 3]
    assert sorted(r["code"] for r in pairs[1]["properties"]["reports"]) == sorted(r.code for r in lights)
    assert planner.get("/api/v1/hotspots.geojson?eps=9&minpoints=2").json()["features"][0]["properties"][
        "category"] == "lampu-mati"  # 10 m apart is beyond 9 m
    assert planner.get("/api/v1/hotspots.geojson?eps=15&minpoints=2&category=jalan").json()[
        "features"][0]["properties"]["count"] == 3
    box = "100.30,-0.50,100.35,-0.48"  # away from Ganting
    assert planner.get(f"/api/v1/hotspots.geojson?eps=15&minpoints=2&bbox={box}").json()["features"] == []


def test_hotspot_csv_lists_each_report_of_each_cluster(planner):
    codes = sorted(filed(FRIDAY, north=n * 10 * METRE).code for n in range(3))
    response = planner.get("/api/v1/hotspots.csv?eps=15&minpoints=3")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [row["code"] for row in rows] == codes
    assert {row["cluster"] for row in rows} == {"jalan-berlubang-1"} and rows[0]["count"] == "3"
    # For a spreadsheet set to Indonesian: the exports' excel-id dialect, decimal commas in the centroid.
    excel = planner.get("/api/v1/hotspots.csv?eps=15&minpoints=3&dialect=excel-id").content.decode("utf-8-sig")
    indonesian = list(csv.DictReader(io.StringIO(excel), delimiter=";"))
    assert [row["code"] for row in indonesian] == codes
    assert indonesian[0]["centroid_lat"] == rows[0]["centroid_lat"].replace(".", ",")
    assert planner.get("/api/v1/hotspots.csv?dialect=excel").json()["dialect"]


@pytest.mark.parametrize("query, field", [("eps=0", "eps"), ("eps=abc", "eps"), ("minpoints=1", "minpoints"),
                                          ("category=tidak-ada", "category"), ("bbox=1,2,3", "bbox")])
def test_bad_parameters_are_json_errors_naming_the_field(planner, query, field):
    response = planner.get(f"/api/v1/hotspots.geojson?{query}")
    assert response.status_code == 400 and field in response.json()
    page = planner.get(f"/statistik/titik-rawan/?{query}")
    assert page.status_code == 200 and f"<strong>{field}</strong>" in page.content.decode()


def test_hotspots_of_a_category_cost_one_query_after_sign_in(planner, django_assert_num_queries):
    """The category is found in the map tiles.invalidate keeps (read once per process), and PostgreSQL writes the
    GeoJSON: the session and the user (two queries, accounts.backends), then the clustering."""
    spot = sorted(filed(FRIDAY, north=n * 10 * METRE).code for n in range(3))
    planner.get("/api/v1/hotspots.geojson?category=jalan&eps=15&minpoints=3")  # the categories' map is read
    with django_assert_num_queries(3):
        response = planner.get("/api/v1/hotspots.geojson?category=jalan&eps=15&minpoints=3")
    assert response["Content-Type"] == "application/geo+json"
    assert [[r["code"] for r in f["properties"]["reports"]] for f in response.json()["features"]] == [spot]
    with django_assert_num_queries(2):
        refused = planner.get("/api/v1/hotspots.geojson?category=tidak-ada")
    assert refused.json() == {"category": ["Object with slug=tidak-ada does not exist."]}


def test_recurrence_found_within_the_days_and_the_radius(planner):
    first = filed(FRIDAY)
    fixed(first, FRIDAY + datetime.timedelta(days=5))
    came_back = filed(FRIDAY + datetime.timedelta(days=25), north=20 * METRE)  # 20 days after the fix, 20 m away
    filed(FRIDAY + datetime.timedelta(days=25), north=60 * METRE)  # beyond the road categories' 30 m
    filed(FRIDAY + datetime.timedelta(days=25), slug="lampu-mati")  # another category
    filed(FRIDAY + datetime.timedelta(days=2))  # before the fix
    with time_machine.travel(TODAY, tick=False):
        found = planner.get("/api/v1/recurrence.geojson?days=30").json()["features"]
        assert [(f["properties"]["fixed"]["code"], [b["code"] for b in f["properties"]["came_back"]])
                for f in found] == [(first.code, [came_back.code])]
        assert found[0]["properties"]["came_back"][0]["distance_m"] == 20
        assert planner.get("/api/v1/recurrence.geojson?days=19").json()["features"] == []  # not within 19 days
        assert planner.get("/api/v1/recurrence.geojson?days=30&months=1").json()["features"] == []  # fix too old
        rows = list(csv.DictReader(io.StringIO(
            planner.get("/api/v1/recurrence.csv?days=30").content.decode("utf-8-sig"))))
        assert [(row["fixed_code"], row["came_back_code"], row["distance_m"]) for row in rows] == [
            (first.code, came_back.code, "20")]
        copy = filed(FRIDAY + datetime.timedelta(days=26), north=10 * METRE, status="duplikat",
                     duplicate_of=came_back)  # merged into the report that came back: not a second return
        assert [b["code"] for b in planner.get("/api/v1/recurrence.geojson?days=30").json()["features"][0][
            "properties"]["came_back"]] == [came_back.code]
        Report.objects.filter(pk=came_back.pk).update(hidden=True)
        Report.objects.filter(pk=copy.pk).update(hidden=True)
        assert planner.get("/api/v1/recurrence.geojson?days=30").json()["features"] == []


def lamp_at(identifier, north_m=0.0, generation=None):
    """A street light of the active `lampu` generation (or of `generation`), `north_m` metres north of the pin."""
    kind = AssetKind.objects.get(code="lampu")
    generation = generation or AssetGeneration.objects.get_or_create(kind=kind, active=True, defaults={
        "source": "test", "source_sha256": "0" * 64})[0]
    lat, lon = GANTING_GPS
    return Asset.objects.create(kind=kind, generation=generation, identifier=identifier,
                                geometry=Point(lon, lat + north_m * METRE, srid=4326))


def came_back(planner):
    found = planner.get("/api/v1/recurrence.geojson?days=30").json()["features"]
    return [(f["properties"]["fixed"]["code"], [b["code"] for b in f["properties"]["came_back"]]) for f in found]


def test_recurrence_on_the_same_asset_whatever_the_distance_and_not_on_another_asset(planner):
    layers.ensure_default_kinds()
    here, there, beside = lamp_at("PJU-1"), lamp_at("PJU-2", north_m=300), lamp_at("PJU-3", north_m=5)
    first = filed(FRIDAY, slug="lampu-mati", asset=here)
    fixed(first, FRIDAY + datetime.timedelta(days=5))
    # The same light, reported from 300 m away (a resident who named it from the list): far beyond any radius.
    again = filed(FRIDAY + datetime.timedelta(days=20), slug="lampu-mati", north=300 * METRE, asset=there)
    Report.objects.filter(pk=again.pk).update(asset=here)
    # The next light, 5 m off: a different asset, so a different problem, however close.
    filed(FRIDAY + datetime.timedelta(days=20), slug="lampu-mati", north=5 * METRE, asset=beside)
    # A report naming no asset 5 m off keeps the radius rule.
    unnamed = filed(FRIDAY + datetime.timedelta(days=21), slug="lampu-mati", north=5 * METRE)
    with time_machine.travel(TODAY, tick=False):
        assert came_back(planner) == [(first.code, [again.code, unnamed.code])]
        found = planner.get("/api/v1/recurrence.geojson?days=30").json()["features"][0]
        far, near = (b["distance_m"] for b in found["properties"]["came_back"])
        assert far > 290 and near == 5  # a degree of latitude is a little shorter than METRE assumes


def test_recurrence_follows_the_asset_across_generations(planner):
    layers.ensure_default_kinds()
    old = lamp_at("PJU-1")
    first = filed(FRIDAY, slug="lampu-mati", asset=old)
    fixed(first, FRIDAY + datetime.timedelta(days=5))
    AssetGeneration.objects.update(active=False)
    newer = AssetGeneration.objects.create(kind=old.kind, active=True, source="again", source_sha256="1" * 64)
    moved = lamp_at("PJU-1", north_m=100, generation=newer)  # redrawn 100 m away in the next import
    again = filed(FRIDAY + datetime.timedelta(days=20), slug="lampu-mati", north=100 * METRE, asset=moved)
    with time_machine.travel(TODAY, tick=False):
        assert came_back(planner) == [(first.code, [again.code])]
    assert picking.history(moved).recurrences == 1


# The recurrence's answer as the product wrote it before PostgreSQL wrote the features (issue 28): the statement's
# rows, made into features in Python. The oracle the SQL-written answer is compared with.
ORACLE_CAME_BACK = ("b.created > a.fixed_at AND b.created <= a.fixed_at + make_interval(days => %(days)s) "
                    "AND NOT b.hidden AND NOT b.private AND b.status NOT IN ('ditolak', 'duplikat') AND b.id <> a.id")
ORACLE_SQL = """
SELECT a.code, c.slug, {category_name}, a.fixed_at, ST_AsGeoJSON(a.location, 6),
       array_agg(b.code ORDER BY b.created, b.code), array_agg(b.created ORDER BY b.created, b.code),
       array_agg(round(ST_Distance(a.location::geography, b.location::geography))::int ORDER BY b.created, b.code)
FROM reports_report a
JOIN reports_category c ON c.id = a.category_id LEFT JOIN reports_category cp ON cp.id = c.parent_id
LEFT JOIN assets_asset aa ON aa.id = a.asset_id
JOIN LATERAL (
    SELECT b.id FROM reports_report b LEFT JOIN assets_asset ba ON ba.id = b.asset_id
    WHERE ST_DWithin(b.location::geography, a.location::geography, c.duplicate_radius_m) AND {came_back}
      AND (aa.id IS NULL OR ba.id IS NULL OR (ba.kind_id = aa.kind_id AND ba.identifier = aa.identifier))
    UNION
    SELECT b.id FROM assets_asset ba JOIN reports_report b ON b.asset_id = ba.id
    WHERE ba.kind_id = aa.kind_id AND ba.identifier = aa.identifier AND {came_back}
) back ON true
JOIN reports_report b ON b.id = back.id
JOIN reports_category bc ON bc.id = b.category_id AND coalesce(bc.parent_id, bc.id) = coalesce(c.parent_id, c.id)
WHERE a.fixed_at >= %(since)s AND NOT a.hidden AND NOT a.private AND a.location IS NOT NULL {where}
GROUP BY a.id, c.id, cp.id ORDER BY count(*) DESC, a.code
"""


def oracle(days, since, box=None, categories=None, site="", asset=None):
    where, params = hotspots._filters("a", box, categories, asset)
    with connection.cursor() as cursor:
        cursor.execute(ORACLE_SQL.format(where=where, came_back=ORACLE_CAME_BACK,
                                         category_name=hotspots.category_name()),
                       {**params, "days": days, "since": since})
        fetched = cursor.fetchall()
    start, end = hotspots.report_url_parts(site)

    def local(moment):
        return timezone.localtime(moment).isoformat()

    return [
        {"type": "Feature", "id": code, "geometry": json.loads(point),
         "properties": {
             "fixed": {"code": code, "url": f"{start}{code}{end}", "fixed_at": local(fixed_at)},
             "category": slug, "category_name": name, "count": len(codes),
             "came_back": [{"code": later, "url": f"{start}{later}{end}", "filed": local(filed), "distance_m": metres}
                           for later, filed, metres in zip(codes, filed_at, distances, strict=True)]}}
        for code, slug, name, fixed_at, point, codes, filed_at, distances in fetched
    ]


def test_recurrence_written_by_postgresql_is_the_python_built_answer():
    """Fixes and later reports at odd instants (microseconds, just before and after midnight in Jakarta), near and
    far, in sub-categories of one main category and of another, on assets and not, hidden, private, merged: for
    each window, box, category and asset, in both languages and in another time zone, the features PostgreSQL
    writes are the ones the rows made into features in Python were."""
    layers.ensure_default_kinds()
    light, next_light = lamp_at("PJU-1", north_m=-300), lamp_at("PJU-2", north_m=-295)
    tick = datetime.timedelta(microseconds=123_457)
    fixes = []
    for n, (slug, asset) in enumerate([("jalan-berlubang", None), ("jalan-retak-amblas", None),
                                       ("lampu-mati", light), ("saluran-tersumbat", None)]):
        first = filed(FRIDAY + n * tick, slug=slug, north=-n * 150 * METRE, asset=asset)
        fixed(first, FRIDAY + datetime.timedelta(days=2, hours=14, minutes=59, seconds=59) + n * tick)
        fixes.append(first)
        for later, (days, north_m, other, fields) in enumerate([
                (3, 10, slug, {}), (9, 20, "trotoar-rusak", {}), (12, 29, slug, {"hidden": True}),
                (15, 45, slug, {}), (40, 3, slug, {"private": True}), (20, 5, "genangan-banjir", {}),
                (25, 2, slug, {"status": "ditolak"}), (1, 0, slug, {})]):
            filed(FRIDAY + datetime.timedelta(days=days, hours=later) + later * tick, slug=other,
                  north=(north_m - n * 150) * METRE, **fields)
    far = filed(FRIDAY + datetime.timedelta(days=6), slug="lampu-mati", north=-600 * METRE)
    Report.objects.filter(pk=far.pk).update(asset=light)  # the same light, named from 300 m away
    filed(FRIDAY + datetime.timedelta(days=7), slug="lampu-mati", north=-295 * METRE, asset=next_light)
    road = [c.pk for c in Category.objects.filter(slug__startswith="jalan")]
    box = Polygon.from_bbox((GANTING_GPS[1] - 0.001, GANTING_GPS[0] - 0.001, GANTING_GPS[1] + 0.001,
                             GANTING_GPS[0] + 0.005))
    with time_machine.travel(TODAY, tick=False):
        since = timezone.now() - datetime.timedelta(days=365)
        for days, box_, categories, asset, language, zone in [
                (90, None, None, None, "id", "Asia/Jakarta"), (10, None, None, None, "en", "Asia/Jakarta"),
                (730, box, road, None, "id", "Asia/Jakarta"), (30, None, None, light, "en", "Asia/Jakarta"),
                (90, None, None, None, "id", "America/St_Johns"), (90, None, None, None, "en", "UTC")]:
            with translation.override(language), timezone.override(zone):
                expected = oracle(days, since, box_, categories, "https://lapor.test", asset)
                assert json.loads(hotspots.recurrences_json(days, since, box_, categories, "https://lapor.test",
                                                            asset)) == expected, (days, language, zone)
                assert expected, (days, language, zone)
        assert sorted(f["id"] for f in oracle(90, since)) == sorted(f.code for f in fixes)


def test_the_page_lists_the_largest_recurrences_and_maps_them_all(planner, monkeypatch):
    """The page's list is the first of the features the API gives (the oracle's), its map every place as a point
    with its category's name, count and fixed report's code, written by PostgreSQL as the page used to slim them."""
    monkeypatch.setattr("insight.hotspots.PAGE_LIST", 2)
    for n, (slug, returns) in enumerate([("jalan-berlubang", 1), ("lampu-mati", 3), ("saluran-tersumbat", 2)]):
        first = filed(FRIDAY, slug=slug, north=-n * 150 * METRE)
        fixed(first, FRIDAY + datetime.timedelta(days=1))
        for later in range(returns):
            filed(FRIDAY + datetime.timedelta(days=3 + later), slug=slug, north=(later * 5 - n * 150) * METRE)
    with time_machine.travel(TODAY, tick=False):
        page = planner.get("/statistik/titik-rawan/?days=30")
        expected = oracle(30, timezone.now() - datetime.timedelta(days=round(3 * 30.44)), site="http://testserver")
    assert [f["properties"]["count"] for f in expected] == [3, 2, 1]
    assert page.context["recurring"] == expected[:2] and page.context["recurring_count"] == 3
    assert json.loads(page.context["layers"])["recurring"]["features"] == [
        {"type": "Feature", "geometry": f["geometry"],
         "properties": {"category_name": f["properties"]["category_name"], "count": f["properties"]["count"],
                        "fixed": f["properties"]["fixed"]["code"]}} for f in expected]
    assert "2 yang terbesar didaftar di sini" in page.content.decode()


def script_json(page, element_id):
    """The JSON inside the page's <script id=...>, cut at the first </script> as the browser does, and checked to
    hold no <, > or & as they are (json_script's escapes)."""
    text = page.split(f'<script id="{element_id}" type="application/json">')[1].split("</script>")[0]
    assert not set("<>&") & set(text)
    return json.loads(text)


def test_the_city_s_default_recurrence_is_kept_and_served_while_fresh(planner, settings):
    """The job computes the default view (the whole city, 3 months, 90 days) in both languages; the API (gzipped
    as kept for a client that takes it), the CSV and the page answer it from what was kept (a report filed since is
    not in it, while a narrower view computed for its request has it) until it is two periods old, then compute it
    again; each answer says when it was computed."""
    settings.SITE_URL = "http://testserver"
    first = filed(TODAY - datetime.timedelta(days=20))
    fixed(first, TODAY - datetime.timedelta(days=18))
    back = filed(TODAY - datetime.timedelta(days=10), north=10 * METRE)
    Category.objects.filter(slug="jalan-berlubang").update(name_en="Potholes </script><b>&amp;")
    with time_machine.travel(TODAY, tick=False):
        kept.keep()
        since = hotspots.window_start(3, timezone.now())
        expected = oracle(90, since, site="http://testserver")
        with translation.override("en"):
            expected_en = oracle(90, since, site="http://testserver")
    assert [f["properties"]["came_back"][0]["code"] for f in expected] == [back.code]
    kept_collection = {"type": "FeatureCollection", "timeStamp": "2026-05-20T10:00:00+07:00", "features": expected}
    later = TODAY + datetime.timedelta(minutes=2)
    again = filed(later, north=5 * METRE)
    with time_machine.travel(later, tick=False):
        assert planner.get("/api/v1/recurrence.geojson").json() == kept_collection
        packed = planner.get("/api/v1/recurrence.geojson", HTTP_ACCEPT_ENCODING="gzip, deflate")
        assert packed["Content-Encoding"] == "gzip" and "Accept-Encoding" in packed["Vary"]
        assert json.loads(gzip.decompress(packed.content)) == kept_collection
        assert planner.get("/api/v1/recurrence.geojson?days=90&months=3", HTTP_ACCEPT_LANGUAGE="en").json()[
            "features"] == expected_en
        rows = list(csv.DictReader(io.StringIO(planner.get("/api/v1/recurrence.csv").content.decode("utf-8-sig"))))
        assert [(row["fixed_code"], row["came_back_code"]) for row in rows] == [(first.code, back.code)]
        page = planner.get("/statistik/titik-rawan/")
        assert page.context["recurring"] == expected and page.context["recurring_count"] == 1
        assert "sebagaimana dihitung pukul 10:00" in page.content.decode()
        page_en = planner.get("/statistik/titik-rawan/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert [f["properties"]["category_name"] for f in script_json(page_en, "insight-layers")["recurring"][
            "features"]] == ["Road: Potholes </script><b>&amp;"]
        narrower = planner.get("/api/v1/recurrence.geojson?category=jalan").json()
        assert narrower["timeStamp"] == "2026-05-20T10:02:00+07:00"
        assert [b["code"] for b in narrower["features"][0]["properties"]["came_back"]] == [back.code, again.code]
    stale = TODAY + 2 * kept.EVERY + datetime.timedelta(seconds=1)
    with time_machine.travel(stale, tick=False):
        answer = planner.get("/api/v1/recurrence.geojson").json()
        assert [b["code"] for b in answer["features"][0]["properties"]["came_back"]] == [back.code, again.code]
        page = planner.get("/statistik/titik-rawan/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert "computed at" not in page and [f["properties"]["count"] for f in script_json(
            page, "insight-layers")["recurring"]["features"]] == [2]


def test_the_kept_answer_is_the_page_s_and_the_api_s_for_the_same_moment(planner, settings):
    """What the job keeps for the API and for the page (the largest places, the map's points, the count) is what
    each computes for the same window, in both languages; a request on another site than SITE_URL (its URLs would
    differ) is computed for itself."""
    settings.SITE_URL = "https://lapor.test"
    for n, returns in enumerate([2, 1, 3]):
        first = filed(TODAY - datetime.timedelta(days=40), north=-n * 150 * METRE)
        fixed(first, TODAY - datetime.timedelta(days=39))
        for later in range(returns):
            filed(TODAY - datetime.timedelta(days=30 - later), north=(later * 5 - n * 150) * METRE)
    with time_machine.travel(TODAY, tick=False):
        kept.keep()
        since = hotspots.window_start(3, timezone.now())
        for language in ("id", "en"):
            with translation.override(language):
                row = KeptRecurrence.objects.get(language=language)
                largest, drawn, count = hotspots.recurrences_page(hotspots.PAGE_LIST, 90, since, site="https://lapor.test")
                assert (row.since, row.count, row.drawn, json.loads(row.largest)) == (since, count, drawn, largest)
                assert gzip.decompress(row.geojson_gzip).decode() == representation.feature_collection(
                    hotspots.recurrences_json(90, since, site="https://lapor.test"), timezone.now())
                assert count == 3
    with time_machine.travel(TODAY + datetime.timedelta(minutes=1), tick=False):
        answer = planner.get("/api/v1/recurrence.geojson").json()
    assert answer["timeStamp"] == "2026-05-20T10:01:00+07:00"
    assert answer["features"][0]["properties"]["fixed"]["url"].startswith("http://testserver/")


def test_the_hotspot_page_shows_clusters_and_recurrences(planner):
    codes = [filed(FRIDAY, north=n * 10 * METRE).code for n in range(3)]
    fixed(Report.objects.get(code=codes[0]), FRIDAY + datetime.timedelta(days=1))
    later = filed(FRIDAY + datetime.timedelta(days=3), north=5 * METRE)
    with time_machine.travel(TODAY, tick=False):
        page = planner.get("/statistik/titik-rawan/?eps=15&minpoints=3&days=30").content.decode()
    assert "Titik rawan" in page and later.code in page and codes[1] in page and 'id="insight-layers"' in page


# Who may see them, and what they never show

PAGES = ["/statistik/titik-rawan/", "/statistik/waktu-tanggap/", "/statistik/waktu-tanggap/city.csv"]
APIS = ["/api/v1/hotspots.geojson", "/api/v1/hotspots.csv", "/api/v1/recurrence.geojson", "/api/v1/recurrence.csv",
        "/api/v1/response-times.json"]


def test_planners_dispatchers_and_administrators_only(client, django_user_model):
    for path in PAGES:
        assert client.get(path).status_code == 302  # to sign in
    for path in APIS:
        assert client.get(path).status_code == 401
    crew = verified_login(Client(), staff_user(django_user_model, "budi", "crew"))
    for path in PAGES + APIS:
        assert crew.get(path).status_code == 403, path
    dispatcher = verified_login(Client(), staff_user(django_user_model, "dewi", "dispatcher"))
    admin = verified_login(Client(), django_user_model.objects.create_superuser("admin", password="x"))
    for user in (dispatcher, admin):
        for path in PAGES + APIS:
            assert user.get(path).status_code == 200, path


def test_nothing_personal_in_any_output(planner):
    shown = [filed(FRIDAY, north=n * 10 * METRE, show_name=True) for n in range(3)]
    fixed(shown[0], FRIDAY + datetime.timedelta(days=1))
    filed(FRIDAY + datetime.timedelta(days=3), north=5 * METRE)
    verified(shown[1], FRIDAY + datetime.timedelta(days=3))
    with time_machine.travel(TODAY, tick=False):
        for path in PAGES + APIS:
            response = planner.get(path + "?eps=15&minpoints=2&days=30")
            text = response.content.decode("utf-8-sig")
            assert response.status_code == 200 and ("PP-26" in text or "waktu" in path or "response" in path), path
            for secret in (REPORTER_NAME, REPORTER_PHONE, REPORTER_EMAIL, "Laporan untuk pengujian"):
                assert secret not in text, (path, secret)


def test_the_statistics_page_links_here_for_those_who_may_open_it(client, planner):
    assert "/statistik/titik-rawan/" in planner.get("/statistik/").content.decode()
    assert "/statistik/waktu-tanggap/" in planner.get("/statistik/").content.decode()
    assert "/statistik/titik-rawan/" not in client.get("/statistik/").content.decode()


def test_the_page_lists_the_largest_and_maps_them_all(planner, monkeypatch):
    """The page lists the largest of the clusters the API gives, and its map draws every one as PostgreSQL writes
    it for the page (hull, category name, count, centroid; no reports), escaped for its <script>."""
    monkeypatch.setattr("insight.hotspots.PAGE_LIST", 1)
    Category.objects.filter(slug="lampu-mati").update(name_id="Mati </script><b>&amp;")
    big = [filed(FRIDAY, north=n * 10 * METRE).code for n in range(3)]
    small = [filed(FRIDAY, slug="lampu-mati", north=n * 5 * METRE).code for n in range(2)]
    response = planner.get("/statistik/titik-rawan/?eps=15&minpoints=2")
    page = response.content.decode()
    assert big[0] in page and small[0] not in page.split('id="insight-layers"')[0]
    assert "1 yang terbesar didaftar di sini" in page
    expected = planner.get("/api/v1/hotspots.geojson?eps=15&minpoints=2").json()["features"]
    assert [f["properties"]["count"] for f in expected] == [3, 2]
    assert response.context["clusters"] == expected[:1] and response.context["cluster_count"] == 2
    assert script_json(page, "insight-layers")["clusters"]["features"] == [
        {"type": "Feature", "geometry": f["geometry"],
         "properties": {"category_name": f["properties"]["category_name"], "count": f["properties"]["count"],
                        "centroid": f["properties"]["centroid"]}} for f in expected]


def test_working_days_agree_with_the_due_dates_calendar(no_holidays):
    """The SQL count and reports.calendar.add_working_days are one calendar: n working days after a date is the day
    whose count from that date is n."""
    from reports.calendar import add_working_days

    Holiday.objects.create(date=HOLIDAY_MONDAY, name="Libur pengujian")
    for start in (FRIDAY.date(), HOLIDAY_MONDAY, datetime.date(2026, 3, 7)):  # a Friday, the holiday, a Saturday
        for days in (1, 2, 5, 10):
            assert working_days(start, add_working_days(start, days)) == days, (start, days)
