"""Every page a resident, a crew member and a dispatcher opens, as deployed: no answer of 400 or more, no
console or script error, no broken image (map markers and photos included)."""

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from tests.conftest import current_code, make_report, staff_user

pytestmark = pytest.mark.django_db(transaction=True)

EVERY_IMAGE_LOADED = "[...document.images].every(image => image.complete && image.naturalWidth > 0)"
# Fetched (or refused) and nothing to draw: a broken image. One still loading is not counted: in 2 of about 10
# full runs, some of the admin map's basemap tiles stayed loading in Chromium 10 s after the server's log had them
# answered (200, an image, in under a second); an answer of 400 or more fails the test anyway (tests.deployed.Phones).
BROKEN_IMAGES = "[...document.images].filter(image => image.complete && image.naturalWidth === 0).map(i => i.src)"


def visit(page, url, drawn=None):
    """Open the page and judge it once it is drawn: `drawn` (a selector, or a script's condition) is what the
    page shows last, after the requests its scripts make (a map's tiles and outlines, a list fetched); then no
    image may be broken, once they have loaded or 10 s have passed."""
    page.goto(url)
    if drawn and drawn.startswith("() =>"):
        page.wait_for_function(drawn)
    elif drawn:
        page.wait_for_selector(drawn, state="attached")
    try:  # a map that zooms as it opens drops its first tiles (emptied, then taken away): wait for them to go
        page.wait_for_function(f"() => {EVERY_IMAGE_LOADED}", timeout=10_000)
    except PlaywrightTimeoutError:
        pass  # an image that stays broken (named below) or still loading
    assert page.evaluate(BROKEN_IMAGES) == []


def sign_in(page, url, username):
    page.goto(url)
    page.fill("#id_username", username)
    page.fill("#id_password", "sandi-rahasia-123")
    with page.expect_navigation():
        page.click("main [type=submit]")  # not the language switch in the header


def test_the_public_pages(phones):
    report = make_report(with_photo=True)
    page, _ = phones.open("/")
    for path, drawn in (("/", "() => document.querySelector('#map path') && "
                              "document.querySelector('#map .report-tile > div')"),
                        (report.get_absolute_url(), "#report-map .leaflet-marker-icon"),
                        ("/statistik/", "#choropleth-legend li"), ("/masuk/", None),
                        ("/api/docs/", "#swagger-ui .info")):
        visit(page, phones.url + path, drawn)
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
    for path, drawn in (("/petugas/", f"#nearby a:has-text('{report.code}')"),
                        (f"/petugas/laporan/{report.code}/", "#action")):
        visit(page, phones.url + path, drawn)

    desk, _ = phones.open("/masuk/?next=/meja/foto/")
    sign_in(desk, phones.url + "/masuk/?next=/meja/foto/", "dewi")
    # A dispatcher's password leads to the code from their authenticator app, then to the staff desk.
    assert desk.url == phones.url + "/masuk/otp/?next=/meja/foto/"
    desk.fill("#id_code", current_code(app))
    with desk.expect_navigation():
        desk.click("main [type=submit]")
    assert desk.url == phones.url + "/meja/foto/"
    for path, drawn in (("/meja/foto/", None), ("/meja/lokasi/", None)):  # no complaint waits: no map
        visit(desk, phones.url + path, drawn)

    office, _ = phones.open("/admin/login/")
    sign_in(office, phones.url + "/admin/login/", "admin")
    office.fill("#id_code", current_code(admins_app))
    with office.expect_navigation():
        office.click("main [type=submit]")
    assert office.url == phones.url + "/admin/"
    for path in ("/admin/", "/admin/reports/report/", "/admin/reports/photo/",
                 f"/admin/reports/photo/{report.photos.get().pk}/change/"):
        visit(office, phones.url + path)
    # The report's map in the admin shows its point with Leaflet's marker image.
    visit(office, phones.url + f"/admin/reports/report/{report.pk}/change/", ".leaflet-marker-icon")
