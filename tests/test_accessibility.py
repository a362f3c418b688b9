"""axe-core (from npm, node_modules/axe-core) on every page a resident, a crew member, a planner or a dispatcher at
the desk opens, at 360 x 740 against the production server: no violations of any rule axe runs by default (WCAG 2
A and AA, and its best practices)."""

from pathlib import Path

import pytest
from django.conf import settings
from django.db import connections

from forwarding.models import Disposition
from notify import ikm
from notify.models import SurveyAnswer
from tests.conftest import make_report, staff_user
from tests.deployed import located
from tests.test_desk import failing_delivery
from tests.test_desk_browser import at_the_desk

pytestmark = pytest.mark.django_db(transaction=True)

AXE = (Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js").read_text()


def violations(page):
    """axe's findings on the page as it is now: (rule, the elements it found) pairs."""
    page.evaluate(AXE)  # through DevTools, which the page's CSP does not govern
    passed, found = page.evaluate("""() => axe.run().then(r => [
        r.passes.length, r.violations.map(v => [v.id, v.nodes.map(n => n.target)])])""")
    assert passed >= 10  # axe did look at the page
    return [(rule, nodes) for rule, nodes in found]


def test_no_page_has_an_accessibility_violation(phones, django_user_model):
    report = make_report(with_photo=True, status="dikerjakan")
    staff_user(django_user_model, "andi", "crew", report.crew.name)
    fixed = make_report(status="selesai", north=-0.004)  # its survey; and enough answers for the index's tables
    SurveyAnswer.objects.bulk_create(
        SurveyAnswer(report=fixed, respondent=f"subscription:{n}", **{e.field: 1 + n % 4 for e in ikm.ASKED})
        for n in range(settings.IKM_MIN_ANSWERS))
    connections.close_all()
    phones.allow("404")  # the not-found page, on purpose
    pages = {
        "/": "() => document.querySelector('#map path') && document.querySelector('#map .report-tile > div')",
        f"/laporan/{report.code}/": "() => document.querySelector('#report-map .leaflet-marker-icon')",
        report.get_private_url() + "?terkirim=1": "() => document.querySelector('#report-map .leaflet-marker-icon')",
        "/cek/?kode=PP-000000": None, "/statistik/": "() => document.querySelector('#choropleth-legend li')",
        "/statistik/ikm/": None, fixed.get_private_url() + "survei/": None,
        "/data/": None, "/pemberitahuan/": None, "/privasi/": None, "/tautan-saya/": None, "/luring/": None,
        "/tidak-ada/": None,
    }
    found = {}
    for path, drawn in pages.items():
        page, context = phones.open(path)
        if drawn:
            page.wait_for_function(drawn)
        found[path] = violations(page)
        context.close()
    # "Laporan saya" once the phone keeps a report, the resident's data page and erase-all's confirmation.
    page, context = phones.open(report.get_private_url())
    page.wait_for_selector("#own-report[data-kept]")  # the phone keeps it before the page is left
    page.goto(phones.url + "/")
    page.wait_for_selector("#my-reports li")
    page.wait_for_function("() => document.querySelector('#map path')")
    found["/ (Laporan saya)"] = violations(page)
    page.goto(phones.url + report.get_private_url() + "data/")
    found["/laporan/…/data/"] = violations(page)
    page.click("button[value=all]")
    page.wait_for_selector("button[name=confirmed]")
    found["/laporan/…/hapus/ (confirm)"] = violations(page)
    context.close()
    # A report's popup on the map, with its support button, at the phone's position (zoom 17).
    page, context = phones.open("/", geolocation={"latitude": report.location.y, "longitude": report.location.x},
                                permissions=["geolocation"])
    located(page)
    page.click(f"#map .report-dot[title='{report.code}']")
    page.wait_for_selector(".leaflet-popup-content .support-button")
    # Leaflet fades a popup in: its colours are judged once it is opaque (axe counts a half-faded text's contrast).
    page.wait_for_function("() => getComputedStyle(document.querySelector('.leaflet-popup')).opacity === '1'")
    found["/ (a report's popup)"] = violations(page)
    context.close()
    # The sign-in page, then the crew's pages.
    page, _ = phones.open("/petugas/", geolocation={"latitude": report.location.y, "longitude": report.location.x},
                          permissions=["geolocation"])
    found["/masuk/"] = violations(page)
    page.fill("#id_username", "andi")
    page.fill("#id_password", "sandi-rahasia-123")
    page.click("main button.primary")
    page.wait_for_selector(f"#nearby a:has-text('{report.code}')")
    found["/petugas/"] = violations(page)
    page.click(f"#nearby a:has-text('{report.code}')")
    page.wait_for_selector("#action")
    found["/petugas/laporan/"] = violations(page)
    assert {path: rules for path, rules in found.items() if rules} == {}


def test_no_desk_page_has_an_accessibility_violation(phones, django_user_model):
    report = make_report(with_photo=True)
    make_report(north=0.0001, with_photo=True)
    failing_delivery()  # the forwarding problems' page with a row in each list
    connections.close_all()
    page = at_the_desk(phones, django_user_model, {"width": 360, "height": 740}, "/meja/")
    found = {"/meja/": violations(page)}
    for path, drawn in (("/meja/antrean/", "() => document.querySelector('.queue-marker')"),
                        (f"/meja/laporan/{report.code}/", "() => document.querySelector('#gabung .candidates img')"),
                        ("/meja/penerusan/", "() => document.querySelector('#failing form button')")):
        page.goto(phones.url + path)
        page.wait_for_function(drawn)
        found[path] = violations(page)
    assert {path: rules for path, rules in found.items() if rules} == {}


def test_the_desk_pages_part_b_have_no_accessibility_violation(phones, django_user_model):
    """Photo review (a photo open for drawing) and the LAPOR! inbox, as a dispatcher sees them."""
    from tests.test_desk_review_browser import dispatcher_at

    make_report(with_photo=True).photos.update(published=False)
    Disposition.objects.create(tracking_id="LP-5", state=Disposition.State.NEEDS_LOCATION, payload={
        "tracking_id": "LP-5", "title": "Drainase tersumbat", "content": "Air meluap ke jalan.", "topic_id": "",
        "lat": None, "lon": None, "location_text": "Ganting", "attachments": [], "created_at": "2026-12-01"})
    page, _ = dispatcher_at(phones, django_user_model, "/meja/foto/", (360, 740))
    page.click("#photo-grid .thumb")
    page.wait_for_selector("#reviewer:not([hidden])")
    found = {"/meja/foto/": violations(page)}
    page.goto(phones.url + "/meja/lokasi/")
    page.wait_for_selector("#inbox-map path.leaflet-interactive")
    found["/meja/lokasi/"] = violations(page)
    assert {path: rules for path, rules in found.items() if rules} == {}
