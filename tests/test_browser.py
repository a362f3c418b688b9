"""A resident on a 360 x 740 phone: pin, kelurahan, form with a photo, send; and the same with the network cut.
A crew member: nearby issues, a fix with its photo, a change made offline meeting another's.

Playwright drives Debian's Chromium (/usr/bin/chromium) against the production server (tests/deployed.py).
"""


import pytest
from django.db import connections

from reports import workflow
from reports.models import Report
from tests.conftest import bulk_reports, make_report, staff_user
from tests.images import GANTING_GPS, photo_bytes

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def many_reports(deployed):
    """More reports around the city centre than the API's GeoJSON answer holds (2,000)."""
    bulk_reports(2100)


@pytest.fixture
def phone(phones):
    """A resident's phone on the home page, its map drawn."""
    page, context = phones.open("/")
    page.wait_for_function("() => window.reportMap && document.querySelector('.leaflet-container')")
    return page, context


def place_pin_and_fill(page):
    map_box = page.locator("#map").bounding_box()
    # The map opens on the city centre: tap its middle.
    page.mouse.click(map_box["x"] + map_box["width"] / 2, map_box["y"] + map_box["height"] / 2)
    page.wait_for_selector("#place.ok")
    page.select_option("#id_category", "jalan-berlubang")
    page.select_option("[name='attribute[ukuran]']", "sedang")  # the category's own question appears
    page.fill("#id_description", "Saluran di depan sekolah tersumbat sampah, air meluap ke jalan.")
    page.set_input_files("#id_photos", files=[{
        "name": "saluran.jpg", "mimeType": "image/jpeg", "buffer": photo_bytes(3000, 2000),
    }])
    page.wait_for_selector("#photo-list li")
    return page.inner_text("#place")


def test_a_resident_reports_from_a_phone(phone):
    page, _ = phone
    # With few reports the map is GeoJSON: the vector-tile code is not even downloaded.
    assert "vector-tile" not in " ".join(page.evaluate("performance.getEntries().map(e => e.name)"))
    assert page.evaluate("document.documentElement.scrollWidth") <= 360  # no sideways scrolling
    place = place_pin_and_fill(page)
    assert place.startswith("Kelurahan ") and "Kecamatan Padang Panjang" in place
    # The 3000 x 2000 photo was shrunk in the browser before upload.
    assert "KB" in page.inner_text("#photo-list")
    page.click("#send")
    page.wait_for_url("**/laporan/PP-*/ikuti/*/")
    report = Report.objects.get()
    assert report.code in page.inner_text("h1, .code")
    assert page.locator(".photos img").count() == 1
    # The small map is centred on the report (coordinates unlocalized): its marker, an image that loads,
    # stands inside the map.
    page.wait_for_function("() => (i => i && i.complete && i.naturalWidth > 0)"
                           "(document.querySelector('#report-map .leaflet-marker-icon'))")
    marker, box = (page.locator(selector).bounding_box() for selector in ("#report-map .leaflet-marker-icon",
                                                                          "#report-map"))
    assert box["x"] <= marker["x"] <= box["x"] + box["width"] and box["y"] <= marker["y"] <= box["y"] + box["height"]
    assert place == f"Kelurahan {report.kelurahan.name}, Kecamatan {report.kelurahan.kecamatan.name}"
    stored = report.photos.get()
    assert max(stored.width, stored.height) == 1600  # shrunk on the phone, not only on the server
    assert report.attributes == {"ukuran": "sedang"}


def test_a_report_sent_without_network_waits_on_the_phone_and_goes_when_it_returns(phones, phone):
    phones.allow("ERR_INTERNET_DISCONNECTED")
    page, context = phone
    place_pin_and_fill(page)
    context.set_offline(True)
    page.click("#send")
    page.wait_for_selector("#send-state.waiting")
    assert "Tidak ada koneksi" in page.inner_text("#send-state")
    assert Report.objects.count() == 0
    context.set_offline(False)
    page.wait_for_url("**/laporan/PP-*/ikuti/*/")
    assert Report.objects.count() == 1
    waiting = page.evaluate("""new Promise(function (done) {
        indexedDB.open("lapor-padangpanjang").onsuccess = function (event) {
            event.target.result.transaction("outbox").objectStore("outbox").count().onsuccess =
                function (count) { done(count.target.result); };
        };
    })""")
    assert waiting == 0  # sent, so no longer kept on the phone


