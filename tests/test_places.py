"""The map's search with no geocoder configured: report codes, kelurahan names, the Place table (imported with
GDAL, kept in the admin, grown by the geocoder's addresses); the geocoder stays a second source."""

import json
import subprocess
from datetime import timedelta

import pytest
from django.contrib.gis.geos import Point
from django.utils import timezone

from geo import geocoding, lookup, places
from geo.models import Place, Throttle
from reports.search import find_on_map
from tests.conftest import make_report, run, run_jobs
from tests.images import GANTING_GPS
from tests.nominatim import ADDRESS, FakeNominatim

pytestmark = pytest.mark.django_db

STREET = [[100.4170, -0.4610], [100.4175, -0.4608]], [[100.4175, -0.4608], [100.4180, -0.4606]]


@pytest.fixture(autouse=True)
def no_geocoder(settings):
    settings.GEOCODER_URL = ""


def search(client, text):
    response = client.get("/api/v1/geocode", {"q": text})
    assert response.status_code == 200
    return response.json()


def test_a_kelurahan_is_found_by_name_inside_itself(client):
    [found] = search(client, "ganting")
    assert found["name"] == "Kelurahan Ganting, Kecamatan Padang Panjang Timur"
    assert lookup.locate(lookup.point(found["lat"], found["lon"])).kelurahan.name == "Ganting"


def test_a_report_is_found_by_its_code_and_a_hidden_one_not(client):
    report, hidden = make_report(), make_report(hidden=True)
    [found] = search(client, report.code.lower())
    assert found == {"name": f"{report.code} · {report.category.name}", "lat": report.location.y,
                     "lon": report.location.x}
    assert search(client, hidden.code) == []


def geojson(tmp_path):
    features = [{"type": "Feature", "properties": {"name": "Jalan Sutan Syahrir", "highway": "primary"},
                 "geometry": {"type": "LineString", "coordinates": segment}} for segment in STREET]
    features += [
        {"type": "Feature", "properties": {"name": "Pasar Padang Panjang"},
         "geometry": {"type": "Point", "coordinates": [100.4050, -0.4660]}},
        {"type": "Feature", "properties": {"name": None},
         "geometry": {"type": "Point", "coordinates": [100.41, -0.46]}},
    ]
    path = tmp_path / "jalan.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return path


def test_the_import_is_a_dry_run_unless_committed_and_says_what_it_read(tmp_path):
    path = geojson(tmp_path)
    output = run("import_places", str(path))
    assert "4 features, 2 names (1 without a name, 0 without a geometry: skipped)" in output
    assert "Dry run" in output and not Place.objects.exists()
    output = run("import_places", str(path), commit=True)
    assert "Stored: 2 places added, 0 updated." in output
    street = Place.objects.get(name="Jalan Sutan Syahrir")
    assert street.source == "import"
    # One place for the street's two segments, on the segment nearest their middle.
    assert street.location.distance(Point(100.4175, -0.4608)) < 0.0004
    assert "0 places added, 2 updated" in run("import_places", str(path), commit=True)


def test_a_geopackage_in_utm_is_read_in_wgs84_with_progress(tmp_path):
    gpkg = tmp_path / "jalan.gpkg"
    subprocess.run(["ogr2ogr", "-f", "GPKG", "-t_srs", "EPSG:32747", str(gpkg), str(geojson(tmp_path))], check=True)
    seen = []
    found, counts = places.read_places(gpkg, progress=seen.append, every=2)
    assert seen == [2, 4] and counts["features"] == 4
    market = found["Pasar Padang Panjang"][0]
    assert (market.x, market.y) == pytest.approx((100.4050, -0.4660), abs=1e-7)


def test_a_file_without_the_name_field_is_refused_naming_the_fields(tmp_path):
    path = geojson(tmp_path)
    with pytest.raises(places.PlaceFileError, match="no field 'nama'.*name, highway"):
        places.read_places(path, name_field="nama")


def test_imported_and_admin_places_are_found_by_every_word(client, tmp_path, django_assert_max_num_queries):
    run("import_places", str(geojson(tmp_path)), commit=True)
    Place.objects.create(name="Masjid Raya Ganting", location=Point(100.4179, -0.4603))
    assert [p["name"] for p in search(client, "syahrir sutan")] == ["Jalan Sutan Syahrir"]
    with django_assert_max_num_queries(5):
        names = [name for name, _, _ in find_on_map("ganting")]
    assert names == ["Kelurahan Ganting, Kecamatan Padang Panjang Timur", "Masjid Raya Ganting"]


def test_the_geocoders_addresses_fill_the_places_and_it_stays_a_second_source(client, settings):
    server = FakeNominatim()
    settings.GEOCODER_URL, settings.GEOCODER_TIMEOUT_S = server.url, 1
    try:
        make_report(lat=GANTING_GPS[0], lon=GANTING_GPS[1])
        run_jobs()
        assert Place.objects.get(name=ADDRESS).source == "geocoder"
        # A second on: the geocoder's turn again (geo.geocoding.turn), which the job's lookup just had.
        Throttle.objects.update(last_at=timezone.now() - timedelta(seconds=geocoding.SECONDS_BETWEEN_REQUESTS))
        # Found in our own table first; the geocoder's own answer follows.
        assert [p["name"] for p in search(client, "sutan syahrir")] == [ADDRESS, "Masjid Ganting, Padang Panjang"]
    finally:
        server.close()
    settings.GEOCODER_URL = ""
    assert [p["name"] for p in search(client, "sutan syahrir")] == [ADDRESS]
