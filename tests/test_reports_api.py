"""Filing, following and supporting reports through /api/v1/ and the pages; privacy of the reporter."""

import datetime
import io
import re
import uuid
from urllib.parse import quote

import pytest
import time_machine
from django.test import Client
from PIL import Image

from reports.calendar import add_working_days
from reports.models import Category, CategoryAttribute, Report, StatusChange
from tests.images import GANTING_GPS, photo_bytes, upload

pytestmark = pytest.mark.django_db

PHONE, EMAIL = "0812 7777 3333", "budi.rahasia@example.org"
PUPR = "Dinas Pekerjaan Umum dan Penataan Ruang"


def report_data(**overrides):
    data = {
        "category": "jalan-berlubang",
        "lat": str(GANTING_GPS[0]),
        "lon": str(GANTING_GPS[1]),
        "description": "Lubang besar di depan masjid, dalam sekitar 20 cm.",
        "client_uuid": str(uuid.uuid4()),
        "name": "Budi Santoso",
        "phone": PHONE,
        "email": EMAIL,
        "contact_consent": "on",
        "photos": [upload(photo_bytes(gps=GANTING_GPS))],
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def file(client, **overrides):
    return client.post("/api/v1/reports", report_data(**overrides), HTTP_ACCEPT_LANGUAGE="en")


def test_filing_a_report_assigns_code_kelurahan_crew_due_date_and_history(client):
    response = file(client)
    assert response.status_code == 201, response.json()
    body = response.json()
    assert re.fullmatch(r"PP-\d{6}", body["code"])
    assert body["kelurahan"] == {"code": "13.74.01.1001", "name": "Ganting"}
    assert body["crew"]["name"] == "Tim Jalan Padang Panjang Timur"
    assert body["status"] == "baru"
    report = Report.objects.get(code=body["code"])
    assert report.due_date == add_working_days(report.created.astimezone().date(), 10)
    assert report.address == "Kelurahan Ganting, Kecamatan Padang Panjang Timur"
    assert list(StatusChange.objects.filter(report=report).values_list("to_status", flat=True)) == ["baru"]
    assert body["private_url"].endswith(f"/laporan/{report.code}/ikuti/{report.private_token}/")


@time_machine.travel(datetime.datetime(2026, 6, 15, 10, 0, tzinfo=datetime.UTC))
def test_tracking_codes_count_up_within_the_year(client):
    first, second = file(client).json()["code"], file(client).json()["code"]
    assert int(second[3:]) == int(first[3:]) + 1
    assert first[3:5] == "26"


def test_working_days_skip_the_weekend():
    friday = datetime.date(2026, 11, 27)
    assert add_working_days(friday, 1) == datetime.date(2026, 11, 30)  # Monday
    assert add_working_days(friday, 5) == datetime.date(2026, 12, 4)
    assert add_working_days(datetime.date(2026, 11, 28), 1) == datetime.date(2026, 11, 30)  # from a Saturday


def test_the_stored_photo_has_no_metadata(client):
    code = file(client).json()["code"]
    photo = Report.objects.get(code=code).photos.get()
    stored = photo.image.read()
    for marker in (b"Exif", b"Samsung", b"SM-A105F", b"Budi Santoso"):
        assert marker not in stored
    with Image.open(io.BytesIO(stored)) as image:
        assert not image.getexif()
        assert image.size == (photo.width, photo.height) == (640, 480)


def test_a_retried_submission_returns_the_report_it_already_made(client):
    data_uuid = str(uuid.uuid4())
    first = file(client, client_uuid=data_uuid)
    again = file(client, client_uuid=data_uuid)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["code"] == again.json()["code"]
    assert Report.objects.filter(client_uuid=data_uuid).count() == 1


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"description": "rusak"}, "description", "at least 10 characters"),
        ({"description": None}, "description", "required"),
        ({"category": None}, "category", "required"),
        ({"category": "jembatan"}, "category", "valid choice"),
        ({"lat": None, "lon": None}, "lat", "pin on the map"),
        ({"photos": None}, "photos", "at least one photo"),
        ({"photos": [upload(b"%PDF-1.4 not a photo", name="lubang.jpg")]}, "photos", "Photo 1 (lubang.jpg)"),
        ({"email": "budi@"}, "email", "valid email"),
        ({"lat": "-0.9471", "lon": "100.4172"}, "lat", "outside Kota Padang Panjang"),
    ],
    ids=["short", "no-description", "no-category", "unknown-category", "no-point", "no-photo", "bad-photo",
         "bad-email", "outside"],
)
def test_bad_input_is_a_400_naming_the_field_and_stores_nothing(client, overrides, field, message):
    before = Report.objects.count()
    response = file(client, **overrides)
    assert response.status_code == 400
    assert message in " ".join(response.json()[field])
    assert Report.objects.count() == before


