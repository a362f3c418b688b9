"""Service complaints on the public and spatial surfaces (issue 31): a complaint without a place goes through the
triggers (tiles, counts, response times) and shows with no geometry where it is public; a private complaint is on
no public surface, only counted per office and category; Open311 carries problems at a place only; exports,
statistics and the IKM per office."""

import json
import uuid

import pytest
from django.utils import timezone

from insight import times
from insight.models import ResponseCount
from notify import ikm, links
from notify.models import Channel
from offices.models import Office
from reports import services, workflow
from reports.filing import file_report
from reports.interop import open311
from reports.models import ApiClient, Category, Report, ReportCount
from tests.conftest import make_report, staff_user, verified_login
from tests.images import GANTING_GPS
from tests.test_exports import csv_rows
from tests.test_ikm import answers
from tests.test_privacy_surfaces import body
from tests.test_tiles import tile_of
from tiles.models import ReportCell, TileVersion

pytestmark = pytest.mark.django_db
LAT, LON = GANTING_GPS
BOX = "100.37,-0.49,100.44,-0.45"


def complaint(slug="ktp-el", lat=None, lon=None, email="", **fields):
    """A service complaint filed as the form files it: without a place unless given."""
    report, _ = file_report(client_uuid=uuid.uuid4(), category=Category.objects.get(slug=slug), lat=lat, lon=lon,
                            description="KTP saya belum jadi setelah tiga minggu.", photos=[],
                            name="Sulastri", phone="0813 9876 5432", email=email)
    if fields:
        Report.objects.filter(pk=report.pk).update(**fields)
    return Report.objects.get(pk=report.pk)


@pytest.fixture
def dispatcher(django_user_model):
    return staff_user(django_user_model, "dewi", "dispatcher")


@pytest.fixture
def planner(client, django_user_model):
    return verified_login(client, staff_user(django_user_model, "bima", "planner"))


def test_a_complaint_without_a_place_is_filed_and_moved_without_touching_a_tile(dispatcher):
    cells, versions = list(ReportCell.objects.values_list()), list(TileVersion.objects.values_list())
    report = complaint()
    assert report.location is None and report.kelurahan is None and report.private
    assert report.office == Office.objects.get(slug="disdukcapil")
    workflow.change_status(report, "diverifikasi", dispatcher, version=report.version)
    report.refresh_from_db()
    Report.objects.filter(pk=report.pk).update(private=False)  # published: still no place, still no tile
    assert report.status == "diverifikasi"
    assert list(ReportCell.objects.values_list()) == cells and list(TileVersion.objects.values_list()) == versions
    counted = ReportCount.objects.filter(count__gt=0, category=report.category).get()
    assert (counted.kelurahan, counted.office, counted.status, counted.private) == (None, report.office,
                                                                                     "diverifikasi", False)


def test_a_private_complaint_with_a_place_is_on_no_tile_and_publishing_puts_it_on(client):
    z, x, y = tile_of(LAT, LON, 18)
    before = TileVersion.objects.filter(z=z, x=x, y=y).values_list("version", flat=True).first()
    report = complaint("pelayanan-puskesmas", LAT, LON)
    assert report.private and report.kelurahan is not None
    assert not ReportCell.objects.filter(category=report.category, count__gt=0).exists()
    assert TileVersion.objects.filter(z=z, x=x, y=y).values_list("version", flat=True).first() == before
    assert report.code not in body(client.get(f"/tiles/reports/{z}/{x}/{y}.pbf"))
    Report.objects.filter(pk=report.pk).update(private=False)
    assert ReportCell.objects.filter(category=report.category, count=1).exists()
    assert TileVersion.objects.get(z=z, x=x, y=y).version != before
    assert report.code in body(client.get(f"/tiles/reports/{z}/{x}/{y}.pbf"))


