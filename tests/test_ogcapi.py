"""OGC API - Features at /ogcapi/ (landing, conformance, collections, items, paging), and the OpenAPI document."""

import json
import subprocess
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
import yaml
from django.utils import timezone

from tests.conftest import REPORTER_EMAIL, REPORTER_NAME, REPORTER_PHONE, make_report
from tests.images import GANTING_GPS

pytestmark = pytest.mark.django_db
GEOJSON = "application/geo+json"


def get(client, path, expect=200, **params):
    response = client.get(path, params)
    assert response.status_code == expect, response.content[:300]
    return response.json()


def test_the_landing_page_links_the_definition_conformance_and_data(client):
    body = get(client, "/ogcapi/")
    rels = {link["rel"]: link["href"] for link in body["links"]}
    assert rels["service-desc"] == "http://testserver/api/schema/"
    assert rels["conformance"] == "http://testserver/ogcapi/conformance"
    assert rels["data"] == "http://testserver/ogcapi/collections"
    conforms = get(client, "/ogcapi/conformance")["conformsTo"]
    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core" in conforms
    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson" in conforms


def test_collections_describe_reports_and_kelurahan_with_extents(client):
    make_report(created=timezone.now() - timedelta(days=3))
    collections = {c["id"]: c for c in get(client, "/ogcapi/collections")["collections"]}
    assert set(collections) == {"reports", "kelurahan"}
    west, south, east, north = collections["reports"]["extent"]["spatial"]["bbox"][0]
    assert west < GANTING_GPS[1] < east and south < GANTING_GPS[0] < north
    [[start, end]] = collections["reports"]["extent"]["temporal"]["interval"]
    assert start is not None and end is None
    assert get(client, "/ogcapi/collections/kelurahan")["itemType"] == "feature"
    assert client.get("/ogcapi/collections/jalan").status_code == 404


def test_report_items_are_public_geojson_paged_by_next_links(client):
    made = [make_report(lat=GANTING_GPS[0] + n * 0.0001) for n in range(5)]
    make_report(hidden=True)
    response = client.get("/ogcapi/collections/reports/items", {"limit": 2})
    assert response["Content-Type"] == GEOJSON
    seen, page = [], response.json()
    while True:
        assert page["type"] == "FeatureCollection" and page["numberReturned"] == len(page["features"]) <= 2
        seen += [feature["id"] for feature in page["features"]]
        following = [link["href"] for link in page["links"] if link["rel"] == "next"]
        if not following:
            break
        url = urlsplit(following[0])
        page = client.get(f"{url.path}?{url.query}").json()
    assert seen == [report.code for report in made]
    feature = get(client, "/ogcapi/collections/reports/items", limit=1)["features"][0]
    assert feature["geometry"] == {"type": "Point", "coordinates": [GANTING_GPS[1], GANTING_GPS[0]]}
    assert feature["properties"]["kelurahan"] == "Ganting" and feature["properties"]["status"] == "baru"
    text = json.dumps(get(client, "/ogcapi/collections/reports/items"))
    for secret in (REPORTER_NAME, REPORTER_PHONE, REPORTER_EMAIL, "reporter", "hidden"):
        assert secret not in text


def test_items_filter_by_bbox_datetime_status_and_category(client):
    near = make_report()
    far = make_report(lat=-0.475, lon=100.395, status="selesai")
    old = make_report(lon=GANTING_GPS[1] + 0.0002, created=timezone.now() - timedelta(days=40))
    light = make_report("lampu-mati", lat=GANTING_GPS[0] + 0.0002)

    def ids(**params):
        return {f["id"] for f in get(client, "/ogcapi/collections/reports/items", **params)["features"]}

    lon, lat = GANTING_GPS[1], GANTING_GPS[0]
    assert ids(bbox=f"{lon - 0.001},{lat - 0.001},{lon + 0.001},{lat + 0.001}") == {near.code, old.code, light.code}
    assert ids(bbox=f"{lon - 0.001},{lat - 0.001},0,{lon + 0.001},{lat + 0.001},100") == {
        near.code, old.code, light.code}
    since = timezone.localdate(timezone.now() - timedelta(days=10)).isoformat()  # the city's day, not UTC's
    assert ids(datetime=f"{since}/..") == {near.code, far.code, light.code}
    assert ids(datetime=f"../{since}") == {old.code}
    assert ids(datetime=timezone.localdate(timezone.now() - timedelta(days=40)).isoformat()) == {old.code}
    assert ids(status="selesai") == {far.code}
    assert ids(category="penerangan-jalan") == {light.code}


