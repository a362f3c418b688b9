"""OGC API - Features at /ogcapi/ (landing, conformance, collections, items, paging), and the OpenAPI document."""

import json
import re
import subprocess
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl, urlsplit

import psycopg2
import pytest
import time_machine
import yaml
from django.contrib.gis.geos import Point, Polygon
from django.db import connection
from django.test import RequestFactory
from django.utils import timezone

from assets.models import Asset, AssetGeneration, AssetKind
from forwarding import delivery
from forwarding.models import Forwarding
from reports.interop import ogcapi
from reports.interop.ogcapi import DEFAULT_LIMIT, MAX_LIMIT
from reports.models import Report
from tests.conftest import REPORTER_EMAIL, REPORTER_NAME, REPORTER_PHONE, bulk_reports, make_report
from tests.geojson_check import check_geojson
from tests.images import GANTING_GPS
from tests.ogc_schemas import check

pytestmark = pytest.mark.django_db
GEOJSON = "application/geo+json"


def get(client, path, expect=200, **params):
    response = client.get(path, params)
    assert response.status_code == expect, response.content[:300]
    return response.json()


def test_the_landing_page_links_the_definition_conformance_and_data(client):
    body = get(client, "/ogcapi/")
    rels = {link["rel"]: link["href"] for link in body["links"]}
    assert rels["service-desc"] == "http://testserver/ogcapi/api"
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


@time_machine.travel(datetime(2026, 6, 15, 10, 0, tzinfo=UTC))
def test_items_filter_by_bbox_datetime_status_and_category(client):
    near = make_report()
    far = make_report(lat=-0.475, lon=100.395, status="selesai")
    old = make_report(lon=GANTING_GPS[1] + 0.0002, created=timezone.now() - timedelta(days=40))  # 6 May, 17:00
    light = make_report("lampu-mati", lat=GANTING_GPS[0] + 0.0002)

    def ids(**params):
        return {f["id"] for f in get(client, "/ogcapi/collections/reports/items", **params)["features"]}

    lon, lat = GANTING_GPS[1], GANTING_GPS[0]
    assert ids(bbox=f"{lon - 0.001},{lat - 0.001},{lon + 0.001},{lat + 0.001}") == {near.code, old.code, light.code}
    assert ids(bbox=f"{lon - 0.001},{lat - 0.001},0,{lon + 0.001},{lat + 0.001},100") == {
        near.code, old.code, light.code}
    since = "2026-06-05"  # ten days back
    assert ids(datetime=f"{since}/..") == {near.code, far.code, light.code}
    assert ids(datetime=f"../{since}") == {old.code}
    assert ids(datetime="2026-05-06") == {old.code}  # the city's day
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
    error = check("exception", get(client, "/ogcapi/collections/reports/items", expect=400, **params))
    assert error["code"] == "InvalidParameterValue" and error["description"].startswith(f"{field}: ")


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
                 "/ogcapi/collections/{collectionId}/items"):
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
    with django_assert_num_queries(2):  # the features, JSON written by PostgreSQL; their exact count
        page = get(client, "/ogcapi/collections/reports/items", limit=3, status="open", category="jalan")
    with django_assert_num_queries(2):  # unfiltered: the count is a sum over the kept counts
        get(client, "/ogcapi/collections/reports/items", limit=3)
    assert page["numberReturned"] == 3 and page["numberMatched"] == 4
    assert page["features"][0]["properties"]["photos"].endswith(".jpg")


def documents(code):
    """Every kind of document of the API: (path, the OGC schema it follows)."""
    return [
        ("/ogcapi/", "landingPage"), ("/ogcapi/conformance", "confClasses"), ("/ogcapi/collections", "collections"),
        ("/ogcapi/collections/reports", "collection"), ("/ogcapi/collections/kelurahan", "collection"),
        ("/ogcapi/collections/reports/items?limit=1", "featureCollectionGeoJSON"),
        ("/ogcapi/collections/kelurahan/items?limit=2", "featureCollectionGeoJSON"),
        (f"/ogcapi/collections/reports/items/{code}", "featureGeoJSON"),
        ("/ogcapi/collections/kelurahan/items/13.74.01.1001", "featureGeoJSON"),
        ("/ogcapi/collections/jalan", "exception"), ("/ogcapi/collections/reports/items/PP-000000", "exception"),
        ("/ogcapi/collections/reports/items?bbox=1,2", "exception"), ("/ogcapi/?f=xml", "exception"),
        ("/ogcapi/collections/kelurahan/items?status=baru", "exception"),
    ]


