"""GET /api/v1/reports/nearby: true distances, order, filters, staff and public views, query count."""

import datetime

import pytest
from django.contrib.auth.models import Group

from geo.models import Crew
from reports.roles import CREW
from tests.conftest import bulk_reports, make_report

pytestmark = pytest.mark.django_db

# 1e-5 degree of latitude is 1.1057 m on the WGS 84 spheroid at this latitude.
METRES_PER_DEGREE_LAT = 110_574


def south(metres):
    """Degrees of latitude for `metres` south (make_report's `north`)."""
    return -metres / METRES_PER_DEGREE_LAT


def nearby(client, **params):
    return client.get("/api/v1/reports/nearby", {"lat": -0.460738, "lon": 100.417659, **params})


def test_reports_come_nearest_first_with_true_distances_within_the_radius(client):
    far, near, middle = make_report(north=south(900)), make_report(north=south(15)), make_report(north=south(400))
    make_report(north=south(1005))  # just outside the default 1,000 m
    features = nearby(client).json()["features"]
    assert [f["properties"]["code"] for f in features] == [near.code, middle.code, far.code]
    assert [f["properties"]["distance_m"] for f in features] == pytest.approx([15, 400, 900], abs=1)
    assert [f["properties"]["code"] for f in nearby(client, radius_m=100).json()["features"]] == [near.code]


def test_each_request_gets_its_own_point_from_the_statement_written_once(client):
    """The statement is written once for these filters, at a point nobody asks about: each request's point is its
    own (and a member's change of crew is seen at once: who asks is part of what the statement is kept under)."""
    here, there = make_report(north=south(10)), make_report(north=south(1800))
    at_there = {"lat": -0.460738 + south(1800)}
    assert [f["properties"]["code"] for f in nearby(client).json()["features"]] == [here.code]
    assert [f["properties"]["code"] for f in nearby(client, **at_there).json()["features"]] == [there.code]
    distances = [f["properties"]["distance_m"] for f in nearby(client, radius_m=5000).json()["features"]]
    assert distances == pytest.approx([10, 1800], abs=1)


def test_filters_combine(client):
    road, light = make_report(north=south(10)), make_report(north=south(20), slug="lampu-mati")
    make_report(north=south(30), status="dikerjakan")
    late = make_report(north=south(40), due_date=datetime.date(2020, 1, 1))
    codes = lambda **p: [f["properties"]["code"] for f in nearby(client, **p).json()["features"]]  # noqa: E731
    assert codes(category="penerangan-jalan") == [light.code]
    assert len(codes(status="dikerjakan")) == 1
    assert codes(overdue="true") == [late.code]
    assert codes(crew=road.crew_id, status="baru", category="jalan") == [road.code, late.code]
    assert nearby(client, overdue="true").json()["features"][0]["properties"]["overdue"] is True


@pytest.mark.parametrize(
    ("params", "field"),
    [({"radius_m": "20000"}, "radius_m"), ({"limit": "0"}, "limit"), ({"lat": "x"}, "lat"),
     ({"status": "hilang"}, "status"), ({"category": "jembatan"}, "category"), ({"crew": "abc"}, "crew")],
)
def test_a_bad_parameter_is_a_400_naming_it(client, params, field):
    response = nearby(client, **params)
    assert response.status_code == 400 and field in response.json()


def test_visitors_get_public_fields_and_crews_the_staff_view(client, django_user_model):
    report = make_report(north=south(10))
    hidden = make_report(north=south(20), hidden=True)
    public = nearby(client).json()["features"]
    assert [f["properties"]["code"] for f in public] == [report.code]
    assert "crew" not in public[0]["properties"] and "version" not in public[0]["properties"]

    member = django_user_model.objects.create_user("andi", password="x")
    member.groups.add(Group.objects.get(name=CREW))
    Crew.objects.get(pk=report.crew_id).members.add(member)
    client.force_login(member)
    staff = nearby(client).json()["features"]
    assert [f["properties"]["code"] for f in staff] == [report.code, hidden.code]
    assert staff[0]["properties"]["crew"]["name"] == "Tim Jalan Padang Panjang Timur"
    for feature in public + staff:
        assert "0812 0000 1111" not in str(feature) and "a@example.org" not in str(feature)


def test_the_crews_list_is_verified_work_and_their_own_fixed_reports_never_new_or_hidden(client, django_user_model):
    verified = make_report(north=south(10), status="diverifikasi")
    working = make_report(north=south(20), status="dikerjakan")
    fixed = make_report(north=south(30), status="selesai")
    make_report(north=south(40))  # new: not yet verified ("send to crew" is verifying)
    make_report(north=south(50), status="dikerjakan", hidden=True)  # hidden, even in their own crew
    others = make_report(north=south(60), slug="lampu-mati", status="selesai")  # another crew's fixed report
    member = django_user_model.objects.create_user("andi", password="x")
    member.groups.add(Group.objects.get(name=CREW))
    Crew.objects.get(pk=verified.crew_id).members.add(member)
    assert others.crew_id != verified.crew_id
    client.force_login(member)
    work = nearby(client, work="true").json()["features"]
    assert [f["properties"]["code"] for f in work] == [verified.code, working.code, fixed.code]
    assert work[0]["properties"]["photos"] == [] and work[0]["properties"]["due_date"]


def test_the_query_count_does_not_grow_with_the_results(client, django_assert_num_queries):
    for metres in (10, 20, 30, 40, 50):
        make_report(north=south(metres))
    first = nearby(client).content  # PREPAREs the statement, if this connection has not yet
    with django_assert_num_queries(1) as queries:  # the features, photos and all, JSON written by PostgreSQL
        again = nearby(client)
    assert queries.captured_queries[0]["sql"].startswith("EXECUTE ")  # planned once per connection
    assert again.content == first and len(again.json()["features"]) == 5


def test_the_nearest_first_order_comes_from_the_spatial_index(client):
    """The API's own SQL, captured and explained: an index scan ordered by <-> on the location's GiST index."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    bulk_reports(200, spread=0.02)  # enough rows for the planner to prefer the index
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE reports_report")
    with CaptureQueriesContext(connection) as queries:
        nearby(client, limit=5)
    sql = next(q["sql"] for q in queries.captured_queries if q["sql"].startswith("EXECUTE "))  # PREPAREd, then run
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + sql)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "Index Scan using reports_report_location" in plan and "Order By: (location <->" in plan
