
"""The city's assets (issue 33): importing layers (GeoJSON, a Shapefile in UTM 47S, CSV), refusals by feature,
generations that never move a report, the nearest asset, a road's street as the address, duplicates by asset,
tiles of a layer, and who reads an asset's history."""

import csv
import io
import json
import subprocess
import uuid

import mapbox_vector_tile
import pytest
from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError
from django.core.management import CommandError
from django.db import connection

from assets import layers, picking
from assets.models import Asset, AssetGeneration, AssetKind
from geo import places
from geo.models import Crew, Place
from reports import representation, services
from reports.models import Category, Report
from tests.conftest import make_report, run, staff_user, verified_login
from tests.images import GANTING_GPS
from tiles import grid

pytestmark = pytest.mark.django_db

LAT, LON = GANTING_GPS
# About 1.1 m of latitude per 0.00001 degree.
METRE = 0.000009


@pytest.fixture
def kinds():
    layers.ensure_default_kinds()
    return {kind.code: kind for kind in AssetKind.objects.all()}


def lamp(identifier, north_m=0.0, east_m=0.0, **properties):
    return {"type": "Feature", "properties": {"id": identifier, **properties},
            "geometry": {"type": "Point", "coordinates": [LON + east_m * METRE, LAT + north_m * METRE]}}


def road(identifier, name, north_m=0.0):
    y = LAT + north_m * METRE
    return {"type": "Feature", "properties": {"id": identifier, "name": name},
            "geometry": {"type": "LineString", "coordinates": [[LON - 0.0005, y], [LON + 0.0005, y]]}}


def geojson(tmp_path, features, name="assets.geojson"):
    path = tmp_path / name
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return path


def import_lamps(tmp_path, features, name="lampu.geojson"):
    return run("import_assets", "lampu", str(geojson(tmp_path, features, name)), commit=True)


def test_a_geojson_layer_is_checked_in_a_dry_run_then_stored_as_the_active_generation(tmp_path, kinds):
    path = geojson(tmp_path, [lamp("PJU-001"), lamp("PJU-002", north_m=40, tiang="besi")])
    said = run("import_assets", "lampu", str(path))
    assert "2 lampu assets" in said and "Dry run" in said
    assert not Asset.objects.exists() and not AssetGeneration.objects.exists()

    said = run("import_assets", "lampu", str(path), commit=True)
    assert "Stored generation" in said and "2 assets" in said
    generation = AssetGeneration.objects.get(kind=kinds["lampu"])
    assert generation.active and not generation.sample
    second = Asset.objects.get(identifier="PJU-002")
    assert second.attributes == {"id": "PJU-002", "tiang": "besi"}
    assert second.geometry.srid == 4326 and abs(second.geometry.y - (LAT + 40 * METRE)) < 1e-7


def test_a_shapefile_in_utm_47s_lands_where_its_geojson_would(tmp_path, kinds):
    source = geojson(tmp_path, [road("JL-01", "Jalan Sutan Syahrir")], "jalan.geojson")
    shapefile = tmp_path / "jalan_utm.shp"
    subprocess.run(["ogr2ogr", "-f", "ESRI Shapefile", "-t_srs", "EPSG:32747", str(shapefile), str(source)],
                   check=True, capture_output=True)
    run("import_assets", "jalan", str(shapefile), commit=True)
    segment = Asset.objects.get(identifier="JL-01")
    assert segment.geometry.geom_type == "LineString"
    (x0, y0), (x1, y1) = segment.geometry.coords
    assert abs(x0 - (LON - 0.0005)) < 1e-6 and abs(y0 - LAT) < 1e-6 and abs(x1 - (LON + 0.0005)) < 1e-6
    assert segment.attributes["name"] == "Jalan Sutan Syahrir"


def test_a_csv_with_coordinate_columns_is_read_and_its_crew_named(tmp_path, kinds):
    crew = Crew.objects.first()
    path = tmp_path / "lampu.csv"
    path.write_text(f"id;lat;lon;daya;crew\nPJU-7;{LAT};{LON};250 W;{crew.name}\nPJU-8;{LAT + 0.0002};{LON};;\n")
    run("import_assets", "lampu", str(path), commit=True)
    first = Asset.objects.get(identifier="PJU-7")
    assert first.crew == crew and first.attributes == {"id": "PJU-7", "daya": "250 W", "crew": crew.name}
    assert abs(first.geometry.x - LON) < 1e-9 and Asset.objects.get(identifier="PJU-8").crew is None


