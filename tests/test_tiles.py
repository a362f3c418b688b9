"""Vector tiles of the reports and the kelurahan, decoded: fields, privacy, clusters, filters, caching, invalidation."""


import mapbox_vector_tile
import psycopg2
import pytest
from django.contrib.gis.db.models import Extent
from django.contrib.gis.geos import Point, Polygon
from django.db import connection

from geo.functions import Lat, Lon
from geo.models import Kelurahan
from reports import representation, workflow
from reports.models import Category, Report
from tests.conftest import REPORTER_EMAIL, REPORTER_PHONE, bulk_reports, make_report, staff_user
from tests.images import GANTING_GPS
from tiles import grid, mvt
from tiles.models import ReportCell, TileVersion

pytestmark = pytest.mark.django_db

PUBLIC_FIELDS = {"count", "code", "category", "status", "overdue", "support_count"}


def tile_of(lat, lon, z):
    (_, x, y), = grid.tiles_at(lon, lat, [z])
    return z, x, y


def features(response, layer="reports"):
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/vnd.mapbox-vector-tile"
    return mapbox_vector_tile.decode(response.content).get(layer, {"features": []})["features"]


def get_tile(client, z, x, y, **params):
    return client.get(f"/tiles/reports/{z}/{x}/{y}.pbf", params)


def by_code(response):
    return {f["properties"]["code"]: f["properties"] for f in features(response) if "code" in f["properties"]}


def test_a_report_tile_holds_the_public_fields_and_nothing_personal(client):
    filed = make_report(slug="lampu-mati", name="Budi Santoso", show_name=True)
    response = get_tile(client, *tile_of(*GANTING_GPS, 18))
    (feature,) = features(response)
    assert feature["properties"] == {"count": 1, "code": filed.code, "category": "lampu-mati", "status": "baru",
                                     "overdue": False, "support_count": 0}
    assert feature["geometry"]["type"] == "Point"
    for personal in ("Budi", REPORTER_PHONE, REPORTER_EMAIL, filed.description):
        assert personal.encode() not in response.content


def test_an_overdue_report_says_so(client):
    filed = make_report(slug="lampu-mati")
    Report.objects.filter(pk=filed.pk).update(due_date="2020-01-01")
    assert by_code(get_tile(client, *tile_of(*GANTING_GPS, 18)))[filed.code]["overdue"] is True


def test_a_hidden_report_is_in_no_tile(client):
    shown, hidden = make_report(slug="lampu-mati"), make_report(slug="lampu-mati", north=0.0001)
    hidden.hidden = True
    hidden.save()
    for z in (12, 15, 18):
        tile = get_tile(client, *tile_of(*GANTING_GPS, z))
        assert sum(f["properties"]["count"] for f in features(tile)) == 1
        assert hidden.code.encode() not in tile.content
    assert list(by_code(get_tile(client, *tile_of(*GANTING_GPS, 18)))) == [shown.code]


def test_below_zoom_18_reports_become_clusters_with_counts_and_a_tile_stays_small(client):
    bulk_reports(2500)
    z12 = get_tile(client, *tile_of(*GANTING_GPS, 12))
    clusters = features(z12)
    assert 1 < len(clusters) <= 16  # one feature per 64-pixel cell, however many reports
    assert sum(f["properties"]["count"] for f in clusters) == 2500
    assert all(set(f["properties"]) == {"count"} for f in clusters if f["properties"]["count"] > 1)
    assert len(z12.content) < 2000
    close_up = features(get_tile(client, *tile_of(*GANTING_GPS, 18)))
    assert close_up and all(f["properties"]["count"] == 1 and set(f["properties"]) == PUBLIC_FIELDS
                            for f in close_up)


def test_a_report_alone_in_its_cell_shows_itself_at_low_zoom(client):
    filed = make_report(slug="lampu-mati")
    (feature,) = features(get_tile(client, *tile_of(*GANTING_GPS, 13)))
    assert feature["properties"]["code"] == filed.code and feature["properties"]["count"] == 1


