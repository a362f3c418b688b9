"""CORS headers (django-cors-headers, config/cors.py) on the public read APIs only: any site may read them, with
no credentials; staff endpoints, pages, writes and the basemap proxy get none."""

import pytest

from tests.conftest import make_report, verified_login

pytestmark = pytest.mark.django_db

ORIGIN = "https://peta.example.org"
PUBLIC_READS = [
    "/open311/discovery.json", "/open311/v2/services.xml", "/open311/v2/requests.json", "/open311/v2/services.csv",
    "/ogcapi/", "/ogcapi/api", "/ogcapi/collections/reports/items", "/ogcapi/collections/jalan",
    "/api/v1/reports.geojson", "/api/v1/reports.csv", "/api/v1/stats.json", "/api/v1/stats/kelurahan.geojson",
    "/api/v1/kelurahan.geojson", "/api/v1/categories", "/api/schema/",
    "/tiles/reports.json", "/tiles/kelurahan.json", "/tiles/reports/metadata.json", "/tiles/reports/style.json",
    "/tiles/reports/14/12761/8214.pbf", "/tiles/kelurahan/14/12761/8214.pbf",
]
NOT_SHARED = ["/", "/statistik/", "/data/", "/petugas/", "/admin/", "/api/v1/geocode?q=masjid", "/api/v1/locate",
              "/tiles/basemap/14/12761/8214.png", "/masuk/"]


@pytest.mark.parametrize("path", PUBLIC_READS)
def test_a_public_read_may_be_read_by_any_site_without_credentials(client, path):
    response = client.get(path, HTTP_ORIGIN=ORIGIN)
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in response
    assert client.head(path, HTTP_ORIGIN=ORIGIN)["Access-Control-Allow-Origin"] == "*"
    asked = client.options(path, HTTP_ORIGIN=ORIGIN, HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
                           HTTP_ACCESS_CONTROL_REQUEST_HEADERS="accept")
    assert asked.status_code == 200 and asked["Access-Control-Allow-Origin"] == "*"
    assert asked["Access-Control-Allow-Methods"] == "GET, HEAD, OPTIONS"
    assert "authorization" not in asked["Access-Control-Allow-Headers"]


@pytest.mark.parametrize("path", NOT_SHARED)
def test_pages_staff_routes_and_the_basemap_are_not_shared(client, path):
    assert "Access-Control-Allow-Origin" not in client.get(path, HTTP_ORIGIN=ORIGIN)


def test_writes_and_their_preflights_get_no_cors_headers(client):
    report = make_report()
    for path in ("/open311/v2/requests.json", f"/api/v1/reports/{report.code}/support", "/api/v1/reports"):
        assert "Access-Control-Allow-Origin" not in client.post(path, {}, HTTP_ORIGIN=ORIGIN), path
        asked = client.options(path, HTTP_ORIGIN=ORIGIN, HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST")
        assert "Access-Control-Allow-Origin" not in asked, path


def test_a_signed_in_staff_member_is_not_shared_with_another_site(client, django_user_model):
    from tests.conftest import staff_user
    make_report(hidden=True)
    planner = verified_login(client, staff_user(django_user_model, "rina", "planner"))
    response = planner.get("/api/v1/reports.geojson", HTTP_ORIGIN=ORIGIN)
    # A browser gives another site this answer only without cookies ("*" forbids credentials): the public one.
    assert response["Access-Control-Allow-Origin"] == "*" and "Access-Control-Allow-Credentials" not in response
    status = planner.post("/api/v1/reports/PP-000000/status", {}, HTTP_ORIGIN=ORIGIN)
    assert "Access-Control-Allow-Origin" not in status