@pytest.mark.parametrize("features, said", [
    ([lamp("A"), lamp(""), lamp("C")], "feature 2: no identifier"),
    ([lamp("A"), lamp("A", north_m=20)], "feature 2: identifier A repeats feature 1"),
    ([lamp("A"), {**lamp("B"), "geometry": {"type": "Point", "coordinates": [100.0, -1.0]}}],
     "feature 2: asset B lies outside the city"),
    ([road("J", "Jalan")], "feature 1: asset J is a LineString; lampu needs Point"),
])
def test_a_bad_file_is_refused_by_its_feature_and_nothing_is_stored(tmp_path, kinds, features, said):
    with pytest.raises(CommandError, match=said):
        import_lamps(tmp_path, features)
    assert not Asset.objects.exists() and not AssetGeneration.objects.exists()


def test_a_bad_csv_line_is_named(tmp_path, kinds):
    path = tmp_path / "lampu.csv"
    path.write_text(f"id,lat,lon\nP1,{LAT},{LON}\nP2,utara,{LON}\n")
    with pytest.raises(CommandError, match="line 3: coordinates lon '100.417659', lat 'utara' are not numbers"):
        run("import_assets", "lampu", str(path))


def test_reimporting_keeps_each_report_on_the_asset_row_it_was_filed_on(tmp_path, kinds):
    import_lamps(tmp_path, [lamp("PJU-1"), lamp("PJU-2", north_m=200)])
    old = Asset.objects.get(identifier="PJU-1")
    report = make_report("lampu-mati", asset=old)
    # The city moves PJU-1 by 15 m and drops PJU-2.
    import_lamps(tmp_path, [lamp("PJU-1", north_m=15)], "lampu2.geojson")
    report.refresh_from_db()
    assert report.asset_id == old.pk and report.asset.geometry.y == old.geometry.y
    assert not report.asset.generation.active
    assert Asset.objects.filter(identifier="PJU-2").count() == 0  # no report named it: gone with its generation
    new = Asset.objects.get(identifier="PJU-1", generation__active=True)
    assert new.pk != old.pk
    # Its history is the identifier's: the report filed on the old row counts for the new one.
    assert [r.code for r in picking.history(new).reports] == [report.code]


def test_the_nearest_asset_within_the_snap_distance_and_none_beyond(tmp_path, kinds, settings):
    import_lamps(tmp_path, [lamp("NEAR", north_m=20), lamp("NEXT", north_m=-28), lamp("FAR", east_m=60)])
    found = picking.nearest(kinds["lampu"], LAT, LON, limit=5)
    assert [asset.identifier for asset in found] == ["NEAR", "NEXT"]
    assert 19 < found[0].distance_m < 21
    assert picking.nearest(kinds["lampu"], LAT + 80 * METRE, LON) == []
    settings.ASSET_SNAP_M = 70
    assert {a.identifier for a in picking.nearest(kinds["lampu"], LAT, LON, limit=5)} == {"NEAR", "NEXT", "FAR"}


def test_the_nearest_api(client, tmp_path, kinds):
    import_lamps(tmp_path, [lamp("NEAR", north_m=10)])
    body = client.get("/api/v1/assets/nearest", {"kind": "lampu", "lat": LAT, "lon": LON}).json()
    assert body["within_m"] == 30 and [a["identifier"] for a in body["assets"]] == ["NEAR"]
    assert body["assets"][0]["id"] == Asset.objects.get().pk and 9 < body["assets"][0]["distance_m"] < 11
    refused = client.get("/api/v1/assets/nearest", {"kind": "pipa", "lat": LAT, "lon": LON})
    assert refused.status_code == 400 and "kind" in refused.json()


def test_a_road_segment_names_the_street_and_feeds_the_search(tmp_path, kinds):
    path = geojson(tmp_path, [road("JL-9", "Jalan Imam Bonjol", north_m=10)], "jalan.geojson")
    said = run("import_assets", "jalan", str(path), commit=True)
    assert "street names for the search: 1 added" in said
    assert Place.objects.get(name="Jalan Imam Bonjol").source == Place.Source.IMPORT
    assert places.search("imam bonjol")[0][0] == "Jalan Imam Bonjol"
    (segment,) = picking.nearest(kinds["jalan"], LAT, LON)
    report = make_report("jalan-berlubang", asset=segment)
    assert report.address == "Jalan Imam Bonjol, Kelurahan Ganting"