def test_every_document_follows_the_official_ogc_schemas(client):
    code = make_report().code
    make_report(lat=GANTING_GPS[0] + 0.0002)
    for path, schema in documents(code):
        response = client.get(path)
        assert (response.status_code < 400) == (schema != "exception"), (path, response.status_code)
        document = check(schema, response.json())
        if schema == "exception":
            assert set(document) >= {"code", "description"}, path  # Features 1.0's exception, as well as RFC 9457's
        if schema.endswith("GeoJSON"):
            check_geojson(document)


def test_every_document_links_itself_and_its_other_format_which_serves(client):
    code = make_report().code
    for path, schema in documents(code):
        if schema in ("exception", "collections") and "links" not in client.get(path).json():
            continue
        links = client.get(path).json()["links"]
        rels = {(link["rel"], link["type"]) for link in links}
        json_type = "application/geo+json" if "/items" in path else "application/json"
        assert {("self", json_type), ("alternate", "text/html")} <= rels, path
        page = next(link["href"] for link in links if link["rel"] == "alternate")
        answer = client.get(page.removeprefix("http://testserver"))
        assert answer.status_code == 200 and answer["Content-Type"].startswith("text/html"), page
        assert any(link["rel"] == "self" and link["type"] == "text/html" and link["href"] == page
                   for link in (answer.context["doc"]["links"]))


def test_html_by_f_or_accept_and_json_by_f_or_format(client):
    report = make_report()
    by_f = client.get("/ogcapi/collections/reports/items", {"f": "html"})
    by_accept = client.get("/ogcapi/collections/reports/items", HTTP_ACCEPT="text/html,application/xhtml+xml,*/*;q=0.8")
    for page in (by_f, by_accept):
        assert page.status_code == 200 and page["Content-Type"] == "text/html; charset=utf-8"
        assert report.code in page.content.decode() and "Ganting" in page.content.decode()
    landing = client.get("/ogcapi/", HTTP_ACCEPT="text/html")
    assert b"/ogcapi/collections" in landing.content and landing["Content-Type"].startswith("text/html")
    for name in ("f", "format"):
        items = client.get("/ogcapi/collections/reports/items", {name: "json"})
        assert items.status_code == 200 and items["Content-Type"] == GEOJSON
        assert client.get("/ogcapi/collections", {name: "json"})["Content-Type"] == "application/json"
    assert client.get("/ogcapi/collections/reports/items", {"format": "geojson"}).status_code == 200
    missing = client.get("/ogcapi/collections/jalan", {"f": "html"})
    assert missing.status_code == 404 and b"jalan" in missing.content and missing["Content-Type"].startswith("text/")
    refused = client.get("/ogcapi/collections", {"f": "xml"})
    assert refused.status_code == 406 and refused.json()["code"] == "NotAcceptable"


def test_number_matched_counts_the_collection_or_exactly_the_filtered(client):
    for n in range(3):
        make_report(lat=GANTING_GPS[0] + n * 0.0001)
    make_report("lampu-mati", status="selesai")
    make_report(hidden=True)
    whole = get(client, "/ogcapi/collections/reports/items", limit=2)
    assert (whole["numberMatched"], whole["numberReturned"]) == (4, 2) == (Report.objects.public().count(), 2)
    done = get(client, "/ogcapi/collections/reports/items", status="selesai")
    assert (done["numberMatched"], done["numberReturned"]) == (1, 1)
    ganting = get(client, "/ogcapi/collections/reports/items", kelurahan_code="13.74.01.1001", category="jalan")
    assert ganting["numberMatched"] == 3
    assert get(client, "/ogcapi/collections/kelurahan/items", limit=5)["numberMatched"] == 16


