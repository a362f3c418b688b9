"""A reporter's phone and e-mail (and name, unless they chose to show it) leave by no public way: every page,
API, export, Open311 answer (JSON and XML), OGC API item, statistic and decoded vector tile is searched."""

import json

import mapbox_vector_tile
import pytest

from tests.conftest import make_report
from tests.images import GANTING_GPS
from tests.test_tiles import tile_of

pytestmark = pytest.mark.django_db

NAME, PHONE, EMAIL = "Sulastri Wahyuningsih", "0813 9876 5432", "sulastri.pribadi@example.org"


def body(response):
    content = b"".join(response.streaming_content) if response.streaming else response.content
    if response["Content-Type"].startswith("application/vnd.mapbox-vector-tile"):
        return json.dumps(mapbox_vector_tile.decode(content), default=str)
    return content.decode()


def test_no_public_surface_holds_the_reporters_contact_details_or_hidden_name(client):
    report = make_report(with_photo=True)
    report.__class__.objects.filter(pk=report.pk).update(reporter_name=NAME, reporter_phone=PHONE,
                                                         reporter_email=EMAIL, show_name=False)
    code, point = report.code, {"lat": GANTING_GPS[0], "lon": GANTING_GPS[1]}
    surfaces = [
        "/", f"/laporan/{code}/", "/statistik/",
        f"/api/v1/reports/{code}", "/api/v1/reports?bbox=100.37,-0.49,100.44,-0.45",
        f"/api/v1/reports/nearby?lat={point['lat']}&lon={point['lon']}",
        f"/api/v1/reports/duplicates?lat={point['lat']}&lon={point['lon']}&category=jalan",
        "/api/v1/reports.geojson", "/api/v1/reports.csv", "/api/v1/stats.json", "/api/v1/stats/kelurahan.geojson",
        "/open311/v2/requests.json", "/open311/v2/requests.xml",
        f"/open311/v2/requests/{code}.json", f"/open311/v2/requests/{code}.xml",
        "/ogcapi/collections/reports/items", f"/ogcapi/collections/reports/items/{code}",
        "/tiles/reports/{}/{}/{}.pbf".format(*tile_of(*GANTING_GPS, 18)),
        "/tiles/reports/{}/{}/{}.pbf".format(*tile_of(*GANTING_GPS, 12)),
    ]
    for path in surfaces:
        response = client.get(path)
        assert response.status_code == 200, path
        text = body(response)
        assert code in text or path.endswith((".pbf", "stats.json", "kelurahan.geojson", "/statistik/", "/")), path
        for private in (NAME, PHONE, EMAIL, PHONE.replace(" ", "")):
            assert private not in text, (path, private)


def test_no_public_surface_holds_a_complaint_private_by_its_kind(client):
    """A service complaint (Category.public_by_default false) pinned where a public report is: every surface above
    shows the public one and not the complaint; its own addresses are a 404 (tests/test_service_complaints_public.py
    has the rest: statistics per office, without a place, Open311's services)."""
    shown = make_report()
    hidden_kind = make_report("pelayanan-puskesmas", description="Petugas puskesmas menolak pasien BPJS.")
    assert hidden_kind.private and not shown.private
    surfaces = [
        "/api/v1/reports?bbox=100.37,-0.49,100.44,-0.45",
        "/api/v1/reports/nearby?lat={}&lon={}".format(*GANTING_GPS),
        "/api/v1/reports.geojson", "/api/v1/reports.csv", "/open311/v2/requests.json", "/open311/v2/requests.xml",
        "/ogcapi/collections/reports/items", "/feed/laporan.atom",
        "/tiles/reports/{}/{}/{}.pbf".format(*tile_of(*GANTING_GPS, 18)),
    ]
    for path in surfaces:
        response = client.get(path)
        assert response.status_code == 200, path
        text = body(response)
        assert shown.code in text or path.endswith(".pbf"), path
        assert hidden_kind.code not in text and "BPJS" not in text, path
    code = hidden_kind.code
    for path in (f"/laporan/{code}/", f"/api/v1/reports/{code}", f"/open311/v2/requests/{code}.json",
                 f"/ogcapi/collections/reports/items/{code}"):
        assert client.get(path).status_code == 404, path
