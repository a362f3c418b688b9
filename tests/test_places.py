"""The map's search with no geocoder configured: report codes, kelurahan names, the Place table (imported with
GDAL, kept in the admin, grown by the geocoder's addresses); the geocoder stays a second source."""

import json
import subprocess
import uuid
from datetime import timedelta

import pytest
from django.contrib.gis.geos import Point
from django.db import connection
from django.utils import timezone

from geo import geocoding, lookup, places
from geo.models import Place, Throttle
from reports.filing import file_report
from reports.models import Category, Report
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


def test_the_search_matches_loosely_abbreviations_typos_case_and_diacritics(client):
    for name in ("Jalan Jenderal Sudirman", "Masjid Raya Asasi", "Gang Café Minang"):
        Place.objects.create(name=name, location=Point(GANTING_GPS[1], GANTING_GPS[0], srid=4326))
    assert Place.objects.get(name="Gang Café Minang").search_name == "gang cafe minang"
    for typed, name in (("jl sudirman", "Jalan Jenderal Sudirman"), ("JLN. SUDIRMAN", "Jalan Jenderal Sudirman"),
                        ("jalan sudriman", "Jalan Jenderal Sudirman"), ("mesjid raya", "Masjid Raya Asasi"),
                        ("gg cafe minang", "Gang Café Minang")):
        assert [found["name"] for found in search(client, typed)][:1] == [name], typed
    assert search(client, "jalan") == []  # one common word alone is like every street: not a match


def test_the_trigram_index_serves_the_loose_match():
    Place.objects.bulk_create(Place(name=f"Jalan Nomor {n}", search_name=f"jalan nomor {n}",
                                    location=Point(100.4, -0.46, srid=4326)) for n in range(2000))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE geo_place")
        cursor.execute("SET enable_seqscan = off")
        cursor.execute("EXPLAIN SELECT id FROM geo_place WHERE search_name %> 'jalan sudirman'")
        plan = " ".join(row[0] for row in cursor.fetchall())
    assert "geo_place_search_trgm" in plan


def test_the_search_learns_typed_and_verified_addresses(client, django_user_model):
    from reports import workflow
    from tests.conftest import staff_user

    typed, _ = file_report(client_uuid=uuid.uuid4(), category=Category.objects.get(slug="lampu-mati"),
                           lat=GANTING_GPS[0], lon=GANTING_GPS[1], description="Lampu mati.", photos=[],
                           address="Jl. Imam Bonjol No. 7, Balai-Balai")
    assert Place.objects.get(name="Jl. Imam Bonjol No. 7, Balai-Balai").source == Place.Source.TYPED
    assert typed.address == "Jl. Imam Bonjol No. 7, Balai-Balai"
    verified = make_report(north=0.001)
    Report.objects.filter(pk=verified.pk).update(address="Jalan Haji Agus Salim 3")
    verified.refresh_from_db()
    fallback = make_report(north=0.002)
    dispatcher = staff_user(django_user_model, "dewi", "dispatcher")
    for report in (verified, fallback):
        workflow.change_status(report, "diverifikasi", dispatcher, version=report.version)
    assert Place.objects.get(name="Jalan Haji Agus Salim 3").source == Place.Source.VERIFIED
    assert not Place.objects.filter(name__startswith="Kelurahan").exists()  # the kelurahan are searched already
    assert search(client, "jl agus salim")[0]["name"] == "Jalan Haji Agus Salim 3"
    assert search(client, "imam bonjol 7")[0]["name"] == "Jl. Imam Bonjol No. 7, Balai-Balai"