def test_a_point_on_a_tile_edge_is_in_exactly_one_tile(client):
    """The index's boxes are rounded outwards; the tile's own bounds decide."""
    z, x, y = tile_of(*GANTING_GPS, 16)
    west, south, east, north = grid.lonlat_bounds(z, x, y)
    filed = make_report(slug="lampu-mati")
    Report.objects.filter(pk=filed.pk).update(location=Point(west, (south + north) / 2))
    holding = [tile for tile in [(z, x - 1, y), (z, x, y)] if filed.code in by_code(get_tile(client, *tile))]
    assert holding == [(z, x, y)]


def test_filters_by_main_category_and_status(client):
    lamp, road = make_report(slug="lampu-mati"), make_report(north=0.0001, slug="jalan-berlubang")
    Report.objects.filter(pk=road.pk).update(status="selesai")
    tile = tile_of(*GANTING_GPS, 18)
    assert set(by_code(get_tile(client, *tile, category="penerangan-jalan"))) == {lamp.code}
    assert set(by_code(get_tile(client, *tile, category="jalan-berlubang"))) == {road.code}
    assert set(by_code(get_tile(client, *tile, status="open"))) == {lamp.code}
    assert set(by_code(get_tile(client, *tile, status="selesai"))) == {road.code}
    assert set(by_code(get_tile(client, *tile, category="jalan", status="open"))) == set()


def test_a_bad_filter_is_a_400_naming_it(client):
    tile = tile_of(*GANTING_GPS, 14)
    assert list(get_tile(client, *tile, category="kebakaran").json()) == ["category"]
    response = get_tile(client, *tile, status="hilang")
    assert response.status_code == 400 and list(response.json()) == ["status"]


@pytest.mark.parametrize("path", ["reports/23/0/0", "reports/3/8/0", "reports/3/0/8", "kelurahan/1/2/0",
                                  "reports/99999999999999999999/0/0"])
def test_a_tile_outside_the_grid_is_a_404(client, path):
    assert client.get(f"/tiles/{path}.pbf").status_code == 404


