"""Residents file complaints about a service: without a place where the category allows, at a pin or an office
where it asks, routed to the office that answers it; not public, so no public link anywhere the reporter looks."""

import uuid

import pytest

from geo.models import Kelurahan
from jobs import queue
from notify import links
from notify.models import Channel
from offices.models import Office
from reports.models import Category, Report
from tests.images import GANTING_GPS, photo_bytes, upload
from tests.smtpsink import SmtpSink

pytestmark = pytest.mark.django_db

KTP = "Sudah tiga minggu KTP elektronik saya belum jadi, padahal dijanjikan seminggu."
SURAT = "Surat pengantar untuk nikah ditolak tanpa alasan yang jelas oleh petugas."


def complaint(category="ktp-el", **overrides):
    data = {"category": category, "description": KTP, "client_uuid": str(uuid.uuid4()),
            "email": "warga@example.org", "contact_consent": "on"}
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def file(client, category="ktp-el", **overrides):
    return client.post("/api/v1/reports", complaint(category, **overrides), HTTP_ACCEPT_LANGUAGE="en")


def test_a_complaint_without_a_place_is_filed_by_the_api_to_its_office_and_not_public(client):
    response = file(client)
    assert response.status_code == 201, response.json()
    body = response.json()
    report = Report.objects.get(code=body["code"])
    assert report.location is None and report.kelurahan is None and report.crew is None
    assert report.office.slug == "disdukcapil" and report.routing_problem == ""
    assert report.private and not report.publish_consent
    # The reporter gets the office and their private link; no public link to keep or share.
    assert body["office"] == {"slug": "disdukcapil", "name": "Dinas Kependudukan dan Pencatatan Sipil"}
    assert body["url"] is None and body["private"] is True
    assert body["private_url"] == f"http://testserver{report.get_private_url()}"
    assert body["kelurahan"] == {"code": None, "name": None}
    # No public surface of this branch's own shows it: the public page, the API's Feature, "Laporan saya".
    assert client.get(report.get_absolute_url()).status_code == 404
    assert client.get(f"/api/v1/reports/{report.code}").status_code == 404
    assert client.get(f"/api/v1/reports/status?codes={report.code}").json() == []


def test_a_place_the_category_does_not_ask_is_not_kept(client):
    """KTP complaints ask no place (location "none"): a pin or an office sent anyway is dropped, not refused."""
    response = file(client, lat=str(GANTING_GPS[0]), lon=str(GANTING_GPS[1]), place_office="puskesmas-gunung")
    assert response.status_code == 201
    report = Report.objects.get()
    assert report.location is None and report.place_office is None and report.office.slug == "disdukcapil"


def test_the_html_form_files_a_complaint_without_a_place_and_acknowledges_it_without_a_public_link(client):
    response = client.post("/lapor/", complaint(publish_consent="on"), follow=True, HTTP_ACCEPT_LANGUAGE="en")
    report = Report.objects.get()
    assert response.redirect_chain[-1][0] == report.get_private_url() + "?terkirim=1"
    assert report.location is None and report.office.slug == "disdukcapil" and report.private
    assert report.publish_consent  # asked for a category that is not public
    page = response.content.decode()
    assert "your report has been received" in page and report.code in page
    assert (f"Dinas Kependudukan dan Pencatatan Sipil answers it by <strong>{report.due_date:%A, %-d %B %Y}"
            "</strong>") in page
    assert "it is not public, so only you and the city's staff see it" in page
    # The private link only: no public page to share, none for "Laporan saya" to keep, no follow form (it would
    # follow a public page), no map of a place that was not given.
    assert f'value="http://testserver{report.get_private_url()}"' in page
    assert "share-whatsapp" not in page and "share-email" not in page and "data-url=" not in page
    assert f'"{report.get_absolute_url()}"' not in page and f"/laporan/{report.code}/langganan/" not in page
    assert 'id="report-point"' not in page and "Kelurahan" not in page
    # A wrong token does not lead to a public page that does not exist.
    assert client.get(f"/laporan/{report.code}/ikuti/salah/").status_code == 404