def test_the_api_definition_declares_the_filters_where_gdal_looks(client):
    landing = get(client, "/ogcapi/")
    described = next(link for link in landing["links"] if link["rel"] == "service-desc")
    assert described["href"] == "http://testserver/ogcapi/api"
    response = client.get("/ogcapi/api", HTTP_ACCEPT="application/vnd.oai.openapi+json;version=3.0")
    assert response["Content-Type"] == "application/vnd.oai.openapi+json;version=3.0"
    definition = json.loads(response.content)
    assert definition["servers"] == [{"url": "/ogcapi"}]
    items = definition["paths"]["/collections/{collectionId}/items"]["get"]
    parameters = [definition["components"]["parameters"]["limit"] if "$ref" in p else p for p in items["parameters"]]
    queried = {p["name"] for p in parameters if p["in"] == "query"}
    assert {"bbox", "limit", "datetime", "status", "category", "kelurahan_code", "f"} <= queried
    assert "/collections/{collectionId}/items/{featureId}" in definition["paths"]


def test_gdal_sends_an_attribute_filter_to_the_server(city, live_server):
    for n in range(3):
        make_report(lat=GANTING_GPS[0] + n * 0.0001)
    make_report(lat=GANTING_GPS[0] + 0.0005, status="selesai")
    found = subprocess.run(
        ["ogrinfo", "-ro", "-al", "-q", "--config", "CPL_DEBUG", "ON", "-where", "status='selesai'",
         f"OAPIF:{live_server.url}/ogcapi/", "reports"], capture_output=True, text=True, timeout=60)
    fetched = [line for line in found.stderr.splitlines() if "/ogcapi/collections/reports/items" in line]
    assert any("status=selesai" in line for line in fetched), found.stderr
    assert "Full filter will be evaluated on client side" not in found.stderr
    assert found.stdout.count("OGRFeature(reports)") == 1 and "status (String) = selesai" in found.stdout
    counted = subprocess.run(["ogrinfo", "-ro", "-so", f"OAPIF:{live_server.url}/ogcapi/", "reports"],
                             capture_output=True, text=True, timeout=60)
    assert "Feature Count: 4" in counted.stdout, counted.stdout + counted.stderr


def gdal_page_size(definition, root, items_url):
    """GDAL's page size for a collection (ogroapifdriver.cpp, DeterminePageSizeFromAPI, 3.8 on): 1000, or the
    `limit` default if larger, at most its maximum; read only through a `$ref` naming limit, under the items
    path as written. Found nothing, it stays at 1000 there, and at 10 before GDAL 3.8 whatever the document."""
    path = definition.get("paths", {}).get(items_url[len(root):])
    for parameter in (path or {}).get("get", {}).get("parameters", []):
        reference = parameter.get("$ref", "")
        if "limit" in reference and reference.startswith("#/"):
            schema = definition
            for part in reference[2:].split("/"):
                schema = schema[part]
            maximum, default = schema["schema"].get("maximum", -1), schema["schema"].get("default", -1)
            if default > 0 and maximum > 0:
                return min(max(1000, default), maximum)
            return max(1000, default) if default > 0 else maximum if maximum > 0 else 1000
    return None


def test_the_api_definition_gives_gdal_a_default_and_a_maximum_for_limit(client):
    definition = json.loads(client.get("/ogcapi/api", HTTP_ACCEPT="application/vnd.oai.openapi+json;version=3.0")
                            .content)
    limit = definition["components"]["parameters"]["limit"]
    assert limit["schema"] == {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT}
    for name in ("reports", "kelurahan"):
        collection = get(client, f"/ogcapi/collections/{name}")
        items = next(link["href"] for link in collection["links"]
                     if link["rel"] == "items" and link["type"] == "application/geo+json")
        assert gdal_page_size(definition, "http://testserver/ogcapi", items) == 1000
    assert client.get("/ogcapi/collections/reports/items", {"limit": 1000}).status_code == 200


# "GDAL 3.6.2, released 2023/01/02"
GDAL_VERSION = tuple(int(part) for part in re.search(r"GDAL (\d+)\.(\d+)", subprocess.run(
    ["ogrinfo", "--version"], capture_output=True, text=True).stdout).groups())


@pytest.mark.skipif(GDAL_VERSION < (3, 8), reason="GDAL reads the page size from the API description from 3.8 "
                    "(OSGeo/gdal#8522); before, it asks 10 features a page whatever the server says")