def test_a_private_complaint_is_on_no_public_surface_and_counted_only_per_office(client):
    make_report()  # PP-260001, the home page's example code
    report = complaint("pelayanan-puskesmas", LAT, LON)
    lapor = complaint()
    code, point = report.code, f"lat={LAT}&lon={LON}"
    absent = [
        "/", "/statistik/", "/statistik/ikm/", "/api/v1/reports?bbox=" + BOX, f"/api/v1/reports/nearby?{point}",
        f"/api/v1/reports/duplicates?{point}&category=pelayanan-puskesmas", "/api/v1/reports.geojson",
        "/api/v1/reports.csv", "/api/v1/stats.json", "/api/v1/stats/kelurahan.geojson",
        "/open311/v2/requests.json", "/open311/v2/requests.xml", "/open311/v2/servicerequestupdates.json",
        "/ogcapi/collections/reports/items", f"/ogcapi/collections/reports/items?bbox={BOX}",
        "/tiles/reports/{}/{}/{}.pbf".format(*tile_of(LAT, LON, 18)),
        "/tiles/reports/{}/{}/{}.pbf".format(*tile_of(LAT, LON, 12)),
    ]
    for path in absent:
        response = client.get(path)
        assert response.status_code == 200, path
        text = body(response)
        for private in (code, lapor.code, "KTP saya", "Sulastri"):
            assert private not in text, (path, private)
    not_found = [f"/laporan/{code}/", f"/api/v1/reports/{code}", f"/open311/v2/requests/{code}.json",
                 f"/ogcapi/collections/reports/items/{code}", f"/cek/?kode={code}"]
    for path in not_found:
        assert client.get(path).status_code == 404, path
    supported = client.post(f"/api/v1/reports/{code}/support", {"device_id": str(uuid.uuid4())})
    assert supported.status_code == 404 and Report.objects.get(pk=report.pk).support_count == 0
    # The public sees how many each office received, by main category; no kelurahan count holds them.
    figures = client.get("/api/v1/stats.json").json()
    offices = {(row["office"], row["category"]): row for row in figures["by_office"]}
    assert offices["dinas-kesehatan", "layanan-kesehatan"]["total"] == 1
    assert offices["disdukcapil", "administrasi-kependudukan"]["open"] == 1
    assert figures["total"] == sum(k["total"] for k in figures["kelurahan"]) == 1
    page = client.get("/statistik/").content.decode()
    assert "Dinas Kesehatan" in page and 'id="per-office"' in page


def test_the_reporter_sees_a_private_complaint_by_its_link_only_and_is_offered_no_public_link(client):
    report = complaint()
    own = client.get(report.get_private_url())
    assert own.status_code == 200 and report.code in own.content.decode()
    assert 'id="share-whatsapp"' not in own.content.decode() and 'id="share-email"' not in own.content.decode()
    assert client.get(report.get_private_url().replace(report.private_token, "x" * 43)).status_code == 404


def test_a_published_complaint_without_a_place_has_no_geometry_and_no_coordinates(client):
    report = complaint(private=False)
    infrastructure = make_report()
    page = client.get(f"/laporan/{report.code}/")
    assert page.status_code == 200 and 'id="report-point"' not in page.content.decode()
    assert "Dinas Kependudukan" in page.content.decode()
    features = {f["id"]: f for f in json.loads(body(client.get("/api/v1/reports.geojson")))["features"]}
    assert features[report.code]["geometry"] is None and features[infrastructure.code]["geometry"]
    assert features[report.code]["properties"]["office"] == report.office.name
    rows = {row["code"]: row for row in csv_rows(client.get("/api/v1/reports.csv"))}
    assert (rows[report.code]["lat"], rows[report.code]["lon"]) == ("", "")
    items = client.get("/ogcapi/collections/reports/items", HTTP_ACCEPT="application/geo+json").json()
    assert {f["id"]: f["geometry"] for f in items["features"]}[report.code] is None
    assert items["numberMatched"] == 2
    boxed = client.get(f"/ogcapi/collections/reports/items?bbox={BOX}", HTTP_ACCEPT="application/geo+json").json()
    assert [f["id"] for f in boxed["features"]] == [infrastructure.code]
    for path in (f"/api/v1/reports/nearby?lat={LAT}&lon={LON}&radius_m=5000",
                 f"/api/v1/reports/duplicates?lat={LAT}&lon={LON}&category=ktp-el"):
        response = client.get(path)
        assert response.status_code == 200 and report.code not in body(response), path
    assert not services.possible_duplicates(report.category, None, None).exists()
    assert report.code not in body(client.get("/open311/v2/requests.json"))
    assert client.get(f"/open311/v2/requests/{report.code}.json").status_code == 404
    figures = client.get("/api/v1/stats.json").json()
    assert figures["without_place"] == {"total": 1, "open": 1} and figures["total"] == 2
    assert "Tanpa tempat di peta: 1 laporan" in client.get("/statistik/").content.decode()