def test_publish_consent_means_nothing_for_a_category_that_is_public_anyway(client):
    response = client.post("/api/v1/reports", {
        "category": "lampu-mati", "lat": str(GANTING_GPS[0]), "lon": str(GANTING_GPS[1]), "description": KTP,
        "client_uuid": str(uuid.uuid4()), "publish_consent": "on"})
    assert response.status_code == 201
    report = Report.objects.get()
    assert not report.private and not report.publish_consent and response.json()["url"].endswith(
        report.get_absolute_url())


@pytest.mark.parametrize("category, where", [
    ("pelayanan-puskesmas", {}),
    ("pelayanan-puskesmas", {"place_office": "puskesmas-gunung"}),
    ("sampah-tidak-diangkut", {"lat": str(GANTING_GPS[0]), "lon": str(GANTING_GPS[1])}),
], ids=["nothing", "an-office", "a-pin"])
def test_a_category_that_asks_where_takes_nothing_an_office_or_a_pin(client, category, where):
    response = file(client, category, photos=[upload(photo_bytes(64, 48))], **where)
    assert response.status_code == 201, response.json()
    report = Report.objects.get()
    owner = Category.objects.get(slug=category).office
    assert report.office == owner and report.photos.count() == 1
    assert report.place_office == Office.objects.filter(slug=where.get("place_office")).first()
    assert (report.location is not None) == ("lat" in where)
    if "lat" in where:
        assert report.kelurahan.name == "Ganting" and report.crew is None and report.private


def test_a_kelurahan_office_category_is_routed_by_the_pin(client):
    response = file(client, "surat-keterangan", description=SURAT, lat=str(GANTING_GPS[0]), lon=str(GANTING_GPS[1]))
    assert response.status_code == 201
    report = Report.objects.get()
    ganting = Kelurahan.objects.get(name="Ganting")
    assert report.kelurahan == ganting
    assert report.office == Office.objects.get(kind=Office.Kind.KELURAHAN, kelurahan=ganting)
    assert response.json()["office"]["name"] == "Kantor Lurah Ganting"


def test_a_kelurahan_office_category_goes_to_the_kelurahan_office_the_resident_named(client):
    named = Office.objects.filter(kind=Office.Kind.KELURAHAN).exclude(kelurahan__name="Ganting").first()
    response = file(client, "surat-keterangan", description=SURAT, place_office=named.slug)
    assert response.status_code == 201
    report = Report.objects.get()
    assert report.office == named and report.place_office == named and report.location is None
    assert report.address == named.name  # the place the reporter named, for the desk's list


def test_a_kelurahan_office_category_without_a_place_waits_for_a_dispatcher(client):
    response = file(client, "surat-keterangan", description=SURAT)
    assert response.status_code == 201
    report = Report.objects.get()
    assert report.office is None and response.json()["office"] is None
    assert "office of the kelurahan where it happened" in report.routing_problem


