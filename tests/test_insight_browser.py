"""A planner's phone (360 x 740) against the production server: the hotspot map draws its clusters and recurring
places, and the response-time page's charts and tables fit the screen; no console error, no failed request, no
accessibility violation axe finds."""

import datetime
import zoneinfo

import pytest
import time_machine

from reports.models import Report
from tests.conftest import make_report, signed_in_browser, staff_user
from tests.test_accessibility import violations

pytestmark = pytest.mark.django_db(transaction=True)

JAKARTA = zoneinfo.ZoneInfo("Asia/Jakarta")
FILED = datetime.datetime(2026, 11, 2, 9, 0, tzinfo=JAKARTA)  # a Monday, within the pages' windows of today
METRE = 1 / 111_320


def signed_in_planner(phones, django_user_model, path):
    return signed_in_browser(phones, staff_user(django_user_model, "rina", "planner"), path)


def test_a_planner_reads_hotspots_and_response_times_on_a_phone(phones, django_user_model):
    with time_machine.travel(FILED, tick=False):
        spot = [make_report(north=n * 10 * METRE) for n in range(3)]
    Report.objects.filter(pk=spot[0].pk).update(status="selesai", fixed_at=FILED + datetime.timedelta(days=1))
    with time_machine.travel(FILED + datetime.timedelta(days=3), tick=False):
        make_report(north=5 * METRE)  # came back after the fix
    page = signed_in_planner(phones, django_user_model, "/statistik/titik-rawan/")
    page.goto(phones.url + "/statistik/titik-rawan/?eps=15&minpoints=2&days=30")
    page.wait_for_selector("#map path.leaflet-interactive", state="attached")
    assert page.locator("#map path.leaflet-interactive").count() >= 3  # the hull, its centre, the recurring place
    assert page.locator(".insight-list li").count() == 2
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert violations(page) == []
    page.goto(phones.url + "/statistik/waktu-tanggap/")
    assert page.locator("svg.chart rect.median").count() == 12
    assert page.locator("svg.chart").first.bounding_box()["width"] <= 360
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert violations(page) == []
