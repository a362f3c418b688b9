"""A resident on a 360 x 740 phone: pin, kelurahan, form with a photo, send; and the same with the network cut.
A crew member: nearby issues, a fix with its photo, a change made offline meeting another's.

Playwright drives Debian's Chromium (/usr/bin/chromium) against the production server (tests/deployed.py).
"""

import io
import re
from urllib.parse import parse_qs, quote, urlsplit

import pytest
from django.contrib.gis.geos import Polygon
from django.db import connections
from PIL import Image

from reports import workflow
from reports.models import Report
from tests.conftest import bulk_reports, make_report, staff_user
from tests.deployed import TILE_ZOOMS, located
from tests.images import GANTING_GPS, photo_bytes

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def phone(phones):
    """A resident's phone on the home page, its map drawn."""
    page, context = phones.open("/")
    page.wait_for_function("() => window.reportMap && document.querySelector('.leaflet-container')")
    return page, context


def place_pin_and_fill(page, placed="#place.ok", shrunk=True):
    map_box = page.locator("#map").bounding_box()
    # The map opens on the city centre: tap its middle.
    page.mouse.click(map_box["x"] + map_box["width"] / 2, map_box["y"] + map_box["height"] / 2)
    page.wait_for_selector(placed)
    page.select_option("#id_category", "jalan-berlubang")
    page.select_option("[name='attribute[ukuran]']", "sedang")  # the category's own question appears
    page.fill("#id_description", "Saluran di depan sekolah tersumbat sampah, air meluap ke jalan.")
    page.set_input_files("#id_photos", files=[{
        "name": "saluran.jpg", "mimeType": "image/jpeg", "buffer": photo_bytes(3000, 2000),
    }])
    if shrunk:
        page.wait_for_selector("#photo-list li")
    return page.inner_text("#place")


def test_a_resident_reports_from_a_phone(phones, phone):
    page, _ = phone
    # The map's reports come from the vector tiles alone: no GeoJSON list is asked while the list is closed.
    page.wait_for_function("() => performance.getEntries().some(e => e.name.includes('/tiles/reports/13/'))")
    assert "/api/v1/reports?" not in " ".join(page.evaluate("performance.getEntries().map(e => e.name)"))
    assert page.evaluate("document.documentElement.scrollWidth") <= 360  # no sideways scrolling
    place = place_pin_and_fill(page)
    assert place.startswith("Kelurahan ") and "Kecamatan Padang Panjang" in place
    # The 3000 x 2000 photo was shrunk in the browser before upload.
    assert "KB" in page.inner_text("#photo-list")
    page.click("#send")
    page.wait_for_url("**/laporan/PP-*/ikuti/*/?terkirim=1")
    report = Report.objects.get()
    assert report.code in page.inner_text("h1, .code")
    # The confirmation: thanks (focused, so a screen reader starts there), the tracking code, what comes next and
    # by when, and three ways to keep the private link.
    assert page.evaluate("document.activeElement.id") == "filed-title"
    filed = page.inner_text(".filed")
    assert "Kode pelacakan: " + report.code in filed and "Apa selanjutnya" in filed
    assert re.search(rf"menanganinya paling lambat \w+, {report.due_date.day} \w+ {report.due_date.year}\.", filed)
    assert page.input_value("#private-link") == phones.url + report.get_private_url()
    # Sharing shares the public page, never the private one; the private page says it is personal.
    public = quote(phones.url + report.get_absolute_url(), safe="")
    assert page.get_attribute("#share-whatsapp", "href").startswith("https://wa.me/?text=Laporan%20PP-")
    assert page.get_attribute("#share-email", "href").startswith("mailto:?subject=Laporan%20PP-")
    for share in ("#share-whatsapp", "#share-email"):
        href = page.get_attribute(share, "href")
        assert public in href and report.private_token not in href
    assert "Halaman ini pribadi: jangan bagikan tautannya." in page.inner_text("#personal")
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


