"""Open311 GeoReport v2 at /open311/: discovery, services, filing with an API key, listing, errors, formats."""

import io
import re
import threading
from datetime import timedelta
from xml.etree import ElementTree

import pytest
import requests
from django.utils import timezone, translation
from georeport import GeoReport
from PIL import Image

from reports.interop import open311
from reports.interop.xmltext import xml_text
from reports.models import ApiCall, ApiClient, Category, Photo, Report, Status, StatusChange
from tests.conftest import REPORTER_EMAIL as EMAIL
from tests.conftest import REPORTER_NAME, make_report
from tests.conftest import REPORTER_PHONE as PHONE
from tests.images import GANTING_GPS, photo_bytes, upload
from tests.localserver import LocalServer
from tests.nominatim import FakeNominatim

pytestmark = pytest.mark.django_db

V2 = "/open311/v2"


@pytest.fixture
def api_key():
    key, digest, prefix = open311.new_key()
    ApiClient.objects.create(name="LAPOR!-SP4N", key_digest=digest, key_prefix=prefix)
    return key


class PhotoServer(LocalServer):
    """Serves one photo (with EXIF GPS) at /foto.jpg, and a redirect to it at /pindah."""

    content = photo_bytes(gps=GANTING_GPS)

    def __init__(self):
        self.paths = []
        self.closed = threading.Event()
        super().__init__()

    def handle(self, request):
        self.paths.append(request.path)
        if request.path == "/pindah":
            self.reply(request, 302, headers=[("Location", "/foto.jpg")])
        elif request.path == "/foto.jpg":
            self.reply(request, 200, self.content, "image/jpeg")
        elif request.path == "/pelan.jpg":  # the whole photo (5.7 KB), 50 bytes every 40 ms: about 4.6 s
            request.send_response(200)
            request.send_header("Content-Type", "image/jpeg")
            request.send_header("Content-Length", str(len(self.content)))
            request.end_headers()
            try:
                for start in range(0, len(self.content), 50):
                    request.wfile.write(self.content[start:start + 50])
                    request.wfile.flush()
                    self.closed.wait(0.04)
            except OSError:
                pass  # the client gave up
        else:
            self.reply(request, 404)


@pytest.fixture
def photo_server():
    server = PhotoServer()
    yield server
    server.closed.set()
    server.close()


