"""The two CSV dialects opened as their readers open them: "CSV untuk Excel (Indonesia)" by LibreOffice Calc set to
Indonesian (where `.` groups thousands: 100.405 was read as 100405), "CSV standar" by GDAL and by Calc set to
English, each cell read back from the sheet Calc writes.

Calc runs headless (Debian's libreoffice-calc-nogui, `make setup-test`) with its own profile in the test's folder.
"""

import datetime
import json
import subprocess
import xml.etree.ElementTree as ET

import pytest
from django.contrib.gis.geos import Point

from reports.models import Report
from tests.conftest import make_report

pytestmark = pytest.mark.django_db

# Coordinates as residents' phones give them: with three decimals (those Calc used to misread), six, and more
# (the exports round to six).
PLACES = [(100.405, -0.463), (100.4059, -0.46071), (100.401234, -0.460077), (100.40278914, -0.46511149)]
FILED = datetime.datetime(2026, 12, 6, 7, 5, 31, tzinfo=datetime.UTC)  # 14:05 in Padangpanjang
FIXED = FILED + datetime.timedelta(days=2, hours=12)
# LibreOffice's CSV filter options: separator, text delimiter (34: "), character set (76: UTF-8), first line, column
# formats (none: detected), language (1057: Indonesian, 1033: English (US)), quoted fields as text (no), detect
# special numbers (dates: yes).
INDONESIAN = "CSV:59,34,76,1,,1057,false,true"
ENGLISH = "CSV:44,34,76,1,,1033,false,true"

TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"


@pytest.fixture
def reports():
    filed = []
    for lon, lat in PLACES:
        report = make_report(lat=-0.4608, lon=100.4034, description="Lubang; dalam, \"lebar\"\nbaris dua")
        # Stored where the test says, whatever lookup would allow: the kelurahan stays the one found.
        Report.objects.filter(pk=report.pk).update(location=Point(lon, lat, srid=4326), created=FILED,
                                                   fixed_at=FIXED)
        filed.append(report.code)
    return filed


def calc_cells(csv_path, options, tmp_path):
    """The sheet LibreOffice Calc makes of the CSV with the filter options given: {(row, header): (type, value)},
    rows from 0 after the header; a number's value as a float, a date's as its ISO text, text as it shows."""
    out = tmp_path / "calc"
    subprocess.run(["soffice", f"-env:UserInstallation=file://{tmp_path}/profile", "--headless",
                    f"--infilter={options}", "--convert-to", "fods", "--outdir", str(out), str(csv_path)],
                   check=True, capture_output=True, timeout=120)
    sheet = ET.parse(out / (csv_path.stem + ".fods")).getroot()
    rows = []
    for row in sheet.iter(TABLE + "table-row"):
        cells = []
        for cell in row.iter(TABLE + "table-cell"):
            kind = cell.get(OFFICE + "value-type")
            value = {"float": lambda c: float(c.get(OFFICE + "value")),
                     "date": lambda c: c.get(OFFICE + "date-value")}.get(kind, lambda c: "\n".join(
                         "".join(p.itertext()) for p in c))(cell)
            cells += [(kind, value)] * min(int(cell.get(TABLE + "number-columns-repeated", "1")), 64)
        if any(kind for kind, _ in cells):
            rows.append(cells)
    header = [value for _, value in rows[0]]
    return {(n, name): cell for n, row in enumerate(rows[1:]) for name, cell in zip(header, row, strict=False)}


def stored_degrees():
    """Each report's stored coordinates rounded to six decimals, by code."""
    return {r.code: (round(r.location.x, 6), round(r.location.y, 6)) for r in Report.objects.all()}


def download(client, tmp_path, name, **query):
    path = tmp_path / name
    path.write_bytes(b"".join(client.get("/api/v1/reports.csv", query).streaming_content))
    return path


@pytest.mark.parametrize(("dialect", "options"), [("excel-id", INDONESIAN), ("standar", ENGLISH)])
def test_calc_reads_every_coordinate_date_and_decimal_back_exactly(client, reports, tmp_path, dialect, options):
    cells = calc_cells(download(client, tmp_path, "laporan.csv", dialect=dialect), options, tmp_path)
    expected = stored_degrees()
    read = {cells[(n, "code")][1]: (cells[(n, "lon")], cells[(n, "lat")]) for n in range(len(reports))}
    assert sorted(read) == sorted(reports)
    for code, (lon, lat) in read.items():
        assert (lon, lat) == (("float", expected[code][0]), ("float", expected[code][1])), code
    for n in range(len(reports)):
        assert cells[(n, "days_to_fix")] == ("float", 2.5)
        assert cells[(n, "description")] == ("string", "Lubang; dalam, \"lebar\"\nbaris dua")
        if dialect == "excel-id":  # a date Calc can sort and compute with, to the minute
            assert cells[(n, "created_wib")] == ("date", "2026-12-06T14:05:00")
            assert cells[(n, "fixed_wib")] == ("date", "2026-12-09T02:05:00")
            assert cells[(n, "due_date")][0] == "date"
        else:  # ISO 8601 with the offset: text in a spreadsheet, a time for tools (below)
            assert cells[(n, "created_wib")] == ("string", "2026-12-06T14:05:31+07:00")


def test_the_old_points_would_be_misread_in_indonesian(client, reports, tmp_path):
    """What the issue saw, kept as the reason for the dialect: the standard CSV opened as Indonesian loses the
    coordinates (100.405 becomes 100405, or stays text)."""
    path = download(client, tmp_path, "standar.csv", dialect="standar")
    cells = calc_cells(path, INDONESIAN.replace("59,", "44,", 1), tmp_path)
    misread = [cells[(n, "lon")] for n in range(len(reports))]
    assert ("float", 100405.0) in misread and all(cell != ("float", 100.405) for cell in misread)


def test_gdal_reads_the_standard_csv_as_points_with_times(client, reports, tmp_path):
    path = download(client, tmp_path, "laporan.csv")
    converted = subprocess.run(
        ["ogr2ogr", "-f", "GeoJSON", "/vsistdout/", str(path), "-oo", "X_POSSIBLE_NAMES=lon",
         "-oo", "Y_POSSIBLE_NAMES=lat", "-oo", "AUTODETECT_TYPE=YES", "-oo", "KEEP_GEOM_COLUMNS=NO"],
        capture_output=True, text=True, check=True)
    assert "ERROR" not in converted.stderr and "Warning" not in converted.stderr
    features = {f["properties"]["code"]: f for f in json.loads(converted.stdout)["features"]}
    expected = stored_degrees()
    assert sorted(features) == sorted(reports)
    for code, feature in features.items():
        assert tuple(feature["geometry"]["coordinates"]) == expected[code]
        assert feature["properties"]["days_to_fix"] == 2.5
        assert feature["properties"]["created_wib"] == "2026-12-06T14:05:31+07:00"
    info = subprocess.run(["ogrinfo", "-ro", "-so", "-al", "-oo", "X_POSSIBLE_NAMES=lon", "-oo",
                           "Y_POSSIBLE_NAMES=lat", "-oo", "AUTODETECT_TYPE=YES", str(path)],
                          capture_output=True, text=True, check=True).stdout
    assert "created_wib: DateTime" in info and "days_to_fix: Real" in info and "Geometry: Point" in info
