"""The form's first question on a 360 x 740 phone, as deployed (tests/deployed.py): a complaint about a service,
filed without a place, acknowledged with only its private link, and kept in "Laporan saya" without a public one.

Playwright drives Debian's Chromium (/usr/bin/chromium) against the production server.
"""

import pytest

from reports.models import Report
from tests.test_service_documents import pdf

pytestmark = pytest.mark.django_db(transaction=True)

COMPLAINT = "Sudah tiga minggu KTP elektronik saya belum jadi, padahal dijanjikan seminggu."


def in_view(page, selector):
    """Whether the element is inside the 360 x 740 screen as it is now, without scrolling."""
    return page.evaluate("""s => { const r = document.querySelector(s).getBoundingClientRect();
        return r.top >= 0 && r.left >= 0 && r.bottom <= innerHeight && r.right <= innerWidth && r.height > 0; }""",
                         selector)


def test_the_first_question_leads_to_a_short_form_that_files_a_complaint_without_a_place(phones):
    page, _ = phones.open("/")
    page.wait_for_function("() => window.reportMap && document.querySelector('.leaflet-container')")
    # The question and both answers are on the first screen; a problem at a place is the map, as before.
    assert page.inner_text("#start legend") == "Apa yang ingin Anda laporkan?"
    for answer in ("place", "service"):
        assert in_view(page, f"#start input[value={answer}]")
    assert page.is_checked("#start input[value=place]") and page.is_visible("#map")
    assert not page.is_visible("#where") and not page.is_visible("#publish-choice")
    assert not page.is_visible("#document-field") and page.is_disabled("#id_document")  # a service's only
    service_groups = page.locator("#id_category optgroup[data-kind=service]")
    assert service_groups.count() > 0 and all(service_groups.nth(i).get_attribute("disabled") is not None
                                              for i in range(service_groups.count()))

    page.check("#start input[value=service]")
    # The short form: no map, the service categories grouped by office, first on the screen.
    assert not page.is_visible("#map") and not page.is_visible("#place")
    assert page.inner_text("#form-title") == "Sampaikan keluhan"
    assert page.inner_text("#category-label") == "Keluhan tentang apa?"
    assert in_view(page, "#id_category")
    assert page.locator("#id_category optgroup[data-kind=place]:not([disabled])").count() == 0
    assert "Administrasi kependudukan · Disdukcapil" in page.evaluate(
        "[...document.querySelectorAll('#id_category optgroup:not([disabled])')].map(g => g.label).join('|')")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360  # no sideways scrolling
    assert page.is_visible("#document-field") and page.inner_text("label[for=id_document]") == \
        "Dokumen (PDF, tidak wajib)"

    # A category that asks where: nothing, an office (the list) or a pin (the map comes back).
    page.select_option("#id_category", "pelayanan-puskesmas")
    assert page.is_visible("#where") and not page.is_visible("#id_place_office")
    page.check("#where input[value=office]")
    assert page.is_visible("#id_place_office")
    page.check("#where input[value=map]")
    assert page.is_visible("#map") and not page.is_visible("#id_place_office")
    page.check("#where input[value=none]")
    assert not page.is_visible("#map")

    # KTP asks no place; it is not public, so the resident is asked about publishing it.
    page.select_option("#id_category", "ktp-el")
    assert not page.is_visible("#where") and page.is_visible("#publish-choice")
    page.fill("#id_description", COMPLAINT)
    page.check("#id_publish_consent")
    # A letter as its PDF: sent with the form (through the outbox) and stored as the complaint's document.
    page.set_input_files("#id_document", {"name": "surat.pdf", "mimeType": "application/pdf", "buffer": pdf(pages=2)})
    page.click("#send")
    page.wait_for_url("**/laporan/PP-*/ikuti/*/?terkirim=1")

    report = Report.objects.select_related("office").get()
    assert report.location is None and report.office.slug == "disdukcapil" and report.private
    assert report.publish_consent and report.description == COMPLAINT
    assert report.document.pages == 2
    # The acknowledgement: thanks, the office and its date, only the private link: nothing to share, no map.
    assert page.evaluate("document.activeElement.id") == "filed-title"
    filed = page.inner_text(".filed")
    assert report.code in filed and "Dinas Kependudukan dan Pencatatan Sipil menjawabnya paling lambat" in filed
    assert page.input_value("#private-link") == phones.url + report.get_private_url()
    assert page.locator("#share-whatsapp, #share-email, #report-map, #follow").count() == 0
    public = phones.url + report.get_absolute_url()
    assert public not in page.evaluate("[...document.querySelectorAll('a')].map(a => a.href)")

    # "Laporan saya" keeps it with its private link only; its code leads there.
    page.goto(phones.url + "/")
    item = page.locator("#my-reports li", has_text=report.code)
    item.wait_for()
    hrefs = item.locator("a").evaluate_all("links => links.map(a => a.href)")
    assert hrefs == [phones.url + report.get_private_url()]