def test_filing_refuses_an_asset_of_another_kind_or_too_far(tmp_path, kinds):
    import_lamps(tmp_path, [lamp("PJU-1", north_m=10), lamp("PJU-FAR", north_m=100)])
    with pytest.raises(ValidationError) as refused:
        make_report("jalan-berlubang", asset=Asset.objects.get(identifier="PJU-1"))
    assert "asset" in refused.value.message_dict
    with pytest.raises(ValidationError, match="lebih dari 30 m dari pin"):
        make_report("lampu-mati", asset=Asset.objects.get(identifier="PJU-FAR"))
    assert not Report.objects.exists()


def test_the_api_files_a_report_on_an_asset_and_shows_it(client, tmp_path, kinds):
    import_lamps(tmp_path, [lamp("PJU-1", north_m=10), lamp("PJU-FAR", north_m=100)])
    form = {"client_uuid": str(uuid.uuid4()), "category": "lampu-mati", "lat": LAT, "lon": LON,
            "description": "Lampu di depan masjid mati."}
    far = client.post("/api/v1/reports", {**form, "asset": Asset.objects.get(identifier="PJU-FAR").pk})
    assert far.status_code == 400 and "asset" in far.json()
    near = Asset.objects.get(identifier="PJU-1")
    filed = client.post("/api/v1/reports", {**form, "asset": near.pk})
    assert filed.status_code == 201, filed.content
    report = Report.objects.get()
    assert report.asset == near
    detail = client.get(f"/api/v1/reports/{report.code}").json()
    assert detail["properties"]["asset"] == {"kind": "lampu", "identifier": "PJU-1", "id": near.pk}


def test_an_open_report_on_the_same_asset_is_a_duplicate_whatever_the_distance(tmp_path, kinds):
    path = geojson(tmp_path, [road("JL-LONG", "Jalan Panjang")], "jalan.geojson")
    run("import_assets", "jalan", str(path), commit=True)
    segment = Asset.objects.get()
    first = make_report("jalan-berlubang", asset=segment)
    # 45 m east along the same segment, beyond the road category's 30 m duplicate radius.
    category = Category.objects.get(slug="jalan-retak-amblas")
    elsewhere = LON + 45 * METRE
    assert list(services.possible_duplicates(category, LAT, elsewhere)) == []
    assert [r.code for r in services.possible_duplicates(category, LAT, elsewhere, asset=segment)] == [first.code]
    Report.objects.filter(pk=first.pk).update(status="selesai")
    assert list(services.possible_duplicates(category, LAT, elsewhere, asset=segment)) == []


def test_an_asset_tile_holds_the_layer_from_zoom_16(client, tmp_path, kinds):
    import_lamps(tmp_path, [lamp("PJU-1", name="Lampu Masjid"), lamp("PJU-2", north_m=10)])
    (_, x, y), = grid.tiles_at(LON, LAT, [18])
    response = client.get(f"/tiles/assets/lampu/18/{x}/{y}.pbf")
    assert response.status_code == 200 and response["Content-Type"] == "application/vnd.mapbox-vector-tile"
    decoded = mapbox_vector_tile.decode(response.content)["lampu"]["features"]
    ids = {asset.identifier: asset.pk for asset in Asset.objects.all()}
    assert {(f["id"], f["properties"]["identifier"], f["properties"]["name"]) for f in decoded} == {
        (ids["PJU-1"], "PJU-1", "Lampu Masjid"), (ids["PJU-2"], "PJU-2", "")}
    (_, x15, y15), = grid.tiles_at(LON, LAT, [15])
    assert client.get(f"/tiles/assets/lampu/15/{x15}/{y15}.pbf").content == b""
    assert client.get(f"/tiles/assets/pipa/18/{x}/{y}.pbf").status_code == 404


def test_an_import_renews_the_layers_tiles(client, tmp_path, kinds):
    import_lamps(tmp_path, [lamp("PJU-1")])
    (_, x, y), = grid.tiles_at(LON, LAT, [17])
    before = client.get(f"/tiles/assets/lampu/17/{x}/{y}.pbf")
    assert client.get(f"/tiles/assets/lampu/17/{x}/{y}.pbf", HTTP_IF_NONE_MATCH=before["ETag"]).status_code == 304
    import_lamps(tmp_path, [lamp("PJU-1"), lamp("PJU-3", north_m=5)], "lampu2.geojson")
    after = client.get(f"/tiles/assets/lampu/17/{x}/{y}.pbf", HTTP_IF_NONE_MATCH=before["ETag"])
    assert after.status_code == 200
    assert {f["properties"]["identifier"] for f in mapbox_vector_tile.decode(after.content)["lampu"]["features"]} \
        == {"PJU-1", "PJU-3"}