def test_a_photo_still_being_shrunk_when_kirim_is_tapped_is_sent_too_shrunk(phones, phone):
    page, context = phone
    # The page's decoding of a picked photo waits until the test lets it go, so "Kirim" is tapped in between.
    context.add_init_script("""(() => {
        const decode = window.createImageBitmap.bind(window);
        const gate = new Promise(resolve => { window.letShrink = resolve; });
        window.createImageBitmap = (...args) => gate.then(() => decode(...args));
    })()""")
    page.reload()
    page.wait_for_function("() => window.reportMap && document.querySelector('.leaflet-container')")
    place_pin_and_fill(page, shrunk=False)
    assert page.locator("#photo-list li").count() == 0
    page.click("#send")
    page.wait_for_function("() => /Mengirim/.test(document.querySelector('#send-state').textContent)")
    assert Report.objects.count() == 0  # nothing sent while the photo is being shrunk
    page.evaluate("window.letShrink()")
    page.wait_for_url("**/laporan/PP-*/ikuti/*/?terkirim=1")
    stored = Report.objects.get().photos.get()
    assert (stored.width, stored.height) == (1600, 1067)  # shrunk on the phone (3000 x 2000 picked)


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
    page.wait_for_url("**/laporan/PP-*/ikuti/*/?terkirim=1")
    assert Report.objects.count() == 1
    waiting = page.evaluate("""new Promise(function (done) {
        indexedDB.open("lapor-padangpanjang").onsuccess = function (event) {
            event.target.result.transaction("outbox").objectStore("outbox").count().onsuccess =
                function (count) { done(count.target.result); };
        };
    })""")
    assert waiting == 0  # sent, so no longer kept on the phone


EVERY_DESCRIBEDBY_EXISTS = """() => [...document.querySelectorAll('[aria-describedby]')].every(
    e => e.getAttribute('aria-describedby').split(' ').every(id => document.getElementById(id)))"""


def test_form_errors_are_tied_to_their_fields_focus_the_first_and_go_when_fixed(phones, phone):
    page, _ = phone
    phones.allow("/api/v1/reports")  # the refusal (400), which the page shows
    assert page.evaluate(EVERY_DESCRIBEDBY_EXISTS)
    page.fill("#id_description", "pendek")
    page.click("#send")
    page.wait_for_selector("#id_description_error p")
    assert page.inner_text("#id_lat_error").startswith("Tandai lokasi di peta")
    assert page.evaluate("document.activeElement.id") == "map"  # the first error: the pin is missing
    assert page.get_attribute("#id_description", "aria-invalid") == "true"
    assert "id_description_error" in page.get_attribute("#id_description", "aria-describedby").split()
    assert page.get_attribute("#id_category", "aria-invalid") == "true"
    assert page.evaluate(EVERY_DESCRIBEDBY_EXISTS)
    # Fixed fields lose their errors at once; the others keep theirs.
    page.fill("#id_description", "Lubang besar di tengah jalan dekat pasar.")
    assert page.inner_text("#id_description_error") == ""
    assert page.get_attribute("#id_description", "aria-invalid") is None
    assert page.get_attribute("#id_description", "aria-describedby") == "id_description_helptext"
    page.select_option("#id_category", "lampu-mati")
    assert page.inner_text("#id_category_error") == "" and page.get_attribute("#id_category", "aria-invalid") is None
    page.locator("#map").scroll_into_view_if_needed()
    map_box = page.locator("#map").bounding_box()
    page.mouse.click(map_box["x"] + map_box["width"] / 2, map_box["y"] + map_box["height"] / 2)
    page.wait_for_selector("#place.ok")
    assert page.inner_text("#id_lat_error") == ""


