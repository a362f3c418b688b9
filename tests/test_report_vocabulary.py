"""The same words mean the same in every interface: `open` and `closed`, a main category, a bare date."""

import json
from datetime import datetime

import pytest
from django.utils import timezone

from reports.models import Report
from tests.conftest import make_report
from tests.images import GANTING_GPS

pytestmark = pytest.mark.django_db
# Late on 10 March in the city: a bare end date 2026-03-10 means the whole day, so it takes this report.
LATE_EVENING = timezone.make_aware(datetime(2026, 3, 10, 23, 30))


def exported(client, **params):
    response = client.get("/api/v1/reports.geojson", params)
    assert response.status_code == 200, response.content
    return {f["properties"]["code"] for f in json.loads(b"".join(response.streaming_content))["features"]}


def ogc(client, **params):
    response = client.get("/ogcapi/collections/reports/items", params)
    assert response.status_code == 200, response.content
    return {f["id"] for f in response.json()["features"]}


def open311(client, **params):
    response = client.get("/open311/v2/requests.json", params)
    assert response.status_code == 200, response.content
    return {r["service_request_id"] for r in response.json()}


def nearby(client, **params):
    response = client.get("/api/v1/reports/nearby", {"lat": GANTING_GPS[0], "lon": GANTING_GPS[1], **params})
    assert response.status_code == 200, response.content
    return {f["properties"]["code"] for f in response.json()["features"]}


@pytest.fixture
def reports():
    return {"open": make_report(), "fixed": make_report(lat=GANTING_GPS[0] + 0.0001, status="selesai"),
            "light": make_report("lampu-mati", lat=GANTING_GPS[0] + 0.0002, status="dikerjakan")}


@pytest.mark.parametrize("interface", [exported, ogc, open311, nearby])
def test_open_and_closed_are_accepted_wherever_a_status_is(client, reports, interface):
    assert interface(client, status="open") == {reports["open"].code, reports["light"].code}
    assert interface(client, status="closed") == {reports["fixed"].code}


@pytest.mark.parametrize(("interface", "parameter"), [(exported, "category"), (ogc, "category"),
                                                      (open311, "service_code"), (nearby, "category")])
def test_a_main_category_takes_its_sub_categories_everywhere(client, reports, interface, parameter):
    assert interface(client, **{parameter: "penerangan-jalan"}) == {reports["light"].code}


@pytest.mark.parametrize(("interface", "bounds"), [
    (exported, {"from": "2026-03-10", "to": "2026-03-10"}),
    (ogc, {"datetime": "2026-03-10/2026-03-10"}),
    (ogc, {"datetime": "2026-03-10"}),
    (open311, {"start_date": "2026-03-10", "end_date": "2026-03-10"}),
])
def test_a_bare_end_date_is_the_whole_day_in_the_citys_time_zone(client, interface, bounds):
    evening = make_report()
    Report.objects.filter(pk=evening.pk).update(created=LATE_EVENING)
    next_morning = make_report(lat=GANTING_GPS[0] + 0.0001)
    Report.objects.filter(pk=next_morning.pk).update(created=timezone.make_aware(datetime(2026, 3, 11, 0, 30)))
    assert interface(client, **bounds) == {evening.code}