def test_the_tile_is_postgis_own_st_asmvt_of_the_layer(client, tmp_path, kinds):
    import_lamps(tmp_path, [lamp(f"PJU-{n}", north_m=3 * n, east_m=2 * n) for n in range(30)])
    (_, x, y), = grid.tiles_at(LON, LAT, [16])
    with connection.cursor() as cursor:
        cursor.execute("SELECT ST_AsMVT(t, 'lampu', 4096, 'geom', 'id') FROM (SELECT ST_AsMVTGeom(ST_Transform("
                       "geometry, 3857), ST_TileEnvelope(16, %s, %s), 4096, 64) AS geom, id, identifier, "
                       "coalesce(attributes->>'name', '') AS name FROM assets_asset ORDER BY id) t", [x, y])
        bare = bytes(cursor.fetchone()[0])
    ours = client.get(f"/tiles/assets/lampu/16/{x}/{y}.pbf").content
    assert sorted(map(str, mapbox_vector_tile.decode(ours)["lampu"]["features"])) == \
        sorted(map(str, mapbox_vector_tile.decode(bare)["lampu"]["features"]))


def test_the_tilejson_of_a_layer(client, kinds):
    body = client.get("/tiles/assets/jalan.json").json()
    assert body["tiles"][0].endswith("/tiles/assets/jalan/{z}/{x}/{y}.pbf") and body["minzoom"] == 16
    assert body["vector_layers"][0]["id"] == "jalan"


def test_the_sample_layer_is_marked_and_inside_the_city(kinds):
    said = run("sample_assets", "lampu", "jalan", count=40)
    assert "sample" in said
    assert Asset.objects.filter(kind__code="lampu").count() == 40
    asset = Asset.objects.filter(kind__code="jalan").first()
    assert asset.attributes["sample"] is True and asset.identifier.startswith("CONTOH-")
    assert asset.attributes["name"].startswith("CONTOH")
    assert AssetGeneration.objects.get(kind__code="jalan").sample


def test_who_reads_an_assets_history_and_the_repeated_failures(client, django_user_model, tmp_path, kinds):
    import_lamps(tmp_path, [lamp("PJU-1")])
    asset = Asset.objects.get()
    fixed = make_report("lampu-mati", asset=asset, status="selesai")
    Report.objects.filter(pk=fixed.pk).update(fixed_at=fixed.created)
    again = make_report("lampu-mati", asset=asset)
    assert client.get("/api/v1/assets/lampu/PJU-1").status_code == 403
    assert client.get("/api/v1/assets/failures", {"kind": "lampu"}).status_code == 403
    crew = Crew.objects.filter(categories__slug="penerangan-jalan").first() or Crew.objects.first()
    verified_login(client, staff_user(django_user_model, "andi", "crew", crew.name))
    history = client.get("/api/v1/assets/lampu/PJU-1").json()
    assert history["failures"] == 2 and history["fixes"] == 1 and history["recurrences"] == 1
    assert [r["code"] for r in history["reports"]] == [fixed.code, again.code]
    assert client.get("/api/v1/assets/failures", {"kind": "lampu"}).status_code == 403
    page = client.get(f"/petugas/laporan/{again.code}/")
    assert page.status_code == 200 and b"PJU-1" in page.content and fixed.code.encode() in page.content

    client.logout()
    verified_login(client, staff_user(django_user_model, "rina", "planner"))
    (row,) = client.get("/api/v1/assets/failures", {"kind": "lampu"}).json()
    assert row["identifier"] == "PJU-1" and row["reports"] == 2 and row["open"] == 1


def test_the_desk_screen_shows_the_asset_and_its_history(client, django_user_model, tmp_path, kinds):
    import_lamps(tmp_path, [lamp("PJU-1")])
    asset = Asset.objects.get()
    older = make_report("lampu-mati", asset=asset, status="selesai")
    report = make_report("lampu-mati", asset=asset)
    verified_login(client, staff_user(django_user_model, "dewi", "dispatcher"))
    page = client.get(f"/meja/laporan/{report.code}/").content.decode()
    assert 'id="aset"' in page and "PJU-1" in page and f"/meja/laporan/{older.code}/" in page