def grainy_photo_bytes(width, height):
    """A JPEG of grain (Gaussian noise): unlike a photo of two colours, still tens of KB once shrunk."""
    grain = Image.effect_noise((width, height), 16)
    out = io.BytesIO()
    Image.merge("RGB", (grain, grain.point(lambda v: v // 2), grain.point(lambda v: 255 - v))).save(out, "JPEG")
    return out.getvalue()


def test_photos_are_added_from_camera_and_gallery_up_to_five_removable_and_their_upload_shown(phones, phone):
    page, context = phone
    place_pin_and_fill(page)  # one photo from the gallery
    jpeg = {"mimeType": "image/jpeg", "buffer": grainy_photo_bytes(3000, 2000)}
    page.set_input_files("#camera", files=[{"name": "kamera.jpg", **jpeg}])
    # An iPhone's HEIC: the browser cannot draw it, so it goes as it is and the server reads it.
    heic = {"name": "IMG_0001.HEIC", "mimeType": "image/heic", "buffer": photo_bytes(1200, 900, fmt="HEIF")}
    page.set_input_files("#id_photos", files=[heic, {"name": "galeri-2.jpg", **jpeg}])
    page.wait_for_function("() => document.querySelectorAll('#photo-list li').length == 4")
    # A pick past five: the fifth is added, the sixth refused with a message.
    page.set_input_files("#id_photos", files=[{"name": "lima.jpg", **jpeg}, {"name": "enam.jpg", **jpeg}])
    page.wait_for_function("() => document.querySelectorAll('#photo-list li').length == 5")
    assert page.inner_text("#id_photos_error") == "Paling banyak 5 foto: foto lainnya tidak ditambahkan."
    assert page.inner_text("#photo-count") == "5 dari 5 foto"
    assert "enam.jpg" not in page.inner_text("#photo-list")
    shown = page.evaluate("[...document.querySelectorAll('#photo-list img')].filter(i => i.naturalWidth).length")
    assert shown == 4  # thumbnails of the four JPEGs
    page.click("#photo-list li:nth-child(2) .remove")  # the camera's photo
    assert page.locator("#photo-list .remove").all_inner_texts() == [f"Hapus foto {n}" for n in range(1, 5)]
    assert "kamera.jpg" not in page.inner_text("#photo-list")
    # A slow upload (150 KB/s; the grainy photos are still some 70 KB each once shrunk: about 2 s for the four):
    # each photo's progress and the share sent are shown.
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", {"offline": False, "latency": 0, "downloadThroughput": -1,
                                                  "uploadThroughput": 150 * 1024})
    page.click("#send")
    page.wait_for_function("() => /Mengirim… [1-9][0-9]?%/.test(document.querySelector('#send-state').textContent)")
    page.wait_for_function("() => document.querySelector('#photo-list progress:not([hidden])').value > 0")
    page.wait_for_url("**/laporan/PP-*/ikuti/*/?terkirim=1")
    report = Report.objects.get()
    assert report.photos.count() == 4
    assert sorted(max(photo.width, photo.height) for photo in report.photos.all()) == [1200, 1600, 1600, 1600]


def test_a_report_saved_on_an_earlier_visit_is_announced_with_its_link_when_sent(phones, phone):
    phones.allow("ERR_INTERNET_DISCONNECTED")
    page, context = phone
    place_pin_and_fill(page)
    context.set_offline(True)
    page.click("#send")
    page.wait_for_selector("#send-state.waiting")
    page.close()  # the resident leaves; the report waits on the phone
    context.set_offline(False)
    later = context.new_page()
    later.goto(phones.url + "/")
    later.wait_for_selector("#sent-later:not([hidden]) a")
    report = Report.objects.get()
    assert later.inner_text("#sent-later") == (
        f"Laporan yang tersimpan di ponsel ini sudah terkirim. Kode pelacakannya: {report.code}. "
        "Buka dan simpan tautannya")
    assert later.evaluate("document.activeElement.id") == "sent-later"  # at the top, not below the fold
    later.click("#sent-later a")
    later.wait_for_selector(".filed")
    assert report.code in later.inner_text(".filed")


def test_a_resident_checks_a_report_by_its_tracking_code(phones, phone):
    page, _ = phone
    report = make_report()
    connections.close_all()
    phones.allow("404 GET")
    phones.allow("status of 404")  # the unknown code, which the form says plainly
    page.fill("#id_kode", "PP-999999")
    page.click(".check-form button")
    page.wait_for_selector("#kode-error")
    assert page.inner_text("#kode-error") == \
        "Tidak ada laporan dengan kode pelacakan PP-999999. Periksa kodenya lalu coba lagi."
    assert page.evaluate("document.activeElement.id") == "id_kode"
    page.fill("#id_kode", report.code.lower())
    page.click(".check-form button")
    page.wait_for_url(f"**/laporan/{report.code}/")
    assert report.code in page.inner_text(".code")


# The counts of the clusters drawn from the report tiles, and the codes of the single reports.
CLUSTER_COUNTS = "[...document.querySelectorAll('#map .report-tile .marker-cluster span')].map(s => +s.textContent)"
DOT_CODES = "[...document.querySelectorAll('#map .report-tile .report-dot')].map(d => d.title)"


def test_the_map_draws_reports_from_tiles_at_every_zoom_with_popups_support_and_the_list(phones):
    bulk_reports(400)  # 20 x 20 reports 55 m apart, south-east of Ganting
    report = Report.objects.get(code="T-210")
    connections.close_all()
    # The phone stands 20 m north of the report.
    page, _ = phones.open("/", geolocation={"latitude": report.location.y + 0.0002, "longitude": report.location.x},
                          permissions=["geolocation"])
    # At the opening zoom (13) the tiles' clusters hold every report, each more than one.
    page.wait_for_function(f"() => {CLUSTER_COUNTS}.reduce((a, b) => a + b, 0) === 400")
    assert all(count > 1 for count in page.evaluate(CLUSTER_COUNTS))
    assert page.evaluate(DOT_CODES) == []
    # The basemap comes through our server; its tiles' URLs say the zoom. A tap on a cluster zooms in by two.
    zoom = ("Math.max(...[...document.querySelectorAll('.leaflet-tile-pane img')]"
            ".map(i => +i.src.split('/tiles/basemap/')[1].split('/')[0]))")
    before = page.evaluate(zoom)
    page.locator(".report-tile .marker-cluster").first.click()
    page.wait_for_function(f"() => {zoom} == {before + 2}")
    assert page.locator("#place.ok").count() == 0  # a tap on a cluster zooms in; it places no pin
    # "My location" (zoom 17), then one zoom in: at zoom 18 every report is its own point, coloured by its status.
    located(page)
    page.click(".leaflet-control-zoom-in")
    page.wait_for_function(f"() => {TILE_ZOOMS}.join() === '18'")
    page.wait_for_function(f"() => {DOT_CODES}.includes('T-210') && !document.querySelector('#map .marker-cluster')")
    assert "baru" in page.get_attribute(".report-dot[title='T-210']", "class")
    # The keyboard's list of the reports in view (the map's box, asked when the list opens): every one is drawn.
    tab_to(page, "#map-list summary")
    with page.expect_response(lambda r: "/api/v1/reports?" in r.url) as answer:
        page.keyboard.press("Enter")
    box = parse_qs(urlsplit(answer.value.url).query)["bbox"][0]
    in_view = set(Report.objects.filter(location__within=Polygon.from_bbox([float(v) for v in box.split(",")]))
                  .values_list("code", flat=True))
    connections.close_all()
    assert len(in_view) > 1 and "T-210" in in_view and in_view <= set(page.evaluate(DOT_CODES))
    page.wait_for_function(f"() => document.querySelectorAll('#map-list li a').length === {len(in_view)}")
    listed = page.eval_on_selector_all("#map-list li a", "links => links.map(a => a.textContent)")
    assert {text.split(" · ")[0] for text in listed} == in_view
    assert "T-210 · Berlubang · baru" in listed
    # A tap on the report (18 px beside its 20 px dot: a thumb's target is 44 px): its popup (code, category,
    # status, support) from the tile, and the pin on its point.
    dot = page.locator(".report-dot[title='T-210']").bounding_box()
    page.mouse.click(dot["x"] + dot["width"] / 2 + 18, dot["y"] + dot["height"] / 2)
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    assert popup.locator("a").inner_text() == "T-210" and "Berlubang · baru" in popup.inner_text()
    # The pin moves from the phone's position (20 m north) to the report's point.
    page.wait_for_function("([lat, lon]) => document.getElementById('id_lat').value === lat && "
                           "document.getElementById('id_lon').value === lon",
                           arg=[f"{report.location.y:.6f}", f"{report.location.x:.6f}"])
    page.wait_for_selector("#place.ok")
    button = popup.locator(".support-button")
    assert button.inner_text() == "Dukung laporan ini (0)" and button.bounding_box()["height"] >= 44
    button.click()
    page.wait_for_selector(".leaflet-popup-content .support-button[aria-pressed=true]")
    assert button.inner_text() == "Dukungan Anda tercatat (1)"
    report.refresh_from_db()
    connections.close_all()
    assert report.support_count == 1
    # The popup's link opens the report's page, which remembers this phone's support.
    popup.locator("a").click()
    page.wait_for_url("**/laporan/T-210/")
    assert page.get_attribute("#support button", "aria-pressed") == "true"


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
    # The first item whole above the fold, with its photo, description and due date; its marker numbered 1.
    first = page.locator("#nearby li").first.bounding_box()
    assert first["y"] + first["height"] <= 740
    assert "Lubang besar di jalan utama." in page.inner_text("#nearby li") and "Batas waktu" in page.inner_text(
        "#nearby li")
    page.wait_for_function("() => document.querySelector('#nearby li img.thumb').naturalWidth > 0")
    assert page.inner_text(".leaflet-marker-icon.numbered.dikerjakan") == "1"
    page.click(f"#nearby a:has-text('{report.code}')")
    # The navigation link carries plain decimal coordinates, whatever the language's number format.
    assert page.get_attribute(".navigate a[href^='geo:']", "href").startswith(
        f"geo:{report.location.y},{report.location.x}?q=")
    # Actions, not statuses, and none chosen: only what a crew may do to a report in progress.
    assert page.locator("#action label.choice").all_inner_texts() == ["Tandai selesai", "Kembalikan ke petugas meja"]
    assert page.locator("#action [name=status]:checked").count() == 0
    page.click("#action button[type=submit]")
    assert page.inner_text("#action-state[role=alert].error") == "Pilih apa yang Anda kerjakan."
    page.check("text=Tandai selesai")
    phones.allow("/status")  # the refusal (400), which the page shows
    page.click("#action button[type=submit]")  # no photo yet: refused, in a box that looks like an error
    page.wait_for_selector("#action-state.error:has-text('foto')")
    assert page.get_attribute("#id_photo", "aria-invalid") == "true"
    assert page.evaluate("document.activeElement.id") == "id_photo"
    assert page.evaluate("getComputedStyle(document.querySelector('#action-state')).backgroundColor") \
        == "rgb(253, 232, 232)"
    page.set_input_files("#id_photo", files=[{"name": "tambal.jpg", "mimeType": "image/jpeg",
                                             "buffer": photo_bytes(colour=(40, 160, 40))}])
    page.fill("#id_note", "Sudah ditambal aspal.")
    page.click("#action button[type=submit]")
    page.wait_for_selector("#status.status-selesai")
    # What changed, said plainly after the page reloads, and read out (role=status, focused).
    assert page.inner_text("#changed[role=status]") == \
        "Tersimpan: “Tandai selesai”. Status laporan sekarang: selesai."
    assert page.evaluate("document.activeElement.id") == "changed"
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
    page.check("text=Kembalikan ke petugas meja")
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


def tab_to(page, selector, most=40):
    """Press Tab until the element is focused, as a keyboard user would."""
    for _ in range(most):
        page.keyboard.press("Tab")
        if page.evaluate(f"document.activeElement.matches({selector!r})"):
            return
    raise AssertionError(f"{selector} is not reached with Tab")


def test_a_keyboard_user_files_a_report_without_a_mouse(phones, phone):
    page, _ = phone
    make_report(status="ditolak")  # a rejected report: grey, and the legend says so
    page.reload()
    page.wait_for_selector(".report-tile .report-dot.lain")
    assert "ditolak" in page.inner_text(".legend")
    # The reports on the map, as links.
    tab_to(page, "#map-list summary")
    page.keyboard.press("Enter")
    page.wait_for_selector("#map-list li a")
    assert " · Berlubang · ditolak" in page.inner_text("#map-list")
    page.reload()
    page.wait_for_function("() => window.reportMap && document.querySelector('.leaflet-container')")
    # The map takes the keyboard: a cross at its centre, and what to do is said in a live region.
    tab_to(page, "#map")
    assert page.is_visible(".crosshair")
    assert "tombol panah" in page.inner_text("#map-says")
    assert page.get_attribute("#map-says", "aria-live") == "polite"
    page.keyboard.press("ArrowLeft")
    page.wait_for_function("() => document.getElementById('map-says').textContent"
                           ".startsWith('Tanda silang ada di Kelurahan')")
    page.keyboard.press("Enter")
    page.wait_for_selector("#place.ok")
    pin = [float(page.input_value(f"#id_{name}")) for name in ("lat", "lon")]
    tab_to(page, "#id_category")
    page.keyboard.type("Lampu mati")
    assert page.input_value("#id_category") == "lampu-mati"
    tab_to(page, "#id_description")
    page.keyboard.type("Lampu jalan di depan masjid mati sejak tiga malam.")
    tab_to(page, "#send")
    page.keyboard.press("Enter")
    page.wait_for_url("**/laporan/PP-*/ikuti/*/?terkirim=1")
    report = Report.objects.exclude(status="ditolak").get()
    assert report.category.slug == "lampu-mati"
    assert [round(report.location.y, 6), round(report.location.x, 6)] == pin  # where the cross was


def test_a_resident_supports_a_report_seen_in_the_duplicate_check_and_on_its_page(phones, phone):
    page, _ = phone
    centre = (-0.4665, 100.405)  # LEAFLET_CONFIG's DEFAULT_CENTER: where the map opens
    nearby = make_report(lat=centre[0], lon=centre[1], with_photo=True)
    page.reload()
    page.wait_for_selector(f".report-tile .report-dot[title='{nearby.code}']")
    box = page.locator("#map").bounding_box()
    # Two taps on the report's marker: the pin goes exactly there (a zoom-13 tile rounds its point by about a metre;
    # no popup-only, no zoom), and the duplicate check shows the report with its photo and a button big enough
    # for a thumb.
    page.mouse.dblclick(box["x"] + 60, box["y"] + box["height"] / 2)  # the map's background
    page.wait_for_selector("#place.ok")
    page.mouse.dblclick(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_function(f"() => document.getElementById('id_lon').value === '{centre[1]:.6f}'")
    page.select_option("#id_category", "jalan-berlubang")
    page.wait_for_selector("#duplicates:not([hidden]) li")
    assert page.evaluate(TILE_ZOOMS) == ["13"]  # LEAFLET_CONFIG's DEFAULT_ZOOM: neither double tap zoomed
    thumbnail = page.locator("#duplicates li img")
    assert thumbnail.get_attribute("src").endswith(nearby.photos.get().thumbnail.name)
    page.wait_for_function("() => document.querySelector('#duplicates li img').naturalWidth > 0")
    button = page.locator("#duplicates .support-button")
    assert button.bounding_box()["height"] >= 44
    assert button.inner_text() == "Dukung laporan ini (0)"
    button.click()
    page.wait_for_selector("#duplicates .support-button[aria-pressed=true]")
    assert button.inner_text() == "Dukungan Anda tercatat (1)"
    # On the report's page, after a reload, this phone's support is remembered.
    page.goto(phones.url + f"/laporan/{nearby.code}/")
    given = page.locator("#support button")
    assert given.get_attribute("aria-pressed") == "true" and given.is_disabled()
    assert given.inner_text() == "Dukungan Anda tercatat (1)"
    # Another phone supports it from the report's page.
    other, _ = phones.open(f"/laporan/{nearby.code}/")
    other.click("#support button")
    other.wait_for_selector("#support button[aria-pressed=true]")
    assert other.inner_text("#support button") == "Dukungan Anda tercatat (2)"
    other.reload()
    assert other.inner_text("#support button") == "Dukungan Anda tercatat (2)"
    nearby.refresh_from_db()
    assert nearby.support_count == 2


def test_the_edges_description_font_password_box_legend_open_data_staff_links_and_error_pages(
        phones, phone, django_user_model):
    page, _ = phone
    assert "monospace" not in page.evaluate("getComputedStyle(document.getElementById('id_description')).fontFamily")
    assert page.get_attribute("footer a[href='/data/']", "href") == "/data/"
    page.goto(phones.url + "/statistik/")
    labels = page.locator("#choropleth-legend li").all_inner_texts()  # tests/test_statistics_browser.py
    assert labels and len(labels) == len(set(labels))
    assert page.inner_text("#choropleth-legend p") == "Laporan terbuka"
    assert page.is_visible("main a[href='/data/']")
    # Signed in, each role finds its pages in the header; a resident sees none of them.
    assert page.locator(".staff-nav").count() == 0
    staff_user(django_user_model, "bima", "planner")
    staff_user(django_user_model, "andi", "crew", "Tim Jalan Padang Panjang Barat")
    connections.close_all()
    for user, links in (("bima", ["Statistik", "Data terbuka"]), ("andi", ["Masalah di sekitar"])):
        staff, _ = phones.open("/masuk/?next=/")
        password = staff.locator("#id_password")
        assert password.evaluate("e => getComputedStyle(e).borderRadius") == "4px"
        assert password.bounding_box()["width"] > 300  # the column's width, as the other boxes
        staff.fill("#id_username", user)
        staff.fill("#id_password", "sandi-rahasia-123")
        staff.click("main button.primary")
        staff.wait_for_selector(".staff-nav")
        assert staff.locator(".staff-nav a").all_inner_texts() == links
        assert staff.is_visible(".staff-nav button:has-text('Keluar')")
    # Pages that are not there, and the page shown when there is no connection: in Indonesian, with the way back.
    phones.allow("404")
    missing = page.goto(phones.url + "/tidak-ada/")
    assert missing.status == 404
    assert page.inner_text("h1") == "Halaman tidak ditemukan" and page.is_visible("#id_kode")
    page.goto(phones.url + "/luring/")
    assert page.inner_text("h1") == "Tidak ada koneksi"
    assert page.get_attribute("main a.button", "href") == "/"


SENT_BY_WORKER = """() => new Promise(function (done) {
    indexedDB.open("lapor-padangpanjang").onsuccess = function (event) {
        event.target.result.transaction("sent").objectStore("sent").count().onsuccess =
            function (count) { done(count.target.result); };
    };
})"""


def test_without_signal_the_map_opens_as_last_seen_and_the_service_worker_sends_what_waits(phones, phone):
    phones.allow("ERR_INTERNET_DISCONNECTED")
    page, context = phone
    make_report(north=0.001)
    page.wait_for_function("() => navigator.serviceWorker.controller")
    page.reload()  # now through the service worker, which keeps the outlines and the reports it sees
    page.wait_for_function("() => document.querySelectorAll('#map .report-dot').length === 1")
    context.set_offline(True)
    page.reload()
    # The map page from the worker's cache: the form, the kelurahan outlines and the report tiles last seen.
    page.wait_for_function("() => window.reportMap && document.querySelectorAll('#map .report-dot').length === 1")
    page.wait_for_function("() => document.querySelectorAll('#map path').length > 0")
    assert page.is_visible("#report-form")
    # Another page without signal: the offline page, not the browser's error.
    page.goto(phones.url + "/statistik/")
    assert page.inner_text("h1") == "Tidak ada koneksi"
    page.goto(phones.url + "/")
    page.wait_for_function("() => window.reportMap && document.querySelector('.leaflet-container')")
    place_pin_and_fill(page, placed="#place:has-text('diperiksa saat laporan dikirim.')")
    page.click("#send")
    page.wait_for_selector("#send-state.waiting")
    # The page is closed, the connection returns, and the browser wakes the worker for its Background Sync (here
    # through DevTools: when Chromium does it on its own is its business). Another page, which sends nothing
    # itself, waits for the answer the worker keeps.
    waiting = context.new_page()
    waiting.goto(phones.url + "/luring/")
    page.close()
    cdp = context.new_cdp_session(waiting)
    registrations = []
    cdp.on("ServiceWorker.workerRegistrationUpdated", lambda event: registrations.extend(event["registrations"]))
    cdp.send("ServiceWorker.enable")
    waiting.evaluate("""() => navigator.serviceWorker.addEventListener("message", function (event) {
        if (event.data === "sent") window.sentByWorker = true;
    })""")
    context.set_offline(False)
    assert Report.objects.count() == 1
    cdp.send("ServiceWorker.dispatchSyncEvent", {
        "origin": phones.url, "registrationId": registrations[0]["registrationId"], "tag": "outbox",
        "lastChance": False})
    waiting.wait_for_function("() => window.sentByWorker")
    assert waiting.evaluate(SENT_BY_WORKER) == 1  # its answer, kept for the map page
    assert Report.objects.count() == 2
    filed = Report.objects.latest("pk")
    # The next visit says it was sent, with its link, once.
    waiting.goto(phones.url + "/")
    waiting.wait_for_selector("#sent-later:not([hidden])")
    assert filed.code in waiting.inner_text("#sent-later")
    assert waiting.evaluate(SENT_BY_WORKER) == 0


def test_a_filed_report_is_found_again_in_laporan_saya_after_the_tab_is_closed(phones, phone, django_user_model):
    page, context = phone
    place_pin_and_fill(page)
    page.click("#send")
    page.wait_for_url("**/laporan/PP-*/ikuti/*/?terkirim=1")
    page.wait_for_selector("#own-report[data-kept]")  # the phone keeps it as the confirmation shows
    report = Report.objects.get()
    page.close()  # the tab is gone, and with it the private link on screen
    later = context.new_page()
    map_drawn = "() => document.querySelector('#map .report-dot')"  # its tile done before the page is left

    later.goto(phones.url + "/")
    later.wait_for_function(map_drawn)
    item = later.locator("#my-reports li", has_text=report.code)
    item.locator(".status:has-text('baru')").wait_for()
    assert later.is_visible("#my-reports h2:has-text('Laporan saya')")
    assert item.locator("a", has_text="Tautan pribadi saya").get_attribute("href") == \
        phones.url + report.get_private_url()
    # The list is drawn again when the statuses come: the button's height is read in the page, as drawn then.
    later.wait_for_function("() => [...document.querySelectorAll('#my-reports li button.remove')]"
                            ".some(b => b.getBoundingClientRect().height >= 44)")
    assert later.evaluate("document.documentElement.scrollWidth") <= 360
    # Its status as the city changes it: one call for all of this phone's reports.
    workflow.change_status(report, "diverifikasi", staff_user(django_user_model, "dewi", "dispatcher"),
                           version=report.version)
    connections.close_all()
    later.reload()
    later.locator("#my-reports li .status-diverifikasi").wait_for()
    later.wait_for_function(map_drawn)
    item.locator("a", has_text="Tautan pribadi saya").click()
    later.wait_for_selector("#own-report")
    assert later.input_value("#private-link") == phones.url + report.get_private_url()
    # A shared phone: removed from this phone, gone from the list (the report itself stays).
    later.goto(phones.url + "/")
    later.wait_for_function(map_drawn)
    later.locator("#my-reports li button.remove").click()
    later.wait_for_selector("#my-reports", state="hidden")
    assert Report.objects.filter(pk=report.pk).exists()


def test_a_report_filed_offline_still_waits_after_a_reload_without_signal(phones, phone):
    phones.allow("ERR_INTERNET_DISCONNECTED")
    page, context = phone
    make_report(north=0.001)
    page.wait_for_function("() => navigator.serviceWorker.controller")
    page.reload()  # now through the service worker, which keeps the map page and the reports it sees
    page.wait_for_selector("#map .report-dot")
    place_pin_and_fill(page)
    context.set_offline(True)
    page.click("#send")
    page.wait_for_selector("#send-state.waiting")
    page.reload()  # the map page from the service worker's cache
    page.wait_for_selector("#my-reports li.waiting")
    assert "Menunggu dikirim dari ponsel ini" in page.inner_text("#my-reports li.waiting")
    assert "Saluran di depan sekolah" in page.inner_text("#my-reports li.waiting")
    page.wait_for_selector("#send-state.waiting")
    assert "disimpan di ponsel ini" in page.inner_text("#send-state")
    assert Report.objects.count() == 1
    context.set_offline(False)
    page.wait_for_selector("#sent-later:not([hidden])")
    report = Report.objects.latest("pk")
    page.locator("#my-reports li", has_text=report.code).wait_for()
    assert page.locator("#my-reports li.waiting").count() == 0