def test_a_lighting_report_needs_no_photo(client):
    response = file(client, category="lampu-mati", photos=None)
    assert response.status_code == 201
    assert response.json()["crew"]["name"] == "Tim Penerangan Jalan Kota"


def test_six_photos_are_too_many(client):
    response = file(client, photos=[upload(photo_bytes(64, 48)) for _ in range(6)])
    assert response.status_code == 400 and "At most 5 photos" in response.json()["photos"][0]


def test_no_public_page_or_api_shows_the_phone_or_email_nor_a_private_name(client):
    code = file(client).json()["code"]
    public = [
        client.get(f"/api/v1/reports/{code}"),
        client.get(f"/laporan/{code}/"),
        client.get("/api/v1/reports"),
        client.get("/api/v1/reports/duplicates", {"lat": GANTING_GPS[0], "lon": GANTING_GPS[1],
                                                  "category": "jalan"}),
        client.get("/"),
    ]
    assert code in public[2].content.decode() and code in public[3].content.decode()
    for response in public:
        text = response.content.decode()
        assert response.status_code == 200
        assert PHONE not in text and EMAIL not in text and "Budi Santoso" not in text


def test_a_name_the_reporter_chose_to_show_is_public(client):
    code = file(client, show_name="on").json()["code"]
    feature = client.get(f"/api/v1/reports/{code}").json()
    assert feature["type"] == "Feature" and feature["properties"]["name"] == "Budi Santoso"
    assert feature["geometry"]["coordinates"] == pytest.approx([GANTING_GPS[1], GANTING_GPS[0]])
    assert PHONE not in str(feature) and EMAIL not in str(feature)


def test_open_reports_nearby_are_offered_as_duplicates_within_the_category_radius(client):
    near = file(client).json()["code"]
    file(client, category="lampu-mati", photos=None)  # another category at the same spot
    # About 20 m north: inside the road radius (30 m).
    found = client.get("/api/v1/reports/duplicates", {"lat": GANTING_GPS[0] + 0.00018, "lon": GANTING_GPS[1],
                                                      "category": "jalan-retak-amblas"}).json()
    assert [f["properties"]["code"] for f in found["features"]] == [near]
    assert found["features"][0]["properties"]["distance_m"] == pytest.approx(19.9, abs=0.5)
    # About 40 m north: outside it.
    far = client.get("/api/v1/reports/duplicates", {"lat": GANTING_GPS[0] + 0.00036, "lon": GANTING_GPS[1],
                                                    "category": "jalan"}).json()
    assert far["features"] == []


def test_support_counts_once_per_device(client):
    code = file(client).json()["code"]
    first = client.post(f"/api/v1/reports/{code}/support", {"device_id": "perangkat-aaaa-1111"})
    again = client.post(f"/api/v1/reports/{code}/support", {"device_id": "perangkat-aaaa-1111"})
    other = client.post(f"/api/v1/reports/{code}/support", {"device_id": "perangkat-bbbb-2222"})
    assert (first.status_code, again.status_code, other.status_code) == (201, 200, 201)
    assert other.json()["support_count"] == 2
    missing = client.post(f"/api/v1/reports/{code}/support", {}, HTTP_ACCEPT_LANGUAGE="en")
    assert missing.status_code == 400 and missing.json() == {"device_id": ["This field is required."]}


