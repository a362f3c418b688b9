"""The staff desk's part B in the browser, as deployed (production settings, gunicorn, Bahasa Indonesia), on a
phone (360 x 740) and at a desk (1280 x 800): each task counted in page loads."""

import pytest
from django.db import connections
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.models import AuditEntry
from forwarding import delivery
from forwarding.models import Disposition, Route
from reports.models import Category, Photo
from tests.conftest import current_code, make_report, staff_user

pytestmark = pytest.mark.django_db(transaction=True)

SCREENS = [(360, 740), (1280, 800)]


def dispatcher_at(phones, django_user_model, path, viewport):
    """A dispatcher signed in (password, then the code from their app) and sent on to `path`; the page, and a
    list that counts the page loads from there on."""
    dewi = staff_user(django_user_model, "dewi", "dispatcher")
    app = TOTPDevice.objects.create(user=dewi, name="HP", confirmed=True)
    connections.close_all()
    page, _ = phones.open(f"/masuk/?next={path}", viewport=viewport)
    page.fill("#id_username", "dewi")
    page.fill("#id_password", "sandi-rahasia-123")
    page.click("main [type=submit]")
    page.fill("#id_code", current_code(app))
    page.click("main [type=submit]")
    page.wait_for_url(phones.url + path)
    loads = [page.url]
    page.on("load", lambda loaded: loads.append(loaded.url))
    return page, loads


@pytest.mark.parametrize("viewport", SCREENS)
def test_photo_review_takes_no_page_load_per_photo(phones, django_user_model, viewport):
    first = make_report(with_photo=True).photos.get()
    second = make_report(with_photo=True, north=0.001).photos.get()
    Photo.objects.update(published=False)
    first_name = first.image.name
    page, loads = dispatcher_at(phones, django_user_model, "/meja/foto/", viewport)
    assert page.locator("#photo-grid .thumb").count() == 2
    page.click("#photo-grid .thumb >> nth=0")
    page.wait_for_selector("#reviewer:not([hidden])")
    box = page.locator("#review-canvas").bounding_box()
    page.mouse.move(box["x"] + box["width"] * .2, box["y"] + box["height"] * .2)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * .5, box["y"] + box["height"] * .6, steps=5)
    page.mouse.up()
    assert page.inner_text("#publish") == "Kaburkan persegi lalu terbitkan"
    page.click("#publish")
    page.wait_for_selector("#review-status:has-text('1 bagian dikaburkan')")
    # The next photo opened in place: published as it is.
    page.wait_for_function("() => document.querySelector('#publish').textContent === 'Terbitkan'")
    page.click("#publish")
    page.wait_for_selector("#review-status:has-text('Tidak ada lagi foto')")
    assert loads == [phones.url + "/meja/foto/"]  # one page load for the two photos
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.published and second.published and first.image.name != first_name
    assert sorted(AuditEntry.objects.filter(actor="dewi").values_list("action", flat=True)) == [
        "blur", "publish", "publish"]


@pytest.mark.parametrize("viewport", SCREENS)
def test_locating_a_lapor_complaint_takes_two_page_loads_and_the_pin_stays_clear(phones, django_user_model,
                                                                                   viewport):
    Route.objects.create(category=Category.objects.get(slug="jalan"), link=delivery.lapor_link(), code="T-JALAN")
    complaint = Disposition.objects.create(
        tracking_id="LP-5", state=Disposition.State.NEEDS_LOCATION,
        payload={"tracking_id": "LP-5", "title": "Drainase tersumbat", "content": "Air meluap ke jalan.",
                 "topic_id": "T-JALAN", "lat": None, "lon": None, "location_text": "Ganting", "attachments": [],
                 "created_at": "2026-12-01T09:30:00+07:00"})
    page, loads = dispatcher_at(phones, django_user_model, "/meja/lokasi/", viewport)
    page.wait_for_selector("#inbox-map path.leaflet-interactive")  # the kelurahan outlines
    page.click("#place-search button")  # the complaint's own place text, searched
    page.click("#place-results button >> nth=0")
    map_box = page.locator("#inbox-map").bounding_box()
    page.mouse.click(map_box["x"] + map_box["width"] / 2, map_box["y"] + map_box["height"] / 2)
    pin = page.locator("#inbox-map .leaflet-marker-icon").bounding_box()
    zoom = page.locator("#inbox-map .leaflet-control-zoom").bounding_box()
    inside = map_box["y"] <= pin["y"] and pin["y"] + pin["height"] <= map_box["y"] + map_box["height"]
    overlaps = not (pin["x"] + pin["width"] <= zoom["x"] or zoom["x"] + zoom["width"] <= pin["x"]
                    or pin["y"] + pin["height"] <= zoom["y"] or zoom["y"] + zoom["height"] <= pin["y"])
    assert inside and not overlaps
    assert page.input_value("#id_category") == ""  # the topic's category is a suggestion, not a choice
    page.select_option("#id_category", label="Drainase: Saluran tersumbat")
    page.click("#locate button[type=submit]")
    page.wait_for_selector(".messages:has-text('LP-5 diajukan sebagai laporan')")
    assert loads == [phones.url + "/meja/lokasi/", phones.url + "/meja/lokasi/"]  # the inbox, and the next one
    complaint.refresh_from_db()
    assert complaint.report.category.slug == "saluran-tersumbat" and complaint.report.kelurahan.name == "Ganting"
