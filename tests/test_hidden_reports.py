"""One rule for hidden reports (Report.objects.visible_to): dispatchers, planners and administrators see them
all, a crew member those of their own crews, nobody else any."""

import pytest

from reports.models import Report
from tests.conftest import make_report, staff_user, verified_login

pytestmark = pytest.mark.django_db


@pytest.fixture
def hidden():
    return Report.objects.get(pk=make_report(hidden=True, status="dikerjakan").pk)  # the east's road crew


def sees(client, user, report):
    """What `user` finds of `report`: in nearby, on the crew page, in the export, and by changing its status."""
    verified_login(client, user)
    nearby = client.get("/api/v1/reports/nearby", {"lat": report.location.y, "lon": report.location.x}).json()
    export = client.get("/api/v1/reports.geojson").streaming_content
    return {
        "nearby": report.code in [f["properties"]["code"] for f in nearby["features"]],
        "page": client.get(f"/petugas/laporan/{report.code}/").status_code == 200,
        "export": report.code.encode() in b"".join(export),
        "status": client.post(f"/api/v1/reports/{report.code}/status",
                              {"status": "selesai", "version": report.version}).status_code != 404,
    }


def test_the_assigned_crew_sees_its_hidden_report_and_another_crew_does_not(client, django_user_model, hidden):
    own = staff_user(django_user_model, "andi", "crew", hidden.crew.name)
    other = staff_user(django_user_model, "rina", "crew", "Tim Jalan Padang Panjang Barat")
    assert sees(client, own, hidden) == {"nearby": True, "page": True, "export": True, "status": True}
    assert sees(client, other, hidden) == {"nearby": False, "page": False, "export": False, "status": False}


@pytest.mark.parametrize("role", ["dispatcher", "planner"])
def test_dispatchers_and_planners_see_every_hidden_report(client, django_user_model, hidden, role):
    found = sees(client, staff_user(django_user_model, "dewi", role), hidden)
    assert found["nearby"] and found["page"] and found["export"]


def test_the_public_sees_no_hidden_report(client, hidden):
    assert client.get(f"/laporan/{hidden.code}/").status_code == 404
    assert client.get(f"/api/v1/reports/{hidden.code}").status_code == 404
