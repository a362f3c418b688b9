"""OGC API - Features collections of the asset layers (issue 33): one per kind, its active generation's assets,
in a box, one by its identifier, paged, a kind with nothing imported, and the documents following OGC's schemas."""

import json
import subprocess

import pytest

from assets import layers
from assets.models import Asset
from geo.models import Crew
from tests.conftest import run
from tests.geojson_check import check_geojson
from tests.ogc_schemas import check
from tests.test_assets import LAT, LON, METRE, import_lamps, lamp

pytestmark = pytest.mark.django_db


@pytest.fixture
def kinds():
    layers.ensure_default_kinds()


def get(client, path, expect=200, **params):
    response = client.get(path, params)
    assert response.status_code == expect, response.content[:300]
    return response.json()


def box(north_m, metres=20):
    """A bbox of `metres` around the point `north_m` north of the first lamp."""
    half = metres / 2 * METRE
    lat = LAT + north_m * METRE
    return f"{LON - half},{lat - half},{LON + half},{lat + half}"


def test_each_kind_is_a_collection_listed_and_described(client, kinds):
    listed = {c["id"]: c for c in get(client, "/ogcapi/collections")["collections"]}
    assert {"reports", "kelurahan", "assets-lampu", "assets-saluran", "assets-jalan"} <= set(listed)
    check("collections", get(client, "/ogcapi/collections"))
    lampu = check("collection", get(client, "/ogcapi/collections/assets-lampu"))
    assert lampu["id"] == "assets-lampu" and "temporal" not in lampu["extent"]
    assert {(ln["rel"], ln["type"]) for ln in lampu["links"]} >= {("items", "application/geo+json"),
                                                                 ("self", "application/json")}
    assert client.get("/ogcapi/collections/assets-tiang").status_code == 404


def test_items_in_a_box_are_the_active_generations_assets(client, tmp_path, kinds):
    crew = Crew.objects.first()
    import_lamps(tmp_path, [lamp("PJU-1", tiang="besi", crew=crew.name), lamp("PJU-2", north_m=300)], "old.geojson")
    import_lamps(tmp_path, [lamp("PJU-1", tiang="besi", crew=crew.name), lamp("PJU-3", north_m=300)])
    everything = get(client, "/ogcapi/collections/assets-lampu/items")
    assert sorted(f["id"] for f in everything["features"]) == ["PJU-1", "PJU-3"]  # not the old generation's PJU-2
    assert everything["numberMatched"] == 2
    found = check("featureCollectionGeoJSON", get(client, "/ogcapi/collections/assets-lampu/items", bbox=box(0)))
    check_geojson(found)
    (feature,) = found["features"]
    assert feature["id"] == "PJU-1" and found["numberMatched"] == 1
    assert feature["properties"] == {"identifier": "PJU-1", "kind": "lampu", "crew_name": crew.name,
                                     "sample": False, "attributes": {"id": "PJU-1", "tiang": "besi",
                                                                     "crew": crew.name}}
    assert feature["geometry"]["type"] == "Point"
    assert abs(feature["geometry"]["coordinates"][1] - LAT) < 1e-7
    assert get(client, "/ogcapi/collections/assets-lampu/items", bbox=box(150))["features"] == []
    page = client.get("/ogcapi/collections/assets-lampu/items", {"f": "html"})
    assert page.status_code == 200 and "PJU-3" in page.content.decode() and "besi" in page.content.decode()


def test_a_single_asset_by_its_identifier(client, tmp_path, kinds):
    import_lamps(tmp_path, [lamp("PJU-1"), lamp("PJU-2", north_m=40)])
    feature = check("featureGeoJSON", get(client, "/ogcapi/collections/assets-lampu/items/PJU-2"))
    assert feature["id"] == "PJU-2" and feature["properties"]["kind"] == "lampu"
    assert {ln["rel"] for ln in feature["links"]} >= {"self", "alternate", "collection"}
    for path in ("/ogcapi/collections", "/ogcapi/collections/assets-lampu",
                 "/ogcapi/collections/assets-lampu/items/PJU-2"):
        page = client.get(path, {"f": "html"})
        assert page.status_code == 200 and page["Content-Type"].startswith("text/html")
        assert b"assets-lampu" in page.content
    missing = client.get("/ogcapi/collections/assets-lampu/items/PJU-9")
    assert missing.status_code == 404 and check("exception", missing.json())
    assert client.get("/ogcapi/collections/assets-jalan/items/PJU-1").status_code == 404  # another kind's


def test_a_kind_with_nothing_imported_is_an_empty_collection(client, kinds):
    empty = check("featureCollectionGeoJSON", get(client, "/ogcapi/collections/assets-saluran/items"))
    assert empty["features"] == [] and empty["numberMatched"] == 0 and empty["numberReturned"] == 0
    assert client.get("/ogcapi/collections/assets-saluran/items/SAL-1").status_code == 404


def test_asset_items_are_paged_by_next_links_and_refuse_report_filters(client, tmp_path, kinds):
    import_lamps(tmp_path, [lamp(f"PJU-{n}", north_m=10 * n) for n in range(5)])
    seen, path, params, pages = [], "/ogcapi/collections/assets-lampu/items", {"limit": 2}, 0
    while path:
        page = get(client, path, **params)
        assert page["numberMatched"] == 5 and page["numberReturned"] == len(page["features"]) <= 2
        seen += [f["id"] for f in page["features"]]
        following = [ln["href"] for ln in page["links"] if ln["rel"] == "next"]
        path, params, pages = (following[0].removeprefix("http://testserver") if following else None), {}, pages + 1
    assert sorted(seen) == [f"PJU-{n}" for n in range(5)] and pages == 3
    refused = get(client, "/ogcapi/collections/assets-lampu/items", expect=400, status="baru")
    assert "status" in refused["description"]


def test_the_sample_layer_says_so_and_the_api_definition_names_the_collections(client, kinds):
    run("sample_assets", "lampu", count=3)
    feature = get(client, "/ogcapi/collections/assets-lampu/items", limit=1)["features"][0]
    assert feature["properties"]["sample"] is True and feature["id"].startswith("CONTOH-")
    definition = json.loads(client.get("/ogcapi/api", HTTP_ACCEPT="application/vnd.oai.openapi+json;version=3.0")
                            .content)
    assert "/collections/assets-lampu/items" in definition["paths"]
    (collection_id,) = [p for p in definition["paths"]["/collections/{collectionId}"]["get"]["parameters"]
                        if p["name"] == "collectionId"]
    assert {"reports", "kelurahan", "assets-lampu", "assets-jalan"} <= set(collection_id["schema"]["enum"])
    assert Asset.objects.count() == 3


def test_gdal_reads_an_asset_layer_over_http(city, live_server, tmp_path, kinds):
    import_lamps(tmp_path, [lamp("PJU-1", tiang="besi"), lamp("PJU-2", north_m=40)])
    read = subprocess.run(["ogrinfo", "-ro", "-al", "-q", f"OAPIF:{live_server.url}/ogcapi/", "assets-lampu"],
                          capture_output=True, text=True, timeout=60)
    assert read.stdout.count("OGRFeature(assets-lampu)") == 2, read.stdout + read.stderr
    assert "identifier (String) = PJU-2" in read.stdout and "POINT" in read.stdout and "ERROR" not in read.stderr