def request_data(key, **overrides):
    data = {
        "api_key": key,
        "service_code": "jalan-berlubang",
        "lat": str(GANTING_GPS[0]),
        "long": str(GANTING_GPS[1]),
        "description": "Lubang besar di depan masjid, dalam sekitar 20 cm.",
        "first_name": "Sari",
        "last_name": "Dewi",
        "phone": PHONE,
        "email": EMAIL,
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def xml(response):
    return ElementTree.fromstring(response.content)


def test_discovery_names_the_v2_endpoint_in_both_formats(client):
    body = client.get("/open311/discovery.json").json()
    endpoint = body["endpoints"][0]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"] == "http://testserver/open311/v2"
    assert set(endpoint["formats"]) == {"application/json", "text/xml"}
    root = xml(client.get("/open311/discovery.xml"))
    assert root.tag == "discovery"
    assert [f.text for f in root.find("endpoints/endpoint/formats")] == ["application/json", "text/xml"]


def test_services_are_the_sub_categories_grouped_by_main_category(client):
    """Of problems at a place only: a complaint about an office's service has no location to give (docs/api.md)."""
    services_json = client.get(f"{V2}/services.json").json()
    expected = set(Category.objects.exclude(parent=None).filter(routing=Category.Routing.CREW)
                   .values_list("slug", flat=True))
    assert expected and "ktp-el" not in expected and Category.objects.filter(slug="ktp-el").exists()
    assert {s["service_code"] for s in services_json} == expected
    pothole = next(s for s in services_json if s["service_code"] == "jalan-berlubang")
    assert pothole["group"] == "Jalan" and pothole["type"] == "realtime" and pothole["metadata"] is True
    assert next(s for s in services_json if s["service_code"] == "saluran-tersumbat")["metadata"] is False
    root = xml(client.get(f"{V2}/services.xml"))
    assert root.tag == "services"
    assert {s.findtext("service_code") for s in root.findall("service")} == expected
    assert root.find("service/metadata").text == "true"


def test_a_service_definition_and_an_unknown_service(client):
    assert client.get(f"{V2}/services/saluran-tersumbat.json").json() == {
        "service_code": "saluran-tersumbat", "attributes": []}
    [size] = client.get(f"{V2}/services/jalan-berlubang.json").json()["attributes"]
    assert (size["code"], size["datatype"], size["required"], size["variable"]) == (
        "ukuran", "singlevaluelist", False, True)
    assert [v["key"] for v in size["values"]] == ["kecil", "sedang", "besar"]
    root = xml(client.get(f"{V2}/services/jalan-berlubang.xml"))
    assert [v.findtext("key") for v in root.findall("attributes/attribute/values/value")] == [
        "kecil", "sedang", "besar"]
    missing = client.get(f"{V2}/services/jalan.json")  # a main category is not a service
    assert missing.status_code == 404
    assert missing.json() == [{"code": 404, "description": "service_code jalan is not a service here."}]
    root = xml(client.get(f"{V2}/services/tidak-ada.xml"))
    assert root.tag == "errors" and root.findtext("error/code") == "404"


def test_filing_needs_a_valid_api_key(client, api_key):
    missing = client.post(f"{V2}/requests.json", request_data(None))
    assert missing.status_code == 403
    assert missing.json()[0]["code"] == 403 and "api_key" in missing.json()[0]["description"]
    wrong = client.post(f"{V2}/requests.xml", request_data("bukan-kunci"))
    assert wrong.status_code == 403 and xml(wrong).findtext("error/description") == "api_key is not valid."
    ApiClient.objects.update(active=False)
    assert client.post(f"{V2}/requests.json", request_data(api_key)).status_code == 403
    assert not Report.objects.exists()


def test_filing_with_a_media_url_assigns_the_report_and_records_the_call(client, api_key, photo_server, settings):
    settings.OUTSIDE_URLS_ALLOW_PRIVATE = True  # the photo host of this test is on 127.0.0.1
    response = client.post(f"{V2}/requests.json", request_data(api_key, media_url=f"{photo_server.url}/pindah"))
    assert response.status_code == 200, response.content
    [filed] = response.json()
    report = Report.objects.get(code=filed["service_request_id"])
    assert report.kelurahan.name == "Ganting" and report.crew.name == "Tim Jalan Padang Panjang Timur"
    assert (report.reporter_name, report.reporter_phone, report.reporter_email) == ("Sari Dewi", PHONE, EMAIL)
    assert report.code in filed["service_notice"]
    [photo] = report.photos.all()
    assert Image.open(photo.image).getexif() == {}  # EXIF (GPS, device) stripped like any upload
    call = ApiCall.objects.get()
    assert (call.client.name, call.method, call.status_code, call.report) == ("LAPOR!-SP4N", "POST", 200, report)
    token = client.get(f"{V2}/tokens/{filed['token']}.json").json()
    assert token == [{"service_request_id": report.code, "token": filed["token"]}]
    assert client.get(f"{V2}/tokens/tidak-ada.json").status_code == 404


def test_a_multipart_media_upload_is_a_photo_too(client, api_key):
    data = request_data(api_key, media=upload(photo_bytes()))
    response = client.post(f"{V2}/requests.xml", data)
    assert response.status_code == 200, response.content
    code = xml(response).findtext("request/service_request_id")
    assert Report.objects.get(code=code).photos.count() == 1


def test_attributes_are_answers_to_the_category_questions(client, api_key):
    data = request_data(api_key, media=upload(photo_bytes()), **{"attribute[ukuran]": "besar"})
    response = client.post(f"{V2}/requests.json", data)
    assert response.status_code == 200, response.content
    assert Report.objects.get().attributes == {"ukuran": "besar"}
    wrong = client.post(f"{V2}/requests.json", request_data(api_key, media=upload(photo_bytes()),
                                                            **{"attribute[ukuran]": "raksasa"}))
    assert wrong.status_code == 400 and wrong.json()[0]["description"].startswith("attribute[ukuran]: ")


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_a_media_url_in_our_own_network_is_not_fetched(client, api_key, photo_server, host):
    url = photo_server.url.replace("127.0.0.1", host) + "/foto.jpg"
    response = client.post(f"{V2}/requests.json", request_data(api_key, media_url=url))
    assert response.status_code == 400
    assert response.json()[0]["description"] == "media_url: the address is not a public one."
    assert photo_server.paths == []  # refused once connected, before the request was sent
    assert not Report.objects.exists()


def test_a_media_url_sent_slowly_is_given_up_after_the_whole_fetch_deadline(client, api_key, photo_server, settings):
    settings.OUTSIDE_URLS_ALLOW_PRIVATE = True
    settings.OPEN311_MEDIA_TIMEOUT_S = 1  # each byte comes in time; the whole photo does not
    response = client.post(f"{V2}/requests.json", request_data(api_key, media_url=f"{photo_server.url}/pelan.jpg"))
    assert response.status_code == 400 and response.json()[0]["description"] == "media_url: it could not be read."
    assert not Report.objects.exists()


def test_a_media_url_must_be_http(client, api_key):
    response = client.post(f"{V2}/requests.json", request_data(api_key, media_url="file:///etc/passwd"))
    assert response.json()[0]["description"] == "media_url: an http or https address is required."


@pytest.mark.parametrize(("overrides", "field"), [
    ({"service_code": "jalan"}, "service_code"),
    ({"description": "rusak"}, "description"),
    ({"lat": "-0.9", "long": "100.35", "media": upload(photo_bytes())}, "lat"),  # outside the city
    ({"lat": None, "long": None}, "lat"),
])
def test_bad_requests_name_the_field_and_file_nothing(client, api_key, overrides, field):
    response = client.post(f"{V2}/requests.json", request_data(api_key, **overrides))
    assert response.status_code == 400
    [error] = response.json()
    assert error["code"] == 400 and error["description"].startswith(f"{field}: ")
    assert not Report.objects.exists()
    assert ApiCall.objects.get().status_code == 400


def test_an_address_string_is_located_by_the_geocoder(client, api_key, settings):
    server = FakeNominatim()
    settings.GEOCODER_URL, settings.GEOCODER_TIMEOUT_S = server.url, 1
    try:
        data = request_data(api_key, lat=None, long=None, address_string="Masjid Ganting",
                            service_code="lampu-mati", media=upload(photo_bytes()))
        response = client.post(f"{V2}/requests.json", data)
    finally:
        server.close()
    assert response.status_code == 200, response.content
    report = Report.objects.get(code=response.json()[0]["service_request_id"])
    assert report.kelurahan.name == "Ganting"
    assert ("/search", ) == server.requests[0][:1]


def test_the_rate_limit_holds_for_open311_senders(client, api_key, settings):
    settings.OPEN311_SENDER_PER_HOUR = 1
    data = request_data(api_key, media=upload(photo_bytes()))
    assert client.post(f"{V2}/requests.json", data).status_code == 200
    again = client.post(f"{V2}/requests.json", request_data(api_key, media=upload(photo_bytes())))
    assert again.status_code == 429 and again.json()[0]["code"] == 429
    other = request_data(api_key, email="lain@example.org", phone="", media=upload(photo_bytes()))
    assert client.post(f"{V2}/requests.json", other).status_code == 200
    assert Report.objects.count() == 2


def test_a_caller_inventing_senders_meets_the_keys_own_limit(client, api_key, settings):
    settings.OPEN311_KEY_PER_HOUR = 2
    answers = [client.post(f"{V2}/requests.json", request_data(api_key, device_id=f"perangkat-{n}",
                                                               media=upload(photo_bytes()))).status_code
               for n in range(3)]
    assert answers == [200, 200, 429]


def test_a_request_shows_open311_fields_and_no_personal_data(client):
    report = make_report()
    body = client.get(f"{V2}/requests/{report.code}.json").json()
    [shown] = body
    assert shown["service_request_id"] == report.code and shown["status"] == "open"
    assert shown["agency_responsible"] == "Tim Jalan Padang Panjang Timur"
    assert shown["expected_datetime"] == f"{report.due_date.isoformat()}T23:59:59+07:00"
    assert shown["requested_datetime"].endswith("+07:00")
    assert (shown["lat"], shown["long"]) == (round(GANTING_GPS[0], 6), round(GANTING_GPS[1], 6))
    text = client.get(f"{V2}/requests/{report.code}.xml").content.decode()
    for secret in (PHONE, EMAIL, REPORTER_NAME):
        assert secret not in str(body) and secret not in text
    assert client.get(f"{V2}/requests/PP-000000.json").status_code == 404


def test_listing_filters_by_status_service_dates_and_ids(client):
    fixed = make_report(status=Status.SELESAI)
    light = make_report("lampu-mati")
    old = make_report(created=timezone.now() - timedelta(days=120))
    hidden = make_report(hidden=True)

    def codes(**params):
        response = client.get(f"{V2}/requests.json", params)
        assert response.status_code == 200, response.content
        return {r["service_request_id"] for r in response.json()}

    assert codes() == {fixed.code, light.code}  # the last 90 days, public only
    assert codes(status="closed") == {fixed.code}
    assert codes(status="open") == {light.code}
    assert codes(service_code="lampu-mati") == {light.code}
    assert codes(service_code="penerangan-jalan") == {light.code}  # a main category takes its sub-categories
    start = (timezone.now() - timedelta(days=200)).isoformat()
    assert codes(start_date=start) == {fixed.code, light.code, old.code}
    assert codes(end_date=(timezone.now() - timedelta(days=100)).date().isoformat()) == {old.code}
    assert codes(service_request_id=f"{old.code},{light.code},{hidden.code}") == {old.code, light.code}
    statuses = {r.findtext("service_request_id"): r.findtext("status")
                for r in xml(client.get(f"{V2}/requests.xml")).findall("request")}
    assert statuses == {fixed.code: "closed", light.code: "open"}


def test_a_request_shows_its_latest_public_note_and_its_first_published_residents_photo(client):
    report, quiet = make_report(status=Status.DIKERJAKAN), make_report("lampu-mati")
    now = timezone.now()
    for minutes, note, public in ((30, "Diteruskan ke tim jalan.", True), (20, "Diukur; ditambal besok.", True),
                                  (10, "Catatan internal: tunggu aspal.", False), (5, "", True)):
        change = StatusChange.objects.create(report=report, from_status=Status.DIVERIFIKASI,
                                             to_status=Status.DIKERJAKAN, note=note, public=public)
        StatusChange.objects.filter(pk=change.pk).update(created=now - timedelta(minutes=minutes))
    for position, kind, published, name in ((0, "resident", False, "menunggu"), (1, "completion", True, "selesai"),
                                            (2, "resident", True, "kedua"), (3, "resident", True, "ketiga")):
        Photo.objects.create(report=report, kind=kind, published=published, position=position, width=1600,
                             height=1200, image=f"laporan/{name}.jpg", thumbnail=f"laporan/{name}-kecil.jpg")

    def shown(language):
        response = client.get(f"{V2}/requests.json", HTTP_ACCEPT_LANGUAGE=language)
        return {found["service_request_id"]: found for found in response.json()}

    for language in ("id", "en"):  # the statement is compiled per language: each gets its own words
        found = shown(language)
        assert found[report.code]["status_notes"] == "Diukur; ditambal besok."  # the latest public note
        assert found[report.code]["media_url"] == "http://testserver/media/laporan/kedua.jpg"
        with translation.override(language):
            assert found[quiet.code]["status_notes"] == str(Status.BARU.label)  # no note: the status's name
        assert found[quiet.code]["media_url"] == ""
    assert shown("id")[quiet.code]["status_notes"] != shown("en")[quiet.code]["status_notes"]
    one = xml(client.get(f"{V2}/requests/{report.code}.xml")).find("request")
    assert one.findtext("status_notes") == "Diukur; ditambal besok." and one.findtext("service_notice") == ""


@pytest.mark.parametrize(("params", "field"), [
    ({"start_date": "kemarin"}, "start_date"),
    ({"end_date": "2026-02-30"}, "end_date"),
    ({"start_date": "2026-11-02", "end_date": "2026-11-01"}, "start_date"),
    ({"status": "selesai"}, "status"),
])
def test_bad_listing_filters_are_400_naming_the_parameter(client, params, field):
    response = client.get(f"{V2}/requests.json", params)
    assert response.status_code == 400 and response.json()[0]["description"].startswith(f"{field}: ")


def test_reads_with_a_key_are_recorded_and_a_foreign_jurisdiction_is_404(client, api_key):
    assert client.get(f"{V2}/services.json", {"api_key": api_key}).status_code == 200
    assert client.get(f"{V2}/services.json", {"api_key": "salah"}).status_code == 403
    assert client.get(f"{V2}/services.json", {"jurisdiction_id": "padang.go.id"}).status_code == 404
    assert client.get(f"{V2}/services.json", {"jurisdiction_id": "padangpanjang.go.id"}).status_code == 200
    assert list(ApiCall.objects.values_list("path", "status_code")) == [(f"{V2}/services.json", 200)]


def test_the_admin_shows_a_new_key_once_and_it_works(admin_client, client):
    response = admin_client.post("/admin/reports/apiclient/add/", {"name": "Aplikasi Kelurahan", "active": "on"},
                                 follow=True)
    [key] = re.findall(r"(?<![\w-])[\w-]{32}(?![\w-])", " ".join(str(m) for m in response.context["messages"]))
    stored = ApiClient.objects.get(name="Aplikasi Kelurahan")
    assert stored.key_prefix == key[:8] and key not in stored.key_digest
    assert client.get(f"{V2}/services.json", {"api_key": key}).status_code == 200
    log = admin_client.get(f"/admin/reports/apicall/?client__id__exact={stored.pk}")
    assert log.status_code == 200 and f"{V2}/services.json" in log.content.decode()


def test_media_too_large_is_refused(client, api_key):
    big = io.BytesIO()
    Image.new("RGB", (4000, 4000)).save(big, "PNG")
    response = client.post(f"{V2}/requests.json", request_data(api_key, media=upload(
        big.getvalue() + b"\0" * (11 * 1024 * 1024), name="besar.png", content_type="image/png")))
    assert response.status_code == 400 and response.json()[0]["description"].startswith("media_url: ")


def test_the_xml_list_survives_a_control_character_in_a_description(client):
    make_report(description="Lampu mati\x0b sejak kemarin")
    root = xml(client.get(f"{V2}/requests.xml"))
    assert root.findtext("request/description") == "Lampu mati sejak kemarin"


def element_tree_xml(root, rows, item):
    """What ElementTree writes of `rows` (objects of text, numbers and None) as `item` elements under `root`: the
    oracle of the XML that open311.xml_document writes as text."""
    top = ElementTree.Element(root)
    for row in rows:
        element = ElementTree.SubElement(top, item)
        for key, value in row.items():
            ElementTree.SubElement(element, key).text = None if value is None else xml_text(value)
    return ElementTree.tostring(top, encoding="utf-8", xml_declaration=True)


@pytest.mark.parametrize("params", [{}, {"service_request_id": "PP-000000"}])
def test_the_xml_list_is_what_elementtree_makes_of_the_json(client, params):
    make_report(description='Lubang <besar> & "dalam"\x0b\nbaris kedua', address="Jl. A & B")
    make_report("lampu-mati", with_photo=True)
    found = client.get(f"{V2}/requests.json", params).json()
    assert len(found) == (0 if params else 2)
    assert client.get(f"{V2}/requests.xml", params).content == element_tree_xml("service_requests", found, "request")


@pytest.mark.parametrize("path", [f"{V2}/requests/PP%00.json", f"{V2}/tokens/a%00.json",
                                  f"{V2}/requests.json?service_code=jalan%00"])
def test_a_nul_character_is_a_400_not_a_crash(client, path):
    assert client.get(path).status_code == 400


def test_odd_dates_urls_and_tokens_are_refused_cleanly(client, api_key):
    assert client.get(f"{V2}/requests.json", {"end_date": "0001-01-01"}).status_code == 400
    response = client.post(f"{V2}/requests.json", request_data(api_key, media_url="http://[::1"))
    assert response.json()[0]["description"] == "media_url: an http or https address is required."
    filed = client.post(f"{V2}/requests.json", request_data(api_key, media=upload(photo_bytes()))).json()[0]
    Report.objects.filter(code=filed["service_request_id"]).update(hidden=True)
    assert client.get(f"{V2}/tokens/{filed['token']}.json").status_code == 404  # hidden: not even its code


def test_the_request_list_is_one_query_however_long(client, django_assert_num_queries):
    for n in range(4):
        make_report(lat=GANTING_GPS[0] + n * 0.0001, with_photo=n < 2)
    for fmt in ("json", "xml"):
        with django_assert_num_queries(1):  # the requests, JSON written by PostgreSQL
            response = client.get(f"{V2}/requests.{fmt}", {"status": "open", "service_code": "jalan"})
        assert response.content.count(b"PP-") == 4


@pytest.mark.parametrize("service", ["jalan-berlubang", "saluran-tersumbat", "lampu-mati"])
def test_media_is_optional_on_every_service_and_the_desk_sees_which_came_without(client, api_key, desk, service):
    response = client.post(f"{V2}/requests.json", request_data(api_key, service_code=service))
    assert response.status_code == 200, response.content
    report = Report.objects.get(code=response.json()[0]["service_request_id"])
    assert report.photos.count() == 0
    with_photo = make_report(with_photo=True)
    listed = desk.get("/admin/reports/report/", {"photo": "none"})
    assert report.code in listed.content.decode() and with_photo.code not in listed.content.decode()


def test_a_date_whose_plus_was_not_encoded_is_read_as_the_offset(client):
    report = make_report()
    start = timezone.localtime(report.created - timedelta(hours=1)).isoformat(timespec="seconds")
    assert start.endswith("+07:00")
    response = client.get(f"{V2}/requests.json", QUERY_STRING=f"start_date={start}")  # '+' reaches us as ' '
    assert response.status_code == 200, response.content
    assert [r["service_request_id"] for r in response.json()] == [report.code]
    later = timezone.localtime(report.created + timedelta(hours=1)).isoformat(timespec="seconds")
    assert client.get(f"{V2}/requests.json", QUERY_STRING=f"start_date={later}").json() == []


def test_an_address_string_sent_with_lat_and_long_is_kept(client, api_key):
    data = request_data(api_key, address_string="Jl. Sutan Syahrir depan Masjid Ganting")
    response = client.post(f"{V2}/requests.json", data)
    assert response.status_code == 200, response.content
    report = Report.objects.get(code=response.json()[0]["service_request_id"])
    assert report.address == "Jl. Sutan Syahrir depan Masjid Ganting"
    assert client.get(f"{V2}/requests/{report.code}.json").json()[0]["address"] == report.address


@pytest.mark.parametrize(("method", "path"), [
    ("put", f"{V2}/requests.json"), ("delete", f"{V2}/services.json"), ("post", f"{V2}/services.xml"),
    ("post", "/open311/discovery.json"), ("patch", f"{V2}/requests/PP-000001.json"),
])
def test_a_method_not_served_is_a_georeport_405(client, method, path):
    response = getattr(client, method)(path)
    assert response.status_code == 405 and "GET" in response["Allow"]
    if path.endswith(".xml"):
        assert xml(response).findtext("error/code") == "405"
    else:
        [error] = response.json()
        assert error["code"] == 405 and error["description"].startswith(method.upper())


@pytest.mark.parametrize(("path", "status"), [
    (f"{V2}/services.csv", 400), (f"{V2}/requests.html", 400), (f"{V2}/requests", 404), ("/open311/v3/x.json", 404),
])
def test_an_unknown_format_or_path_is_a_georeport_error(client, path, status):
    response = client.get(path)
    assert response.status_code == status and response["Content-Type"] == "application/json"
    assert response.json()[0]["code"] == status
    assert xml(client.get("/open311/v3/services.xml")).findtext("error/code") == "404"


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_the_georeport_client_reads_services_and_requests(city, live_server, fmt):
    light = make_report("lampu-mati")
    make_report(status=Status.SELESAI)
    georeport = GeoReport(f"{live_server.url}/open311/v2", jurisdiction="padangpanjang.go.id", output_format=fmt)
    services = georeport.get_service_list()
    assert {s["service_code"] for s in services} >= {"jalan-berlubang", "lampu-mati"}
    definition = georeport.get_service_definition("jalan-berlubang")
    assert definition["service_code"] == "jalan-berlubang"
    opened = georeport.get_service_requests(status="open")
    opened = [opened] if isinstance(opened, dict) else opened  # xmltodict gives one request as a dict
    assert [r["service_request_id"] for r in opened] == [light.code]
    one = georeport.get_service_request(light.code)
    assert one["service_code"] == "lampu-mati" and one["status"] == "open"
    start = timezone.localtime(light.created - timedelta(days=1)).isoformat(timespec="seconds")
    assert len(georeport.get_service_requests(start_date=start, service_code="jalan,lampu-mati")) == 2


def test_filing_over_http_without_a_photo_and_reading_it_back(city, live_server):
    key, digest, prefix = open311.new_key()
    ApiClient.objects.create(name="Sistem Kelurahan", key_digest=digest, key_prefix=prefix)
    filed = requests.post(f"{live_server.url}{V2}/requests.json", data=request_data(key), timeout=30)
    assert filed.status_code == 200, filed.text
    code = filed.json()[0]["service_request_id"]
    georeport = GeoReport(f"{live_server.url}/open311/v2")
    assert georeport.get_service_request(code)["service_request_id"] == code
    wrong = requests.put(f"{live_server.url}{V2}/requests.json", timeout=30)
    assert wrong.status_code == 405 and wrong.json()[0]["code"] == 405