@pytest.mark.parametrize(("params", "field"), [
    ({"bbox": "1,2,3"}, "bbox"),
    ({"limit": "banyak"}, "limit"),
    ({"limit": "0"}, "limit"),
    ({"datetime": "kemarin"}, "datetime"),
    ({"datetime": "2026-02-30"}, "datetime"),
    ({"datetime": "2026-11-01T25:00:00Z/.."}, "datetime"),
    ({"cursor": "-1"}, "cursor"),
    ({"status": "rusak"}, "status"),
    ({"warna": "merah"}, "warna"),
])
def test_bad_item_parameters_are_400_naming_them(client, params, field):
    assert field in get(client, "/ogcapi/collections/reports/items", expect=400, **params)


def test_single_items_and_kelurahan(client):
    report = make_report()
    hidden = make_report(hidden=True)
    feature = get(client, f"/ogcapi/collections/reports/items/{report.code}")
    assert feature["id"] == report.code and feature["properties"]["category"] == "jalan-berlubang"
    assert client.get(f"/ogcapi/collections/reports/items/{hidden.code}").status_code == 404
    kelurahan = get(client, "/ogcapi/collections/kelurahan/items", limit=100)
    assert kelurahan["numberReturned"] == 16
    ganting = get(client, "/ogcapi/collections/kelurahan/items/13.74.01.1001")
    assert ganting["properties"]["name"] == "Ganting" and ganting["geometry"]["type"] == "MultiPolygon"
    assert client.get("/ogcapi/collections/kelurahan/items/99").status_code == 404


def test_the_openapi_document_describes_the_api_and_has_a_page(client):
    schema = yaml.safe_load(client.get("/api/schema/").content)
    assert schema["openapi"].startswith("3.")
    for path in ("/api/v1/reports", "/api/v1/reports.geojson", "/api/v1/reports/nearby", "/api/v1/stats.json",
                 "/ogcapi/collections/{name}/items"):
        assert path in schema["paths"]
    nearby = {p["name"] for p in schema["paths"]["/api/v1/reports/nearby"]["get"]["parameters"]}
    assert {"lat", "lon", "radius_m", "category", "status"} <= nearby
    ogc = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json;version=3.0")
    assert ogc["Content-Type"] == "application/vnd.oai.openapi+json;version=3.0"
    assert json.loads(ogc.content)["paths"].keys() == schema["paths"].keys()
    page = client.get("/api/docs/")
    assert page.status_code == 200 and b"swagger-ui" in page.content


def test_gdal_reads_the_collections_over_http(city, live_server):
    make_report()
    make_report(lat=GANTING_GPS[0] + 0.0003)
    source = f"OAPIF:{live_server.url}/ogcapi/"
    reports = subprocess.run(["ogrinfo", "-ro", "-al", "-so", source, "reports"], capture_output=True, text=True,
                             timeout=60)
    assert "Feature Count: 2" in reports.stdout, reports.stdout + reports.stderr
    assert "kelurahan: String" in reports.stdout and "ERROR" not in reports.stderr
    kelurahan = subprocess.run(["ogrinfo", "-ro", "-so", source, "kelurahan"], capture_output=True, text=True,
                               timeout=60)
    assert "Feature Count: 16" in kelurahan.stdout and "Multi Polygon" in kelurahan.stdout


@pytest.mark.parametrize("query", ["cursor=%C2%B2", "category=jalan%00"])
def test_odd_characters_are_a_400_not_a_crash(client, query):
    assert client.get(f"/ogcapi/collections/reports/items?{query}").status_code == 400


def test_a_page_of_items_is_one_query_however_long(client, django_assert_num_queries):
    for n in range(4):
        make_report(lat=GANTING_GPS[0] + n * 0.0001, with_photo=n < 2)
    with django_assert_num_queries(1):  # the features, JSON written by PostgreSQL
        page = get(client, "/ogcapi/collections/reports/items", limit=3, status="open", category="jalan")
    assert page["numberReturned"] == 3 and page["features"][0]["properties"]["photos"].endswith(".jpg")
