"""What map clients read before the tiles: TileJSON 3.0.0, the metadata.json GDAL's MVT driver opens a tile set
by, and the MapLibre style of the reports; and MapLibre GL JS drawing the layer on the open-data map page."""

import re
import subprocess
from pathlib import Path

import pytest
from django.conf import settings

from reports.models import Status
from tests.conftest import make_report
from tests.images import GANTING_GPS
from tiles import area, grid
from tiles.tilejson import status_colours

pytestmark = pytest.mark.django_db

REPORT_FIELDS = {"count", "code", "category", "status", "overdue", "support_count"}


def test_tilejson_of_both_tile_sets(client):
    reports = client.get("/tiles/reports.json", {"category": "jalan", "status": "open"})
    assert reports.status_code == 200 and reports["Content-Type"] == "application/json"
    body = reports.json()
    assert body["tilejson"] == "3.0.0" and body["scheme"] == "xyz"
    assert body["tiles"] == ["http://testserver/tiles/reports/{z}/{x}/{y}.pbf?category=jalan&status=open"]
    assert (body["minzoom"], body["maxzoom"]) == (10, 18)  # from zoom 18 every report is its own point
    west, south, east, north = body["bounds"]
    assert west < GANTING_GPS[1] < east and south < GANTING_GPS[0] < north
    lon, lat, zoom = body["center"]
    assert west < lon < east and south < lat < north and body["minzoom"] <= zoom <= body["maxzoom"]
    [layer] = body["vector_layers"]
    assert layer["id"] == "reports" and set(layer["fields"]) == REPORT_FIELDS
    kelurahan = client.get("/tiles/kelurahan.json").json()
    assert kelurahan["tiles"] == ["http://testserver/tiles/kelurahan/{z}/{x}/{y}.pbf"]
    assert set(kelurahan["vector_layers"][0]["fields"]) == {"code", "name", "kecamatan"}
    refused = client.get("/tiles/reports.json", {"status": "rusak"})
    assert refused.status_code == 400 and "status" in refused.json()


def test_the_style_draws_the_reports_in_the_sites_status_colours(client):
    style = client.get("/tiles/reports/style.json", {"status": "open"}).json()
    assert style["version"] == 8
    assert style["sources"]["reports"] == {"type": "vector", "url": "http://testserver/tiles/reports.json?status=open",
                                           "attribution": "Lapor Padangpanjang"}
    assert {layer["source-layer"] for layer in style["layers"]} == {"reports"}
    [single] = [layer for layer in style["layers"] if layer["id"] == "reports"]
    match = single["paint"]["circle-color"]
    assert dict(zip(match[2:-1:2], match[3:-1:2], strict=True)) == status_colours()
    assert set(status_colours()) == set(Status.values) and match[-1] == status_colours()["ditolak"]
    # One definition: the stylesheet's custom properties, which every status colour of the site's CSS reads.
    css = (Path(settings.BASE_DIR) / "static" / "css" / "app.css").read_text()
    assert status_colours() == {"baru": "#d9480f", "diverifikasi": "#d9480f", "dikerjakan": "#1971c2",
                                "selesai": "#2b8a3e", "ditutup": "#2b8a3e", "ditolak": "#495057",
                                "duplikat": "#495057"}
    root, rules = css[css.index(":root {"):].split("}", 1)
    defined = set(re.findall(r"#[0-9a-f]{6}", root))
    for selector, body in re.findall(r"([^{}]+)\{([^}]*)\}", re.sub(r"/\*.*?\*/", "", rules, flags=re.S)):
        if re.search(r"status|\.dot\.|[.=]cluster-|report-dot|\.numbered|\.report\.", selector):
            assert not defined & set(re.findall(r"#[0-9a-f]{6}", body)), selector  # no copy of a status colour
    for rule in (r"\.dot\.baru", r"\.dot\.proses", r"\.dot\.selesai", r"\.dot\.lain", r"\.chart-bar \.seg",
                 r"\.report-dot", r"\.status-baru"):
        assert re.search(rule + r"[^{]*\{[^}]*var\(--status", css), rule


def test_gdal_opens_the_tile_sets_through_their_metadata(city, live_server):
    report = make_report()
    reports = subprocess.run(["ogrinfo", "-ro", "-al", f"MVT:{live_server.url}/tiles/reports/12"],
                             capture_output=True, text=True, timeout=120)
    assert "Geometry: Multi Point" in reports.stdout, reports.stdout[:2000] + reports.stderr  # GDAL makes it multi
    for field in ("count: Real", "code: String", "status: String", "overdue: Integer(Boolean)"):
        assert field in reports.stdout, field
    assert f"code (String) = {report.code}" in reports.stdout and "ERROR" not in reports.stderr
    kelurahan = subprocess.run(["ogrinfo", "-ro", "-so", f"MVT:{live_server.url}/tiles/kelurahan/12", "kelurahan"],
                               capture_output=True, text=True, timeout=120)
    assert "Geometry: Multi Polygon" in kelurahan.stdout and "kecamatan: String" in kelurahan.stdout, kelurahan.stderr


@pytest.mark.django_db(transaction=True)
def test_maplibre_draws_the_reports_layer_on_the_embedding_page(phones):
    make_report()
    page, _ = phones.open("/data/peta/")
    page.wait_for_function("() => Number(document.getElementById('maplibre-map').dataset.features) >= 1",
                           timeout=30000)
    assert page.locator("canvas.maplibregl-canvas").count() == 1
    assert 'style: "http://127.0.0.1' in page.locator("pre code").inner_text()


def test_gdal_opens_the_report_sets_root_as_its_overview_of_the_whole_city(city, live_server, client):
    """Without a zoom GDAL reads the URL as one tile: the root sends it to the tile holding the whole city."""
    make_report()
    answer = client.get("/tiles/reports", {"status": "open"})
    assert answer.status_code == 302
    z, x, y = map(int, re.fullmatch(r"/tiles/reports/(\d+)/(\d+)/(\d+)\.pbf\?status=open", answer["Location"]).groups())
    city = area.city_bounds()
    assert list(grid.tiles_covering(*city, z)) == [(x, y)] and len(list(grid.tiles_covering(*city, z + 1))) > 1
    opened = subprocess.run(["ogrinfo", "-ro", "-al", f"MVT:{live_server.url}/tiles/reports"],
                            capture_output=True, text=True, timeout=120)
    assert "Layer name: reports" in opened.stdout and "Feature Count: 1" in opened.stdout, opened.stdout + opened.stderr
    assert "ERROR" not in opened.stderr
    assert client.get("/tiles/reports", {"status": "nonsense"}).status_code == 400
