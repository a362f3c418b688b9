"""Every GeoJSON the site serves is RFC 7946 GeoJSON (tests/geojson_check.py), and survives GDAL's conversions."""

import subprocess

import pytest

from tests.conftest import make_report
from tests.geojson_check import check_geojson, signed_area
from tests.images import GANTING_GPS

pytestmark = pytest.mark.django_db

LAT, LON = GANTING_GPS


@pytest.fixture
def reports():
    return [make_report(with_photo=True), make_report("lampu-mati", lat=LAT + 0.0002)]


def served_paths(code):
    return [
        f"/api/v1/reports?bbox={LON - 0.01},{LAT - 0.01},{LON + 0.01},{LAT + 0.01}",
        "/api/v1/reports.geojson",
        f"/api/v1/reports/{code}",
        f"/api/v1/reports/nearby?lat={LAT}&lon={LON}",
        f"/api/v1/reports/duplicates?lat={LAT}&lon={LON}&category=jalan-berlubang",
        "/api/v1/kelurahan.geojson",
        "/api/v1/stats/kelurahan.geojson",
        "/ogcapi/collections/reports/items",
        f"/ogcapi/collections/reports/items/{code}",
        "/ogcapi/collections/kelurahan/items?limit=100",
        "/ogcapi/collections/kelurahan/items/13.74.01.1001",
    ]


def test_every_geojson_served_is_rfc_7946_with_ids_and_counter_clockwise_rings(client, reports):
    for path in served_paths(reports[0].code):
        response = client.get(path)
        assert response.status_code == 200, (path, response.content[:200])
        document = check_geojson(b"".join(response.streaming_content) if response.streaming else response.content)
        if "kelurahan" in path:
            features = document.get("features", [document])
            assert features and all(f["geometry"]["type"] in ("Polygon", "MultiPolygon") for f in features), path


def test_the_check_refuses_a_clockwise_outer_ring():
    square = [[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]
    assert signed_area(square) > 0 > signed_area(square[::-1])
    with pytest.raises(AssertionError):
        check_geojson({"type": "Feature", "id": "x", "properties": {},
                       "geometry": {"type": "Polygon", "coordinates": [square[::-1]]}})


def test_an_export_converted_to_a_shapefile_keeps_its_photos_and_codes(client, reports, tmp_path):
    source = tmp_path / "laporan.geojson"
    source.write_bytes(b"".join(client.get("/api/v1/reports.geojson").streaming_content))
    converted = subprocess.run(["ogr2ogr", "-f", "ESRI Shapefile", str(tmp_path / "laporan.shp"), str(source)],
                               capture_output=True, text=True, timeout=60)
    assert converted.returncode == 0 and "ERROR" not in converted.stderr, converted.stderr
    shown = subprocess.run(["ogrinfo", "-ro", "-al", str(tmp_path / "laporan.shp")], capture_output=True, text=True,
                           timeout=60).stdout
    assert f"id (String) = {reports[0].code}" in shown
    photo_line = next(line for line in shown.splitlines() if line.strip().startswith("photos (String) = http"))
    assert photo_line.strip().endswith(".jpg")