def test_submissions_are_rate_limited_per_client(client, settings):
    settings.REPORTS_PER_HOUR = 2
    assert [file(client).status_code for _ in range(2)] == [201, 201]
    refused = file(client)
    assert refused.status_code == 429 and "try again in an hour" in refused.json()["error"]
    other = Client(REMOTE_ADDR="10.1.2.3")
    assert file(other).status_code == 201


def test_categories_list_names_radius_days_and_photo_rule(client):
    categories = {c["slug"]: c for c in client.get("/api/v1/categories").json()}
    assert categories["lampu-mati"] == {
        "slug": "lampu-mati", "name_id": "Lampu mati", "name_en": "Light out", "parent": "penerangan-jalan",
        "duplicate_radius_m": 25, "response_days": 3, "photo_required": False, "filable": True,
        "location": "required", "routing": "crew", "office": {"slug": "dinas-pupr", "name": PUPR}, "public": True,
        "questions": [{"code": "nomor-tiang", "label": "Nomor tiang (tertulis di tiang, jika ada)",
                       "datatype": "string", "required": False, "choices": []}],
    }
    assert len(categories) == Category.objects.count()
    assert categories["jalan"]["filable"] is False  # a main category with sub-categories takes no report
    assert [c["key"] for c in categories["jalan-berlubang"]["questions"][0]["choices"]] == ["kecil", "sedang", "besar"]