def test_with_many_reports_the_map_draws_the_vector_tiles_with_clusters(many_reports, phone):
    page, _ = phone
    page.wait_for_selector(".report-tile .marker-cluster")
    assert "/static/vendor/vector-tile/" in " ".join(page.evaluate("performance.getEntries().map(e => e.name)"))
    counts = page.eval_on_selector_all(".report-tile .marker-cluster span", "spans => spans.map(s => s.textContent)")
    assert counts and all(int(count) > 1 for count in counts)
    assert page.locator(".leaflet-marker-pane .marker-cluster").count() == 0  # the GeoJSON layer is gone
    # The basemap comes through our server; its tiles' URLs say the zoom.
    zoom = ("Math.max(...[...document.querySelectorAll('.leaflet-tile-pane img')]"
            ".map(i => +i.src.split('/tiles/basemap/')[1].split('/')[0]))")
    before = page.evaluate(zoom)
    page.locator(".report-tile .marker-cluster").first.click()
    page.wait_for_function(f"() => {zoom} == {before + 2}")
    assert page.locator("#place.ok").count() == 0  # a tap on a cluster zooms in; it places no pin


def test_without_a_pin_the_photo_position_is_offered(phone):
    page, _ = phone
    page.set_input_files("#id_photos", files=[{
        "name": "lampu.jpg", "mimeType": "image/jpeg", "buffer": photo_bytes(800, 600, gps=GANTING_GPS),
    }])
    page.wait_for_selector("#photo-place:not([hidden])")
    page.click("#use-photo-place")
    page.wait_for_selector("#place.ok")
    assert page.inner_text("#place") == "Kelurahan Ganting, Kecamatan Padang Panjang Timur"
    assert float(page.input_value("#id_lat")) == pytest.approx(GANTING_GPS[0], abs=1e-5)


def test_a_crew_member_signs_in_finds_the_report_nearby_and_marks_it_fixed_with_a_photo(phones, django_user_model):
    report = make_report(description="Lubang besar di jalan utama.", with_photo=True, status="dikerjakan")
    staff_user(django_user_model, "andi", "crew", report.crew.name)
    connections.close_all()

    page, _ = phones.open("/petugas/", geolocation={"latitude": GANTING_GPS[0] - 0.001, "longitude": GANTING_GPS[1]},
                          permissions=["geolocation"])
    page.fill("#id_username", "andi")
    page.fill("#id_password", "sandi-rahasia-123")
    page.click("main button.primary")
    page.wait_for_selector(f"#nearby a:has-text('{report.code}')")
    assert " 111 m" in page.inner_text("#nearby")  # 0.001° south of it: 110.6 m on the spheroid
    page.click(f"#nearby a:has-text('{report.code}')")
    # The navigation link carries plain decimal coordinates, whatever the language's number format.
    assert page.get_attribute(".navigate a[href^='geo:']", "href").startswith(
        f"geo:{report.location.y},{report.location.x}?q=")
    page.select_option("#id_status", "selesai")
    page.set_input_files("#id_photo", files=[{"name": "tambal.jpg", "mimeType": "image/jpeg",
                                             "buffer": photo_bytes(colour=(40, 160, 40))}])
    page.fill("#id_note", "Sudah ditambal aspal.")
    page.click("#action button[type=submit]")
    page.wait_for_selector("#status.status-selesai")
    page.goto(phones.url + report.get_absolute_url())
    # Both photos are served, as images, by the production server.
    page.wait_for_function("() => [...document.querySelectorAll('.photos img')]"
                           ".every(i => i.complete && i.naturalWidth)")
    assert page.locator(".photos img").count() == 2
    assert "foto hasil perbaikan" in page.inner_text(".photos")
    assert Report.objects.get(pk=report.pk).status == "selesai"


def test_a_crew_change_made_offline_waits_and_a_conflict_is_shown_not_overwritten(phones, django_user_model):
    report = make_report("lampu-mati", description="Lampu jalan mati tiga malam.", status="dikerjakan")
    staff_user(django_user_model, "andi", "crew", report.crew.name)
    dewi = staff_user(django_user_model, "dewi", "dispatcher")
    connections.close_all()

    phones.allow("ERR_INTERNET_DISCONNECTED")  # the change tried while offline
    phones.allow("409")  # the conflict, which the page shows
    page, context = phones.open(f"/petugas/laporan/{report.code}/")
    page.fill("#id_username", "andi")
    page.fill("#id_password", "sandi-rahasia-123")
    page.click("main button.primary")
    page.wait_for_selector("#action")
    context.set_offline(True)
    page.select_option("#id_status", "diverifikasi")
    page.fill("#id_note", "Butuh tangga tinggi, kembalikan ke dispatcher.")
    page.click("#action button[type=submit]")
    page.wait_for_selector("#action-state.waiting")
    assert "Tidak ada koneksi" in page.inner_text("#action-state")
    # Meanwhile the dispatcher hands the report back first.
    current = Report.objects.get(pk=report.pk)
    workflow.change_status(current, "diverifikasi", dewi, version=current.version, note="Dicek dispatcher.")
    connections.close_all()
    context.set_offline(False)
    page.wait_for_selector("#action-state:has-text('Orang lain sudah mengubah')", timeout=20_000)
    assert "diverifikasi" in page.inner_text("#action-state")
    changed = Report.objects.get(pk=report.pk)
    assert changed.status == "diverifikasi"
    assert list(changed.history.values_list("by__username", flat=True)) == [None, "dewi"]  # andi's did not land
    connections.close_all()