def test_tiles_carry_an_etag_and_answer_304_from_the_cache_after_one_query(client, django_assert_num_queries):
    make_report(slug="lampu-mati")
    tile = tile_of(*GANTING_GPS, 15)
    first = get_tile(client, *tile)
    assert "no-cache" in first["Cache-Control"] and "public" in first["Cache-Control"]
    with django_assert_num_queries(1):  # the tile's version, by its primary key
        again = get_tile(client, *tile)
    with django_assert_num_queries(1):
        unchanged = client.get(f"/tiles/reports/{tile[0]}/{tile[1]}/{tile[2]}.pbf",
                               HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.content == first.content and again["ETag"] == first["ETag"]
    assert unchanged.status_code == 304 and unchanged["ETag"] == first["ETag"]
    assert get_tile(client, *tile, status="baru")["ETag"] != first["ETag"]  # other filters, other tile


def test_a_gzipped_tile_is_revalidated_by_its_weak_etag(client):
    bulk_reports(100, spread=0.0005)
    tile = "/tiles/reports/{}/{}/{}.pbf".format(*tile_of(*GANTING_GPS, 18))
    gzipped = client.get(tile, HTTP_ACCEPT_ENCODING="gzip")
    assert gzipped["Content-Encoding"] == "gzip" and gzipped["ETag"].startswith('W/"')
    assert client.get(tile, HTTP_ACCEPT_ENCODING="gzip", HTTP_IF_NONE_MATCH=gzipped["ETag"]).status_code == 304


def shows_change(client, change, z=18):
    """Fetch the tile (now cached), make the change (committed), and return the tile before and after."""

    def fetch():
        response = get_tile(client, *tile_of(*GANTING_GPS, z))
        return response["ETag"], by_code(response)

    before = fetch()
    change()
    after = fetch()
    assert after[0] != before[0]
    return before[1], after[1]


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run a change as if its transaction committed: a renamed category or place renews a version on commit.

    A report's own changes need nothing of the kind: the triggers renew its tiles in its transaction."""

    def run(change):
        def committing():
            with django_capture_on_commit_callbacks(execute=True):
                change()

        return committing

    return run


def test_a_new_report_is_in_the_next_tile(client):
    created = []
    before, after = shows_change(client, lambda: created.append(make_report(slug="lampu-mati")), z=12)
    assert created[0].code not in before and created[0].code in after


def test_a_status_change_is_in_the_next_tile(client, django_user_model):
    filed = make_report(slug="lampu-mati")
    dewi = staff_user(django_user_model, "dewi", "dispatcher")
    before, after = shows_change(
        client, lambda: workflow.change_status(filed, "diverifikasi", dewi, version=filed.version))
    assert before[filed.code]["status"] == "baru" and after[filed.code]["status"] == "diverifikasi"


def test_a_support_is_in_the_next_tile(client):
    filed = make_report(slug="lampu-mati")
    before, after = shows_change(
        client, lambda: client.post(f"/api/v1/reports/{filed.code}/support", {"device_id": "perangkat-123"}))
    assert before[filed.code]["support_count"] == 0 and after[filed.code]["support_count"] == 1


def test_a_merge_moves_supports_in_the_next_tile(client, django_user_model):
    original, copy = make_report(slug="lampu-mati"), make_report(slug="lampu-mati", north=0.0001)
    client.post(f"/api/v1/reports/{copy.code}/support", {"device_id": "perangkat-123"})
    dewi = staff_user(django_user_model, "dewi", "dispatcher")
    copy.refresh_from_db()
    before, after = shows_change(client, lambda: workflow.change_status(copy, "duplikat", dewi, version=copy.version,
                                                                        duplicate_of=original))
    assert before[original.code]["support_count"] == 0 and after[original.code]["support_count"] == 1
    assert after[copy.code]["status"] == "duplikat"


def test_hiding_and_showing_in_the_admin_are_in_the_next_tile(desk):
    filed = make_report(slug="lampu-mati")
    before, hidden = shows_change(desk, lambda: desk.post(
        "/admin/reports/report/", {"action": "hide", "_selected_action": [filed.pk], "hidden__exact": "0"}))
    assert filed.code in before and filed.code not in hidden
    _, shown = shows_change(desk, lambda: desk.post(
        "/admin/reports/report/", {"action": "show", "_selected_action": [filed.pk]}))
    assert filed.code in shown


def test_a_report_moved_leaves_its_old_tile(client):
    filed = make_report(slug="lampu-mati")
    far = (GANTING_GPS[0] + 0.01, GANTING_GPS[1])

    def move():
        filed.location = Point(far[1], far[0])
        filed.save()

    before, after = shows_change(client, move)
    assert filed.code in before and filed.code not in after
    assert filed.code in by_code(get_tile(client, *tile_of(*far, 18)))


def test_a_deleted_report_leaves_its_tile(client):
    filed = make_report(slug="lampu-mati")
    before, after = shows_change(client, filed.delete)
    assert filed.code in before and filed.code not in after


def test_a_queryset_update_and_raw_sql_are_in_the_next_tile_without_any_call(client):
    filed = make_report(slug="lampu-mati")
    before, after = shows_change(client, lambda: Report.objects.filter(pk=filed.pk).update(status="diverifikasi"))
    assert before[filed.code]["status"] == "baru" and after[filed.code]["status"] == "diverifikasi"

    def raw_sql():
        with connection.cursor() as cursor:
            cursor.execute("UPDATE reports_report SET support_count = 7 WHERE id = %s", [filed.pk])

    _, after = shows_change(client, raw_sql)
    assert after[filed.code]["support_count"] == 7


def test_a_change_no_tile_shows_renews_no_tile():
    filed = make_report(slug="lampu-mati")
    versions = list(TileVersion.objects.order_by("z", "x", "y").values_list("version", flat=True))
    Report.objects.filter(pk=filed.pk).update(address="Jl. Sutan Syahrir", reporter_email="budi@example.com")
    assert list(TileVersion.objects.order_by("z", "x", "y").values_list("version", flat=True)) == versions
    Report.objects.filter(pk=filed.pk).update(support_count=1)
    assert sorted(TileVersion.objects.filter(version=2).values_list("z", "x", "y")) == sorted(
        grid.tiles_at(filed.location.x, filed.location.y))


@pytest.mark.parametrize("lon, lat", [GANTING_GPS[::-1], (0.0, 0.0), (-179.9, 85.0), (100.4, -0.46)])
def test_sql_and_python_agree_on_the_tiles_holding_a_point(lon, lat):
    edge = grid.lonlat_bounds(*max(grid.tiles_at(lon, lat, [16])))[0]  # a point on a tile's edge is in two
    for point in ((lon, lat), (edge, lat)):
        with connection.cursor() as cursor:
            cursor.execute("SELECT z, x, y FROM tiles_at(%s, %s)", point)
            assert set(cursor.fetchall()) == grid.tiles_at(*point)


def test_a_renamed_category_is_in_every_next_tile(client, committed):
    filed = make_report(slug="lampu-mati")
    lamp = Category.objects.get(slug="lampu-mati")

    def rename():
        lamp.slug = "lampu-padam"
        lamp.save()

    _, after = shows_change(client, committed(rename), z=14)
    assert after[filed.code]["category"] == "lampu-padam"


def test_a_category_filter_follows_a_new_sub_category_and_refuses_a_deleted_one(client, committed):
    tile = tile_of(*GANTING_GPS, 18)
    assert set(by_code(get_tile(client, *tile, category="penerangan-jalan"))) == set()  # the map is kept now
    main = Category.objects.get(slug="penerangan-jalan")
    lamp = Category.objects.get(slug="lampu-mati")

    def add_sub_category():
        sub = Category.objects.create(slug="lampu-kedip", name_id="Lampu berkedip", name_en="Flickering light",
                                      parent=main, duplicate_radius_m=lamp.duplicate_radius_m,
                                      response_days=lamp.response_days)
        make_report(slug=sub.slug)

    committed(add_sub_category)()
    (flickering,) = by_code(get_tile(client, *tile, category="penerangan-jalan")).values()
    assert flickering["category"] == "lampu-kedip"
    committed(lambda: Category.objects.create(slug="sementara", name_id="Sementara", name_en="Temporary",
                                              duplicate_radius_m=10, response_days=1))()
    assert get_tile(client, *tile, category="sementara").status_code == 200
    committed(Category.objects.get(slug="sementara").delete)()
    assert list(get_tile(client, *tile, category="sementara").json()) == ["category"]


def test_a_kelurahan_tile_holds_the_active_boundaries_with_code_and_name(client):
    z, x, y = tile_of(*GANTING_GPS, 13)
    response = client.get(f"/tiles/kelurahan/{z}/{x}/{y}.pbf")
    found = {f["properties"]["code"]: f["properties"] for f in features(response, "kelurahan")}
    assert found["13.74.01.1001"] == {"code": "13.74.01.1001", "name": "Ganting", "kecamatan": "Padang Panjang Timur"}
    assert all(f["geometry"]["type"] in {"Polygon", "MultiPolygon"} for f in features(response, "kelurahan"))
    assert "max-age=3600" in response["Cache-Control"]
    assert client.get(f"/tiles/kelurahan/{z}/{x}/{y}.pbf", HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304
    assert features(client.get("/tiles/kelurahan/13/0/0.pbf"), "kelurahan") == []


def decoded(tile):
    """A tile's features as comparable tuples: geometry, count and the single report's fields."""
    return sorted((tuple(f["geometry"]["coordinates"]), tuple(sorted(f["properties"].items())))
                  for f in mapbox_vector_tile.decode(tile).get("reports", {"features": []})["features"])


# The report tile as it was made before tiles.mvt wrote its statements by hand (the ORM picking the reports, then
# grouping them by cell, or by id from zoom 18, and joining each single report back): what every band must equal.
REFERENCE_SQL = """
WITH cells AS (
    SELECT count(*) AS count, avg(lon) AS lon, avg(lat) AS lat, min(id) AS id FROM ({picked}) picked GROUP BY {cell}
)
SELECT ST_AsMVT(features, 'reports', 4096, 'geom') FROM (
    SELECT ST_AsMVTGeom(ST_Transform(ST_SetSRID(ST_MakePoint(cells.lon, cells.lat), 4326), 3857),
                        ST_TileEnvelope(%s, %s, %s), 4096, 64) AS geom,
           cells.count, reports_report.code, c.slug AS category, reports_report.status,
           {overdue} AS overdue, reports_report.support_count
    FROM cells
    LEFT JOIN reports_report ON reports_report.id = cells.id AND cells.count = 1
    LEFT JOIN reports_category c ON c.id = reports_report.category_id
) features
"""


def reference_tile(z, x, y, categories=None, statuses=None):
    reports = Report.objects.public()
    if categories is not None:
        reports = reports.filter(category__in=categories)
    if statuses is not None:
        reports = reports.filter(status__in=statuses)
    west, south, east, north = grid.lonlat_bounds(z, x, y)
    picked = (
        reports.filter(location__bboverlaps=Polygon.from_bbox((west, south, east, north)))
        .annotate(lon=Lon("location"), lat=Lat("location"))
        .filter(lon__gte=west, lon__lt=east, lat__gt=south, lat__lte=north)
        .order_by().values_list("id", "lon", "lat")
    )
    picked_sql, picked_params = picked.query.sql_with_params()
    cell, cell_params = "id", []
    if z < mvt.POINTS_FROM_ZOOM:
        left, _, right, top = grid.mercator_bounds(z, x, y)
        cell = "floor((lon - %s) / %s), floor((%s - ln(tan(radians(45 + lat / 2)))) / %s)"
        cell_params = [west, (east - west) / 4, top / grid.EARTH_RADIUS_M, (right - left) / 4 / grid.EARTH_RADIUS_M]
    overdue = representation.literal_sql(representation.overdue()).replace("%", "%%")
    with connection.cursor() as cursor:
        cursor.execute(REFERENCE_SQL.format(picked=picked_sql, cell=cell, overdue=overdue),
                       [*picked_params, *cell_params, z, x, y])
        return bytes(cursor.fetchone()[0] or b"")


@pytest.mark.parametrize("z", [10, 12, 13, 14, 15, 16, 17, 18, 19])
def test_every_zoom_band_makes_the_tile_the_reference_query_makes(z):
    bulk_reports(300)
    bulk_reports(40, spread=0.002, slug="lampu-mati", prefix="L")
    make_report(slug="lampu-mati", north=-0.015)  # alone in its cell
    make_report(north=-0.003, slug="saluran-tersumbat")
    Report.objects.filter(code__in=["T-7", "T-8"]).update(hidden=True)
    Report.objects.filter(code__in=["T-1", "L-2"]).update(due_date="2020-01-01")  # overdue
    lighting = list(Category.objects.filter(slug__startswith="lampu").values_list("pk", flat=True))
    shown = 0
    for categories, statuses in ((None, None), (lighting, None), (None, ["baru"]), (lighting, ["selesai"])):
        for _, x, y in grid.tiles_at(GANTING_GPS[1], GANTING_GPS[0], [z]):
            made = mvt.report_tile(z, x, y, categories, statuses)
            assert decoded(made) == decoded(reference_tile(z, x, y, categories, statuses))
            shown += len(decoded(made))
    assert shown > 0
    west, south, east, north = Report.objects.aggregate(box=Extent("location"))["box"]
    if z <= 16:
        total = sum(dict(p)["count"] for x, y in grid.tiles_covering(west, south, east, north, z)
                    for _, p in decoded(mvt.report_tile(z, x, y)))
        assert total == Report.objects.public().count() == 340


def test_a_points_tile_is_read_from_the_tiles_index_alone_in_the_order_the_reports_were_filed():
    bulk_reports(400, spread=0.001)
    Report.objects.filter(code="T-3").update(hidden=True)
    z, x, y = tile_of(*GANTING_GPS, 18)
    with connection.cursor() as cursor:  # as on a million reports, where the planner takes the index by itself
        cursor.execute("SET LOCAL enable_seqscan = off; SET LOCAL enable_bitmapscan = off")
        cursor.execute("EXPLAIN " + mvt.report_sql("points"), mvt.report_params(z, x, y))
        plan = "\n".join(row[0] for row in cursor.fetchall())
        made = mvt.report_tile(z, x, y)
    assert "Index Only Scan using tiles_public_points on reports_report" in plan, plan
    shown = [f["properties"]["code"] for f in mapbox_vector_tile.decode(made)["reports"]["features"]]
    filed = list(Report.objects.public().filter(code__in=shown).order_by("id").values_list("code", flat=True))
    assert len(shown) > 10 and "T-3" not in shown and shown == filed
    assert decoded(made) == decoded(reference_tile(z, x, y))


def test_a_tile_is_made_only_when_the_kept_one_is_not_of_its_version():
    make_report(slug="lampu-mati")
    z, x, y = tile_of(*GANTING_GPS, 18)
    version, made = mvt.versioned_report_tile(z, x, y)
    assert made and version == TileVersion.objects.get(z=z, x=x, y=y).version
    assert mvt.versioned_report_tile(z, x, y, held=version) == (version, None)
    assert mvt.versioned_report_tile(z, x, y, held=version - 1) == (version, made)
    assert mvt.versioned_report_tile(*tile_of(-0.2, 100.1, 18)) == (0, b"")  # no report ever there


def test_the_cells_follow_every_change_of_a_report():
    def counted():
        return sum(ReportCell.objects.values_list("count", flat=True))

    filed = make_report(slug="lampu-mati")
    assert counted() == 1
    Report.objects.filter(pk=filed.pk).update(hidden=True)
    assert counted() == 0
    Report.objects.filter(pk=filed.pk).update(hidden=False, location=Point(100.39, -0.465))
    (_, x, y), = grid.tiles_at(100.39, -0.465, [ReportCell.ZOOM])
    assert ReportCell.objects.get(count=1).x == x
    filed.delete()
    assert counted() == 0


def test_tiles_away_from_the_city_are_empty_and_kept_by_nobody(client, django_assert_num_queries):
    with django_assert_num_queries(1):  # the city's box, read once by this process
        far = get_tile(client, 22, 0, 0)
    assert far.status_code == 200 and far.content == b"" and "max-age=86400" in far["Cache-Control"]
    assert client.get("/tiles/kelurahan/12/0/0.pbf").content == b""


def test_a_renamed_kelurahan_is_in_the_next_kelurahan_tile(client, committed):
    z, x, y = tile_of(*GANTING_GPS, 14)
    before = client.get(f"/tiles/kelurahan/{z}/{x}/{y}.pbf")
    ganting = Kelurahan.objects.get(name="Ganting")
    ganting.name = "Ganting Baru"
    committed(ganting.save)()
    after = client.get(f"/tiles/kelurahan/{z}/{x}/{y}.pbf", HTTP_IF_NONE_MATCH=before["ETag"])
    assert after.status_code == 200
    assert "Ganting Baru" in {f["properties"]["name"] for f in features(after, "kelurahan")}


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("path", ["/tiles/reports/{}/{}/{}.pbf".format(*tile_of(*GANTING_GPS, 18)),
                                  f"/api/v1/reports/nearby?lat={GANTING_GPS[0]}&lon={GANTING_GPS[1]}"])
def test_a_read_without_select_1_first_runs_again_on_a_new_connection_when_the_kept_one_died(client, path,
                                                                                              monkeypatch):
    filed = make_report(slug="lampu-mati")
    checks = []
    usable = connection.is_usable
    monkeypatch.setattr(connection, "is_usable", lambda: checks.append(1) or usable())
    connection.ensure_connection()
    connection.health_check_done = False  # a new request on the kept connection (the test client skips this)
    first = client.get(path)
    assert checks == []  # no `SELECT 1` first
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    with psycopg2.connect(**connection.get_connection_params()) as other, other.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])  # as a restart of PostgreSQL would
    connection.health_check_done = False  # a new request on the kept connection (the test client skips this)
    again = client.get(path)
    assert again.status_code == 200 and again.content == first.content and filed.code.encode() in again.content
    assert checks == [1]  # after the failure: the connection, not the statement, failed
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        assert cursor.fetchone() != (pid,)