def test_a_category_question_is_answered_kept_and_shown(client):
    response = file(client, **{"attribute[ukuran]": "sedang"})
    assert response.status_code == 201, response.json()
    report = Report.objects.get()
    assert report.attributes == {"ukuran": "sedang"}
    page = client.get(report.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "How large is the pothole?" in page and "Medium (30 cm to 1 m)" in page
    shown = client.get(f"/api/v1/reports/{report.code}").json()
    assert shown["properties"]["attributes"] == {"ukuran": "sedang"}


def test_a_wrong_or_missing_answer_is_a_400_naming_the_question(client):
    wrong = file(client, **{"attribute[ukuran]": "raksasa"})
    assert wrong.status_code == 400 and list(wrong.json()) == ["attribute[ukuran]"]
    CategoryAttribute.objects.create(category=Category.objects.get(slug="jalan-berlubang"), code="lebar-jalan",
                                     label_id="Lebar jalan (m)", label_en="Road width (m)", required=True,
                                     datatype=CategoryAttribute.Datatype.NUMBER)
    missing = file(client, **{"attribute[lebar-jalan]": "lebar"})
    assert missing.status_code == 400 and "attribute[lebar-jalan]" in missing.json()
    assert "attribute[lebar-jalan]" in file(client).json()
    assert not Report.objects.exists()
    assert file(client, **{"attribute[lebar-jalan]": "4.5"}).status_code == 201
    assert Report.objects.get().attributes == {"lebar-jalan": 4.5}


def test_the_html_form_asks_the_chosen_category_its_questions_again_when_it_refuses(client):
    response = client.post("/lapor/", report_data(description="pendek", **{"attribute[ukuran]": "besar"}),
                           HTTP_ACCEPT_LANGUAGE="en")
    page = response.content.decode()
    assert response.status_code == 400
    assert 'name="attribute[ukuran]"' in page and '<option value="besar" selected>' in page


def test_the_html_form_keeps_what_was_typed_when_it_refuses(client):
    data = report_data(description="pendek", photos=None)
    response = client.post("/lapor/", data, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    page = response.content.decode()
    assert "at least 10 characters" in page and "pendek" in page and EMAIL in page  # (no phone field without a gateway)
    assert Report.objects.count() == 0
    # Each error is tied to its field, through ids the page holds.
    assert 'aria-invalid="true" aria-describedby="id_description_helptext id_description_error"' in page
    described = {id for ids in re.findall(r'aria-describedby="([^"]+)"', page) for id in ids.split()}
    assert described and all(f'id="{id}"' in page for id in described)


def test_the_html_form_files_and_lands_on_the_private_page(client):
    response = client.post("/lapor/", report_data(), follow=True, HTTP_ACCEPT_LANGUAGE="en")
    report = Report.objects.get()
    assert response.redirect_chain[-1][0] == report.get_private_url() + "?terkirim=1"
    page = response.content.decode()
    assert report.code in page and "This page is personal: do not share its link." in page and PHONE in page
    # The confirmation: thanks, the tracking code, what comes next and by when, the link to keep, and ways to share
    # the public page (never the private one).
    assert "your report has been received" in page and "Tracking code" in page
    assert f"handles it by <strong>{report.due_date:%A, %-d %B %Y}</strong>" in page
    link = f"http://testserver{report.get_private_url()}"
    assert f'value="{link}"' in page
    public = quote(f"http://testserver{report.get_absolute_url()}", safe="")
    assert f'href="https://wa.me/?text=A%20report%20{report.code}%20' in page and public in page
    assert f'href="mailto:?subject=Report%20{report.code}&amp;body=' in page and quote(link, safe="") not in page
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    # Without the token the same page holds none of it.
    public = client.get(report.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "This page is personal" not in public and PHONE not in public


def test_a_wrong_private_token_of_any_characters_leads_to_the_public_page(client):
    report = Report.objects.get(code=file(client).json()["code"])
    for token in ("salah", "é", "x" * 500):
        response = client.get(f"/laporan/{report.code}/ikuti/{token}/")
        assert response.status_code == 302 and response.url == report.get_absolute_url(), token


def test_the_html_form_is_csrf_protected():
    response = Client(enforce_csrf_checks=True).post("/lapor/", report_data())
    assert response.status_code == 403


def test_the_map_page_speaks_indonesian_by_default_and_english_on_request(client):
    assert "Laporkan masalah" in client.get("/").content.decode()
    assert "Report a problem" in client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()


def test_the_duplicate_list_costs_the_same_queries_for_one_report_or_five(client, django_assert_max_num_queries):
    for _ in range(5):
        file(client)
    params = {"lat": GANTING_GPS[0], "lon": GANTING_GPS[1], "category": "jalan"}
    with django_assert_max_num_queries(2):  # the category, then the features, JSON written by PostgreSQL
        found = client.get("/api/v1/reports/duplicates", params).json()
    assert len(found["features"]) == 5


def test_the_map_list_is_one_query_whatever_its_length(client, django_assert_num_queries):
    for _ in range(3):
        file(client)
    with django_assert_num_queries(1):
        found = client.get("/api/v1/reports", {"bbox": "100.37,-0.49,100.44,-0.45"}).json()
    assert len(found["features"]) == 3
    assert set(found["features"][0]["properties"]) == {"code", "category", "status", "support_count"}


def test_a_bad_map_box_is_a_400_naming_bbox(client):
    for box in ("100.4,-0.5", "100.44,-0.45,100.37,-0.49"):
        response = client.get("/api/v1/reports", {"bbox": box})
        assert response.status_code == 400 and list(response.json()) == ["bbox"]


def test_a_nul_in_the_category_or_control_characters_in_the_description_are_a_400(client):
    assert file(client, category="jalan\x00").status_code == 400
    refused = file(client, description="Lubang besar\x0c di depan masjid.")
    assert refused.status_code == 400 and list(refused.json()) == ["description"]
    assert not Report.objects.exists()


def test_a_tracking_code_typed_on_the_home_page_leads_to_its_report(client):
    report = Report.objects.get(code=file(client).json()["code"])
    home = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'action="/cek/"' in home and 'name="kode"' in home
    found = client.get("/cek/", {"kode": f" {report.code.lower()} "})
    assert found.status_code == 302 and found.url == report.get_absolute_url()


def test_an_unknown_tracking_code_is_said_plainly_on_the_form(client):
    response = client.get("/cek/", {"kode": "PP-999999"}, HTTP_ACCEPT_LANGUAGE="en")
    page = response.content.decode()
    assert response.status_code == 404
    assert "There is no report with the tracking code PP-999999" in page
    assert 'aria-invalid="true"' in page and 'aria-describedby="kode-hint kode-error"' in page
    assert 'id="kode-error"' in page and 'value="PP-999999"' in page
    empty = client.get("/cek/", {"kode": ""}, HTTP_ACCEPT_LANGUAGE="en")
    assert empty.status_code == 400 and "Type the tracking code" in empty.content.decode()