def test_the_history_counts_recurrences_by_the_planners_rule(client, django_user_model, tmp_path, kinds):
    """The same asset came back however far its pin; the next light, 5 m away, is another asset: no recurrence."""
    import_lamps(tmp_path, [lamp("PJU-1"), lamp("PJU-2", north_m=5)])
    here, beside = Asset.objects.get(identifier="PJU-1"), Asset.objects.get(identifier="PJU-2")
    fixed = make_report("lampu-mati", asset=here, status="selesai")
    Report.objects.filter(pk=fixed.pk).update(fixed_at=fixed.created)
    again = make_report("lampu-mati", asset=here)
    Report.objects.filter(pk=again.pk).update(location=Point(LON, LAT + 200 * METRE, srid=4326))  # named from afar
    other = make_report("lampu-mati", asset=beside)
    history = picking.history(here)
    assert (history.failures, history.fixes, history.recurrences) == (2, 1, 1)
    assert history.came_back == {again.code}
    assert picking.history(beside).recurrences == 0
    verified_login(client, staff_user(django_user_model, "dewi", "dispatcher"))
    page = client.get(f"/meja/laporan/{again.code}/").content.decode()
    assert '<dd id="asset-recurrences">1</dd>' in page
    listed = page[page.index('class="asset-reports"'):]
    assert listed.count('class="came-back"') == 1 and other.code not in listed
    item = listed[listed.index(again.code):]
    assert item.index('class="came-back"') < item.index("</li>")


def test_a_segment_drawn_in_pieces_is_stored_as_one_line(tmp_path, kinds):
    pieces = {"type": "Feature", "properties": {"id": "SAL-1"}, "geometry": {"type": "MultiLineString", "coordinates": [
        [[LON, LAT], [LON + 0.0002, LAT]], [[LON + 0.0002, LAT], [LON + 0.0004, LAT + 0.0001]]]}}
    run("import_assets", "saluran", str(geojson(tmp_path, [pieces], "saluran.geojson")), commit=True)
    drain = Asset.objects.get()
    assert drain.geometry.geom_type == "LineString" and len(drain.geometry.coords) == 3


def test_the_exports_are_joinable_to_the_layer_by_the_assets_identifier(client, tmp_path, kinds):
    import_lamps(tmp_path, [lamp("PJU-1")])
    filed, bare = make_report("lampu-mati", asset=Asset.objects.get()), make_report("lampu-mati")
    rows = {row["code"]: row for row in csv.DictReader(io.StringIO(
        b"".join(client.get("/api/v1/reports.csv").streaming_content).decode("utf-8-sig")))}
    assert (rows[filed.code]["asset_id"], rows[filed.code]["asset_identifier"]) == (str(filed.asset_id), "PJU-1")
    assert (rows[bare.code]["asset_id"], rows[bare.code]["asset_identifier"]) == ("", "")
    features = {feature["id"]: feature["properties"] for feature in json.loads(
        b"".join(client.get("/api/v1/reports.geojson").streaming_content))["features"]}
    assert features[filed.code]["asset_identifier"] == "PJU-1" and features[bare.code]["asset_id"] is None


def test_an_identifier_a_spreadsheet_would_run_as_a_formula_is_neutralised_in_the_csv_only(client, tmp_path, kinds):
    # A layer from outside can name a lamp anything; its identifier is read by a subquery (one reading per cell).
    import_lamps(tmp_path, [lamp("=PJU+1"), lamp("-7", north_m=5), lamp("PJU-2", north_m=10)])
    filed = {asset.identifier: make_report("lampu-mati", asset=asset) for asset in Asset.objects.all()}
    rows = {row["code"]: row for row in csv.DictReader(io.StringIO(
        b"".join(client.get("/api/v1/reports.csv").streaming_content).decode("utf-8-sig")))}
    assert {name: rows[report.code]["asset_identifier"] for name, report in filed.items()} == {
        "=PJU+1": "'=PJU+1", "-7": "'-7", "PJU-2": "PJU-2"}
    assert rows[filed["-7"].code]["asset_id"] == str(filed["-7"].asset_id)  # a number, never guarded
    features = {feature["id"]: feature["properties"] for feature in json.loads(
        b"".join(client.get("/api/v1/reports.geojson").streaming_content))["features"]}
    assert {name: features[report.code]["asset_identifier"] for name, report in filed.items()} == {
        "=PJU+1": "=PJU+1", "-7": "-7", "PJU-2": "PJU-2"}


def test_the_flat_asset_properties_the_exports_can_take(tmp_path, kinds):
    import_lamps(tmp_path, [lamp("PJU-1")])
    filed, bare = make_report("lampu-mati", asset=Asset.objects.get()), make_report("lampu-mati")
    shape = representation.json_object(["asset_id", "asset_identifier"], lambda path: path)
    assert json.loads(representation.one(Report.objects.filter(pk=filed.pk), shape)) == {
        "asset_id": filed.asset_id, "asset_identifier": "PJU-1"}
    assert json.loads(representation.one(Report.objects.filter(pk=bare.pk), shape)) == {
        "asset_id": None, "asset_identifier": ""}
