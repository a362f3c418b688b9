"""GeoJSON (RFC 7946) and CSV exports of reports, streamed so a million rows cost flat memory.

Rows come from the database in chunks with their point already as GeoJSON text
(ST_AsGeoJSON), so no geometry object is built per report. The reporter's phone and
e-mail are never selected, for any role.
"""

import csv
import io
import json
from collections import defaultdict
from datetime import datetime, time

from django import forms
from django.contrib.gis.db.models.functions import AsGeoJSON
from django.contrib.gis.geos import Polygon
from django.core.files.storage import default_storage
from django.db.models import F
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext_lazy as _

from geo.models import Kecamatan, Kelurahan
from reports.models import OPEN_STATUSES, STATUS_WORDS, Category, Photo, in_language

CHUNK = 2000
PUBLIC_FIELDS = ["code", "category", "category_name", "status", "created", "updated", "due_date", "overdue",
                 "kelurahan_code", "kelurahan", "kecamatan_code", "kecamatan", "crew", "support_count", "photos"]
STAFF_FIELDS = PUBLIC_FIELDS + ["hidden", "routing_problem", "reporter_name"]


def parse_moment(text, end=False):
    """The one meaning of a time bound in every interface: an ISO 8601 date-time, or a bare date, which as a
    start is the day's first moment and as an `end` its last (the whole day), in the city's time zone when
    the text names none. An aware datetime; None when it is no such moment."""
    try:
        day = parse_date(text)
        moment = datetime.combine(day, time.max if end else time.min) if day else parse_datetime(text)
    except ValueError:  # well formed, but no such day or time
        return None
    if moment is None or not 1900 <= moment.year <= 9000:  # outside that, time zone arithmetic overflows
        return None
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment)


def parse_bbox(text):
    """'minLon,minLat,maxLon,maxLat' as a polygon; django.forms.ValidationError saying what is wrong."""
    try:
        west, south, east, north = (float(part) for part in text.split(","))
    except ValueError:
        raise forms.ValidationError(_("Give minLon,minLat,maxLon,maxLat, e.g. 100.37,-0.49,100.44,-0.45."))
    if not (west < east and south < north):
        raise forms.ValidationError(_("The box must have minLon < maxLon and minLat < maxLat."))
    return Polygon.from_bbox((west, south, east, north))


class ExportFilter(forms.Form):
    bbox = forms.CharField(required=False, help_text="minLon,minLat,maxLon,maxLat")
    kelurahan = forms.ModelMultipleChoiceField(queryset=Kelurahan.objects.all(), to_field_name="code",
                                               required=False)
    kecamatan = forms.ModelChoiceField(queryset=Kecamatan.objects.all(), to_field_name="code", required=False)
    category = forms.ModelChoiceField(queryset=Category.objects.all(), to_field_name="slug", required=False)
    status = forms.ChoiceField(choices=[("", ""), *STATUS_WORDS], required=False)
    from_ = forms.CharField(required=False)
    to = forms.CharField(required=False)
    overdue = forms.NullBooleanField(required=False)

    def __init__(self, data, *args, **kwargs):
        data = data.copy()
        if "from" in data:
            data.setlist("from_", data.pop("from"))
        super().__init__(data, *args, **kwargs)

    def clean_from_(self):
        return self.moment("from_")

    def clean_to(self):
        return self.moment("to", end=True)

    def moment(self, field, end=False):
        text = self.cleaned_data[field]
        moment = parse_moment(text, end) if text else None
        if text and moment is None:
            raise forms.ValidationError(_("Give a date or date-time, e.g. 2026-11-28 or 2026-11-28T08:00:00+07:00."))
        return moment

    def clean_bbox(self):
        value = self.cleaned_data["bbox"]
        return parse_bbox(value) if value else None

    def errors_by_parameter(self):
        return {("from" if field == "from_" else field): messages for field, messages in self.errors.items()}

    def filter(self, reports):
        data = self.cleaned_data
        if data["bbox"] is not None:
            reports = reports.filter(location__intersects=data["bbox"])
        if data["kelurahan"]:
            reports = reports.filter(kelurahan__in=data["kelurahan"])
        if data["kecamatan"]:
            reports = reports.filter(kelurahan__kecamatan=data["kecamatan"])
        if data["category"]:
            reports = reports.of_category(data["category"])
        if data["status"]:
            reports = reports.in_status(data["status"])
        reports = reports.filed_between(data["from_"], data["to"])
        if data["overdue"] is True:
            reports = reports.overdue()
        return reports

    def download_name(self, extension):
        """laporan-2026-11-28-jalan-baru.geojson: what was filtered, and when."""
        data = self.cleaned_data
        parts = ["laporan", timezone.localdate().isoformat()]
        parts += [data["category"].slug] if data["category"] else []
        parts += [data["status"]] if data["status"] else []
        parts += [data["kecamatan"].code] if data["kecamatan"] else []
        parts += [k.code for k in data["kelurahan"]][:3]
        parts += ["terlambat"] if data["overdue"] else []
        return "-".join(parts) + "." + extension