@pytest.mark.parametrize("category", ["jalan-berlubang", "izin-usaha"])
def test_a_category_that_requires_a_pin_refuses_none_naming_the_field(client, category):
    Category.objects.filter(slug="izin-usaha").update(location_mode=Category.LocationMode.REQUIRED)
    response = file(client, category, photos=[upload(photo_bytes(64, 48))])
    assert response.status_code == 400
    assert "Put a pin on the map" in response.json()["lat"][0]
    assert not Report.objects.exists()
    # The page without JavaScript says the same beside the map, and keeps what was typed.
    page = client.post("/lapor/", complaint(category), HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 400
    html = page.content.decode()
    assert '<div class="field-errors" id="id_lat_error" data-for="lat"><p>Put a pin on the map' in html
    assert KTP in html
    assert not Report.objects.exists()


@pytest.mark.parametrize("where, message", [
    ({"place_office": "kantor-hantu"}, "There is no such office"),
    ({"place_office": "puskesmas-gunung", "lat": str(GANTING_GPS[0]), "lon": str(GANTING_GPS[1])}, "not both"),
    ({"lat": str(GANTING_GPS[0])}, "both its latitude and its longitude"),
], ids=["unknown-office", "pin-and-office", "half-a-pin"])
def test_a_bad_place_is_a_400_naming_the_field(client, where, message):
    response = file(client, "pelayanan-puskesmas", **where)
    assert response.status_code == 400
    field = "place_office" if "place_office" in where else "lat"
    assert message in response.json()[field][0]
    assert not Report.objects.exists()


def test_the_category_list_says_where_a_place_is_asked_and_which_office_answers(client):
    categories = {c["slug"]: c for c in client.get("/api/v1/categories").json()}
    assert {slug: categories[slug]["location"] for slug in ("ktp-el", "pelayanan-puskesmas", "jalan-berlubang")} == {
        "ktp-el": "none", "pelayanan-puskesmas": "optional", "jalan-berlubang": "required"}
    assert categories["ktp-el"]["office"] == {"slug": "disdukcapil", "name": "Dinas Kependudukan dan Pencatatan Sipil"}
    assert categories["ktp-el"]["public"] is False and categories["ktp-el"]["routing"] == "office"
    assert categories["surat-keterangan"]["office"] is None
    assert categories["surat-keterangan"]["routing"] == "kelurahan-office"
    # "Layanan lainnya" has no sub-categories: reports are filed in it.
    assert categories["layanan-lainnya"]["filable"] is True
    assert categories["administrasi-kependudukan"]["filable"] is False


def test_a_main_category_without_sub_categories_takes_a_complaint(client):
    response = file(client, "layanan-lainnya")
    assert response.status_code == 201
    assert Report.objects.get().office.slug == "sekretariat-daerah"


def test_the_office_list_names_each_active_office_by_slug(client):
    Office.objects.filter(slug="dinas-sosial").update(active=False)
    offices = {o["slug"]: o for o in client.get("/api/v1/offices", HTTP_ACCEPT_LANGUAGE="en").json()}
    assert "dinas-sosial" not in offices
    ganting = offices["kelurahan-ganting"]
    assert ganting["kind"] == "kelurahan" and ganting["kelurahan"] == Kelurahan.objects.get(name="Ganting").code
    assert offices["disdukcapil"]["short_name"] == "Disdukcapil"


def test_the_form_asks_the_first_question_and_groups_services_by_office(client):
    page = client.get("/").content.decode()
    assert "Apa yang ingin Anda laporkan?" in page
    assert '<optgroup label="Administrasi kependudukan · Disdukcapil" data-kind="service"' in page
    assert '<optgroup label="Jalan" data-kind="place"' in page
    assert 'value="ktp-el" data-asset-kind="" data-location="none" data-public="0"' in page
    assert '<option value="kelurahan-ganting" >Kantor Lurah Ganting</option>' in page


def test_the_acknowledgement_of_a_complaint_names_its_office_and_only_the_private_link(client, settings):
    """Received by a real mail server on 127.0.0.1; neither it nor "Kirim ulang tautan saya" gives a public link."""
    settings.SITE_URL = "http://testserver"
    sink = SmtpSink()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS = "127.0.0.1", sink.port, False
    try:
        assert file(client, name="Rina").status_code == 201
        report = Report.objects.get()
        links.send_links(Channel.EMAIL, "warga@example.org", "id")
        while queue.run_one():
            pass
        acknowledgement, resent = sink.received
    finally:
        sink.close()
    for message in (acknowledgement, resent):
        body = message.get_content().replace("\r\n", "\n")
        assert f"http://testserver{report.get_private_url()}" in body
        assert f"http://testserver{report.get_absolute_url()}\n" not in body and "Halaman publiknya" not in body
    assert "then Dinas Kependudukan dan Pencatatan Sipil handles it by" in acknowledgement.get_content()
