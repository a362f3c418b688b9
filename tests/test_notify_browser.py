"""A resident on a 360 x 740 phone, against the production server: follows a report by e-mail and confirms with
the button the link opens, subscribes to the alerts of a kelurahan and stops them, and answers "Sudah
diperbaiki?" with "no", a note and a photo, then the satisfaction survey that follows, which fits the phone."""

import re
from datetime import timedelta

import pytest
from django.core import mail

from notify.models import Subscription, SurveyAnswer
from notify.tasks import ask_if_fixed
from reports import photos, workflow
from reports.models import Report
from tests.conftest import make_report, run_jobs, staff_user
from tests.images import photo_bytes, upload

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def site(deployed, settings):
    """Links in the messages lead to the production server."""
    settings.SITE_URL = deployed.url
    return deployed


def link(message, part):
    return [found for found in re.findall(r"https?://\S+", message.body) if part in found][0]


def test_a_resident_follows_a_report_by_email_and_confirms(site, phones):
    report = make_report()
    page, _ = phones.open(report.get_absolute_url())
    page.fill("#follow input[name=email]", "tetangga@example.org")
    page.check("#follow input[name=supports]")
    page.click("#follow button[type=submit]")
    page.wait_for_selector(".messages")
    assert "Hampir selesai" in page.inner_text(".messages")
    run_jobs()
    [confirmation] = mail.outbox
    page.goto(link(confirmation, "/konfirmasi/"))
    assert f"laporan {report.code}" in page.inner_text("#confirm")  # opening the link only asks
    assert Report.objects.get(pk=report.pk).support_count == 0
    page.click("button.primary")
    assert f"laporan {report.code}" in page.inner_text("#confirmed")
    assert Report.objects.get(pk=report.pk).support_count == 1


def test_a_resident_subscribes_to_the_alerts_of_a_kelurahan(site, phones):
    page, _ = phones.open("/pemberitahuan/")
    page.select_option("#id_kelurahan", label="Ganting")
    page.fill("#id_email", "rt05@example.org")
    page.click("button.primary")
    page.wait_for_selector(".messages")
    run_jobs()
    [confirmation] = mail.outbox
    page.goto(link(confirmation, "/konfirmasi/"))
    page.click("button.primary")
    assert "Kelurahan Ganting" in page.inner_text("#confirmed")
    mail.outbox.clear()
    report = make_report()
    run_jobs()
    assert report.code in mail.outbox[0].body
    page.goto(link(mail.outbox[0], "/berhenti/"))
    page.click("button.primary")
    assert "Tidak ada lagi pesan" in page.inner_text("#stopped")


def test_a_resident_picks_the_place_of_an_area_alert_on_the_map(site, phones):
    page, _ = phones.open("/pemberitahuan/")
    page.wait_for_function("() => document.querySelector('#alert-map.leaflet-container img.leaflet-tile-loaded')")
    box = page.locator("#alert-map").bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)  # the map opens on the centre
    page.wait_for_selector("#alert-map path")  # the circle the alerts cover
    lat, lon = float(page.input_value("#id_lat")), float(page.input_value("#id_lon"))
    assert abs(lat - -0.4665) < 0.001 and abs(lon - 100.405) < 0.001  # LEAFLET_CONFIG's DEFAULT_CENTER
    assert page.input_value("#id_kelurahan") == ""
    assert page.locator("#use-position").bounding_box()["height"] >= 44  # a finger's height
    page.fill("#id_email", "warga@example.org")
    page.click("button.primary")
    page.wait_for_selector(".messages")
    [alert] = Subscription.objects.filter(role=Subscription.Role.AREA)
    assert (round(alert.point.y, 6), round(alert.point.x, 6)) == (lat, lon)


def test_a_reporter_answers_that_it_is_not_fixed_then_the_survey(site, phones, django_user_model, settings):
    dispatcher = staff_user(django_user_model, "dewi", "dispatcher")
    report = make_report()
    for to in ("diverifikasi", "dikerjakan", "selesai"):
        report.refresh_from_db()
        photo = photos.process(upload(photo_bytes()), "fix") if to == "selesai" else None
        workflow.change_status(report, to, dispatcher, version=report.version, photo=photo)
    run_jobs()
    fix = report.history.get(to_status="selesai")
    ask_if_fixed(now=fix.created + timedelta(days=settings.FIX_QUESTION_DAYS, hours=1))
    run_jobs()
    asked = [m for m in mail.outbox if "diperbaiki?" in m.subject][0]
    page, _ = phones.open(link(asked, "/diperbaiki/").removeprefix(site.url))
    page.check("input[name=fixed][value=no]")
    assert page.locator("input[name=rating]").count() == 0  # the survey replaced the 1-5 rating
    page.fill("#id_comment", "Lubangnya muncul lagi setelah hujan.")
    page.set_input_files("#id_photo", files=[{"name": "lagi.jpg", "mimeType": "image/jpeg",
                                              "buffer": photo_bytes(1200, 900)}])
    page.click("button.primary")
    page.wait_for_selector(".messages")
    assert "akan memeriksanya lagi" in page.inner_text(".messages")
    report.refresh_from_db()
    assert report.status == "diverifikasi"
    # The survey follows, on one page that fits the phone: eight questions, each a fieldset named by its legend.
    assert "/survei/" in page.url
    assert page.evaluate("document.documentElement.scrollWidth") <= 360  # no sideways scrolling
    legends = page.locator("fieldset.survey legend").all_inner_texts()
    assert len(legends) == 8 and legends[0].startswith("U1 · Persyaratan.")
    assert "U4 · Biaya/tarif" in page.inner_text(".not-asked")
    first = page.get_by_role("group", name=legends[0]).get_by_role("radio", name="Sangat sesuai")
    assert first.bounding_box()["height"] >= 13 and page.locator("label.check").first.bounding_box()["height"] >= 44
    phones.allow("HTTP 400 POST")  # nothing chosen: each element says so, nothing kept
    phones.allow("status of 400")
    page.click("button.primary")
    assert page.locator(".field-errors p").count() == 8
    for field in ("u1", "u2", "u3", "u5", "u6", "u7", "u8", "u9"):
        page.check(f"input[name={field}][value='3']")
    page.fill("#id_suggestion", "Mohon dicek lagi setelah hujan.")
    page.click("button.primary")
    page.wait_for_selector(".messages")
    assert "indeks kepuasan" in page.inner_text(".messages")
    assert "Lubangnya muncul lagi setelah hujan." in page.inner_text(".timeline")
    assert SurveyAnswer.objects.get(report=report).u5 == 3
