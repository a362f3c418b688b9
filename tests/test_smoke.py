"""Every page a resident, a crew member and a dispatcher opens, as deployed: no answer of 400 or more, no
console or script error, every image loaded (map markers and photos included)."""

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.conftest import current_code, make_report, staff_user

pytestmark = pytest.mark.django_db(transaction=True)

EVERY_IMAGE_LOADED = "[...document.images].every(image => image.complete && image.naturalWidth > 0)"
BROKEN_IMAGES = "[...document.images].filter(image => !(image.complete && image.naturalWidth > 0)).map(i => i.src)"


def visit(page, url):
    page.goto(url)
    page.wait_for_load_state("networkidle")
    assert page.evaluate(EVERY_IMAGE_LOADED), page.evaluate(BROKEN_IMAGES)


def sign_in(page, url, username):
    page.goto(url)
    page.fill("#id_username", username)
    page.fill("#id_password", "sandi-rahasia-123")
    page.click("main [type=submit]")  # not the language switch in the header
    page.wait_for_load_state("networkidle")


def test_the_public_pages(phones):
    report = make_report(with_photo=True)
    page, _ = phones.open("/")
    for path in ("/", report.get_absolute_url(), "/statistik/", "/masuk/", "/api/docs/"):
        visit(page, phones.url + path)
    assert page.locator("#swagger-ui .info").count() == 1  # Swagger UI drew the document from our static files


def test_the_crew_dispatcher_and_administrator_pages(phones, django_user_model):
    report = make_report(with_photo=True, status="dikerjakan")
    report.photos.update(published=False)
    staff_user(django_user_model, "andi", "crew", report.crew.name)
    dewi = staff_user(django_user_model, "dewi", "dispatcher")
    app = TOTPDevice.objects.create(user=dewi, name="HP", confirmed=True)
    admin = django_user_model.objects.create_superuser("admin", password="sandi-rahasia-123")
    admins_app = TOTPDevice.objects.create(user=admin, name="HP", confirmed=True)

    page, _ = phones.open("/masuk/")
    sign_in(page, phones.url + "/masuk/", "andi")
    assert page.url == phones.url + "/petugas/"  # a crew member without an app: the password alone, as before
    for path in ("/petugas/", f"/petugas/laporan/{report.code}/"):
        visit(page, phones.url + path)

    desk, _ = phones.open("/masuk/?next=/meja/foto/")
    sign_in(desk, phones.url + "/masuk/?next=/meja/foto/", "dewi")
    # A dispatcher's password leads to the code from their authenticator app, then to the staff desk.
    assert desk.url == phones.url + "/masuk/otp/?next=/meja/foto/"
    desk.fill("#id_code", current_code(app))
    desk.click("main [type=submit]")
    desk.wait_for_load_state("networkidle")
    assert desk.url == phones.url + "/meja/foto/"
    for path in ("/meja/foto/", "/meja/lokasi/"):
        visit(desk, phones.url + path)

    office, _ = phones.open("/admin/login/")
    sign_in(office, phones.url + "/admin/login/", "admin")
    office.fill("#id_code", current_code(admins_app))
    office.click("main [type=submit]")
    office.wait_for_load_state("networkidle")
    assert office.url == phones.url + "/admin/"
    for path in ("/admin/", "/admin/reports/report/", f"/admin/reports/report/{report.pk}/change/",
                 "/admin/reports/photo/", f"/admin/reports/photo/{report.photos.get().pk}/change/"):
        visit(office, phones.url + path)
    # The report's map in the admin shows its point with Leaflet's marker image.
    office.goto(phones.url + f"/admin/reports/report/{report.pk}/change/")
    office.wait_for_selector(".leaflet-marker-icon")
    assert office.evaluate(EVERY_IMAGE_LOADED)