def test_open311_leaves_service_complaints_out_and_refuses_to_file_one(client):
    key, digest, prefix = open311.new_key()
    ApiClient.objects.create(name="Mitra", key_digest=digest, key_prefix=prefix)
    codes = {s["service_code"] for s in client.get("/open311/v2/services.json").json()}
    assert "jalan-berlubang" in codes and not codes & {"ktp-el", "pelayanan-puskesmas", "sampah-tidak-diangkut"}
    assert client.get("/open311/v2/services/ktp-el.json").status_code == 404
    refused = client.post("/open311/v2/requests.json", {
        "api_key": key, "service_code": "sampah-tidak-diangkut", "lat": str(LAT), "long": str(LON),
        "description": "Sampah tidak diangkut dua minggu."})
    assert refused.status_code == 400 and "service_code" in refused.json()[0]["description"]
    assert not Report.objects.exists()


def test_exports_name_the_office_and_staff_filter_by_it(client, planner):
    service, road = complaint(), make_report()
    rows = {row["code"]: row for row in csv_rows(client.get("/api/v1/reports.csv"))}
    assert rows[service.code]["office"] == service.office.name and rows[road.code]["office"] == road.office.name
    only = client.get("/api/v1/reports.geojson?office=disdukcapil")
    assert [f["id"] for f in json.loads(body(only))["features"]] == [service.code]
    assert "disdukcapil" in only["Content-Disposition"]
    assert client.get("/api/v1/reports.csv?office=tidak-ada").status_code == 400


def test_the_ikm_and_the_response_times_per_office(settings, dispatcher):
    settings.IKM_MIN_ANSWERS = 2
    report = complaint()
    answers(report, 2, 16)
    [row] = ikm.table("office", ikm.Period.containing(report.created.date()))
    assert row["unit"] == report.office.name and row["answers"] == 2 and row["index"] == 100
    workflow.change_status(report, "diverifikasi", dispatcher, version=report.version)
    counted = ResponseCount.objects.filter(measure="verify", count__gt=0)
    assert set(counted.values_list("dimension", "key")) == {("city", 0), ("crew", 0), ("kelurahan", 0),
                                                             ("category", report.category_id),
                                                             ("office", report.office_id)}
    today = timezone.localdate()
    [office] = [row for row in times.table("office", today) if row["month"] is None]
    [place] = [row for row in times.table("kelurahan", today) if row["month"] is None]
    assert (office["name"], office["verified"]) == (report.office.name, 1)
    assert (place["name"], place["verified"]) == ("Tanpa tempat", 1)


def test_the_reporter_of_a_private_complaint_gets_its_private_link_again_and_no_public_one():
    report = complaint(email="sulastri@example.org")
    found = list(links.reports_of(Channel.EMAIL, "Sulastri@example.org"))
    assert found == [report]
    text = "\n".join(links.letter(found).paragraphs)
    assert report.get_private_url() in text and "halaman publik" not in text.lower()


def test_the_photos_of_a_private_complaint_are_not_served_to_the_public(client):
    report = make_report("pelayanan-puskesmas", with_photo=True)
    photo = report.photos.get()
    assert report.private and photo.published
    for url in (photo.image.url, photo.thumbnail.url):
        assert client.get(url).status_code == 404, url
    Report.objects.filter(pk=report.pk).update(private=False)
    assert client.get(photo.image.url).status_code == 200