def test_ogrinfo_reads_the_reports_in_few_requests(city, live_server):
    bulk_reports(370)
    read = subprocess.run(["ogrinfo", "-ro", "-al", "-q", "--config", "CPL_DEBUG", "ON",
                           f"OAPIF:{live_server.url}/ogcapi", "reports"], capture_output=True, text=True, timeout=120)
    pages = [line for line in read.stderr.splitlines() if "/ogcapi/collections/reports/items" in line]
    assert read.stdout.count("OGRFeature(reports)") == 370 and len(pages) <= 3, read.stderr


def box_pages(client, box, limit):
    """(codes of every page's features in order, following the next links; numberMatched; the page queries' SQL)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    codes, matched, sql = [], None, []
    path = "/ogcapi/collections/reports/items"
    params = {"bbox": ",".join(f"{number:.6f}" for number in box), "limit": limit}
    while path:
        with CaptureQueriesContext(connection) as queries:
            page = get(client, path, **params)
        sql += [query["sql"] for query in queries if "FROM \"reports_report\"" in query["sql"] and "ORDER BY" in
                query["sql"]]
        codes += [feature["id"] for feature in page["features"]]
        matched = page["numberMatched"] if matched is None else matched
        following = [link["href"] for link in page["links"] if link["rel"] == "next"]
        path, params = (urlsplit(following[0]).path, dict(parse_qsl(urlsplit(following[0]).query))) if following \
            else (None, None)
    return codes, matched, sql


def test_a_box_is_read_from_the_spatial_index_or_walked_by_what_it_holds_with_the_same_pages(client):
    bulk_reports(100, spread=0.01)  # 11 columns of reports 0.0009° apart, south-east of Ganting
    Report.objects.filter(code__in=["T-12", "T-24"]).update(hidden=True)
    lon, lat = GANTING_GPS[1], GANTING_GPS[0]
    few = (lon - 0.0001, lat - 0.0011, lon + 0.0011, lat + 0.0001)  # 2 x 2 reports, one of them hidden
    many = (lon - 0.0001, lat - 0.0040, lon + 0.0040, lat + 0.0001)  # 5 x 5 reports, two hidden
    for box, plan, count in ((few, "index", 3), (many, "walk", 23)):
        expected = [report.code for report in Report.objects.public().in_box(Polygon.from_bbox(box)).order_by("pk")]
        assert len(expected) == count
        # 98 public reports, pages of 2: the index reads the box when count² × BOX_ROW_COST <= (2 + 1) × 98.
        assert ogcapi.box_plan_by_index(count, 98, 2) == (plan == "index")
        codes, matched, sql = box_pages(client, box, limit=2)
        assert (codes, matched) == (expected, count)
        assert sql and all(('"id" + 0)' in text) == (plan == "index") for text in sql), (plan, sql)


@pytest.mark.parametrize("after", [0, 30])
def test_the_spatial_index_and_the_walk_give_the_same_page(after):
    bulk_reports(100, spread=0.01)
    Report.objects.filter(code="T-34").update(hidden=True)
    lon, lat = GANTING_GPS[1], GANTING_GPS[0]
    request = RequestFactory().get("/ogcapi/collections/reports/items", HTTP_HOST="testserver")
    first = Report.objects.order_by("pk").values_list("pk", flat=True).first()
    for box in ((lon - 0.0001, lat - 0.0040, lon + 0.0040, lat + 0.0001), (lon - 1, lat - 1, lon + 1, lat + 1)):
        query = {"limit": 7, "after": first + after if after else 0, "bbox": Polygon.from_bbox(box),
                 "status": "baru"}
        walked = ogcapi.report_features(request, query)
        indexed = ogcapi.report_features(request, query, by_index=True)
        assert walked == indexed and len(walked) == 8


def test_an_empty_box_is_an_empty_page_with_no_feature_query(client, django_assert_num_queries):
    make_report()
    with django_assert_num_queries(1):  # its count
        page = get(client, "/ogcapi/collections/reports/items", bbox="100.3,-0.5,100.31,-0.49")
    assert (page["features"], page["numberMatched"], page["numberReturned"]) == ([], 0, 0)


def every_field_set():
    """A public report with every property of the collection set: photo, answers, moments of its life, a due
    date, a crew and an office, an asset, a LAPOR! tracking ID, a name shown, merged into another at the end."""
    kind, _ = AssetKind.objects.get_or_create(code="lampu-jalan", defaults={
        "name_id": "Lampu jalan", "name_en": "Street light", "geometry": "point"})
    generation = AssetGeneration.objects.create(kind=kind, source="uji.geojson", source_sha256="0" * 64, active=True)
    asset = Asset.objects.create(kind=kind, generation=generation, identifier="PJU-0042",
                                 geometry=Point(GANTING_GPS[1], GANTING_GPS[0]), attributes={"daya": "90 W"})
    filed = make_report("lampu-mati", with_photo=True, show_name=True, address="Jl. Sudirman 12",
                        description="Lampu mati \"sejak\" Senin — ada <b>kabel</b> putus.")
    moment = datetime(2026, 12, 2, 2, 0, tzinfo=UTC)
    kept = make_report("lampu-mati", north=0.0005)
    Report.objects.filter(pk=filed.pk).update(
        asset=asset, status="duplikat", duplicate_of=kept, attributes={"tiang": "miring"}, due_date="2026-12-10",
        support_count=3, verified_at=moment, fixed_at=moment + timedelta(days=2), closed_at=moment + timedelta(days=3))
    Forwarding.objects.create(report=filed, link=delivery.lapor_link(), external_id="LAPOR-4242")
    filed.refresh_from_db()
    assert filed.crew_id and filed.office_id and filed.photos.exists()
    return filed


def test_the_single_item_answers_as_the_page_query_writes_the_report(client):
    """The item from its prepared statement is byte for byte the Feature the ORM's page query writes, with its
    links, in either case of the code; a code of no public report is a 404."""
    filed = every_field_set()
    response = client.get(f"/ogcapi/collections/reports/items/{filed.code.lower()}")
    assert response.status_code == 200 and response["Content-Type"] == GEOJSON
    request = RequestFactory().get("/")
    [(_, text)] = ogcapi.report_features(request, {"limit": 0, "after": filed.pk - 1})
    expected = {**json.loads(text), "links": response.json()["links"]}
    assert response.content == ogcapi.GeoJSONRenderer().render(expected)
    properties = expected["properties"]
    assert [name for name, value in properties.items() if value in (None, "", [], {})] == []
    assert (properties["lapor_tracking_id"], properties["asset_identifier"]) == ("LAPOR-4242", "PJU-0042")
    assert [item["rel"] for item in expected["links"]] == ["self", "alternate", "collection"]
    assert client.get("/ogcapi/collections/reports/items/PP-NONE").status_code == 404
    page = client.get(f"/ogcapi/collections/reports/items/{filed.code}", {"f": "html"})
    assert page.status_code == 200 and filed.code in page.content.decode()


@pytest.mark.django_db(transaction=True)
def test_the_item_is_prepared_once_per_connection_and_again_on_a_new_one(client):
    """The item's statement is PREPAREd on the connection once; when the kept connection dies, the item is asked
    again on a new one (no `SELECT 1` first), which prepares it again."""
    filed = make_report()
    path = f"/ogcapi/collections/reports/items/{filed.code}"

    def prepared():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid(), array(SELECT name::text FROM pg_prepared_statements)")
            pid, names = cursor.fetchone()
            return pid, set(names)

    connection.close()  # a connection of its own: other tests' statements were prepared on the kept one
    connection.ensure_connection()
    assert prepared()[1] == set()
    connection.health_check_done = False  # a new request on the kept connection (the test client skips this)
    first = client.get(path)
    connection.health_check_done = False
    assert client.get(path).content == first.content
    pid, names = prepared()
    assert len(names) == 1  # once, for both requests
    with psycopg2.connect(**connection.get_connection_params()) as other, other.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])  # as a restart of PostgreSQL would
    connection.health_check_done = False
    again = client.get(path)
    assert again.status_code == 200 and again.content == first.content
    assert filed.code in again.json()["id"]
    new_pid, new_names = prepared()
    assert new_pid != pid and new_names == names  # on the new connection, only what it was asked