def rows(reports, staff, absolute, after=0, chunk=CHUNK):
    """Dicts of the export's fields, one per report, `chunk` at a time by primary key (keyset paging from `after`).

    Plain values, not model instances, and the point as GeoJSON text from PostGIS: this is
    the loop a million-row export spends its time in.
    """
    columns = {
        "category_slug": F("category__slug"),
        "category_label": F(in_language("category__name_id", "category__name_en")),
        "kelurahan_code": F("kelurahan__code"),
        "kelurahan_name": F("kelurahan__name"),
        "kecamatan_code": F("kelurahan__kecamatan__code"),
        "kecamatan_name": F("kelurahan__kecamatan__name"),
        "crew_name": F("crew__name"),
        "point": AsGeoJSON("location", precision=6),
    }
    plain = ["code", "status", "created", "updated", "due_date", "support_count"]
    plain += ["hidden", "routing_problem", "reporter_name"] if staff else []
    today, last = timezone.localdate(), after
    while True:
        batch = list(reports.filter(pk__gt=last).order_by("pk").values("pk", *plain, **columns)[:chunk])
        if not batch:
            return
        photo_urls = defaultdict(list)
        for report_id, name in Photo.objects.filter(report_id__in=[r["pk"] for r in batch]).order_by(
                "position").values_list("report_id", "image"):
            photo_urls[report_id].append(absolute(default_storage.url(name)))
        for r in batch:
            row = {field: r[field] for field in ("pk", *plain)}
            row.update(
                category=r["category_slug"], category_name=r["category_label"], created=r["created"].isoformat(),
                updated=r["updated"].isoformat(), due_date=r["due_date"].isoformat(),
                overdue=r["status"] in OPEN_STATUSES and r["due_date"] < today,
                kelurahan_code=r["kelurahan_code"], kelurahan=r["kelurahan_name"],
                kecamatan_code=r["kecamatan_code"], kecamatan=r["kecamatan_name"], crew=r["crew_name"] or "",
                photos=photo_urls[r["pk"]], point=r["point"],
            )
            yield row
        last = batch[-1]["pk"]


def geojson_stream(rows_, fields):
    """A FeatureCollection (RFC 7946: longitude, latitude; no crs member), written as it is read."""
    yield '{"type":"FeatureCollection","features":['
    for number, row in enumerate(rows_):
        properties = json.dumps({field: row[field] for field in fields}, ensure_ascii=False)
        yield ("," if number else "") + f'{{"type":"Feature","geometry":{row["point"]},"properties":{properties}}}'
    yield "]}\n"


# A text cell starting so is run as a formula by spreadsheets (=HYPERLINK(...) in a reporter's name).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value):
    """Text that a spreadsheet would take for a formula, with a leading apostrophe (OWASP); numbers untouched."""
    return "'" + value if isinstance(value, str) and value.startswith(FORMULA_STARTS) else value


def csv_stream(rows_, fields):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["lon", "lat", *fields])
    for row in rows_:
        lon, lat = json.loads(row["point"])["coordinates"]
        values = [spreadsheet_safe(" ".join(v) if isinstance(v, list) else v) for v in (row[field] for field in fields)]
        writer.writerow([lon, lat, *values])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue()
