"""GeoJSON (RFC 7946) and CSV exports of reports, streamed so a million rows cost flat memory.

Rows come from the database in chunks with their point already as GeoJSON text
(ST_AsGeoJSON), so no geometry object is built per report. The reporter's phone and
e-mail are never selected, for any role.
"""

import csv
import io
import json

from django import forms
from django.contrib.gis.db.models.functions import AsGeoJSON
from django.contrib.gis.geos import Polygon
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from geo.models import Kecamatan, Kelurahan
from reports.models import Category, Status

CHUNK = 2000
PUBLIC_FIELDS = ["code", "category", "category_name", "status", "created", "updated", "due_date", "overdue",
                 "kelurahan_code", "kelurahan", "kecamatan_code", "kecamatan", "crew", "support_count", "photos"]
STAFF_FIELDS = PUBLIC_FIELDS + ["hidden", "routing_problem", "reporter_name"]


class ExportFilter(forms.Form):
    bbox = forms.CharField(required=False, help_text="minLon,minLat,maxLon,maxLat")
    kelurahan = forms.ModelMultipleChoiceField(queryset=Kelurahan.objects.all(), to_field_name="code",
                                               required=False)
    kecamatan = forms.ModelChoiceField(queryset=Kecamatan.objects.all(), to_field_name="code", required=False)
    category = forms.ModelChoiceField(queryset=Category.objects.all(), to_field_name="slug", required=False)
    status = forms.ChoiceField(choices=[("", ""), *Status.choices], required=False)
    from_ = forms.DateField(required=False)
    to = forms.DateField(required=False)
    overdue = forms.NullBooleanField(required=False)

    def __init__(self, data, *args, **kwargs):
        data = data.copy()
        if "from" in data:
            data.setlist("from_", data.pop("from"))
        super().__init__(data, *args, **kwargs)

    def clean_bbox(self):
        value = self.cleaned_data["bbox"]
        if not value:
            return None
        try:
            west, south, east, north = (float(part) for part in value.split(","))
        except ValueError:
            raise forms.ValidationError(_("Give minLon,minLat,maxLon,maxLat, e.g. 100.37,-0.49,100.44,-0.45."))
        if not (west < east and south < north):
            raise forms.ValidationError(_("The box must have minLon < maxLon and minLat < maxLat."))
        return Polygon.from_bbox((west, south, east, north))

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
            main = data["category"]
            reports = reports.filter(category__in=[main, *main.children.all()])
        if data["status"]:
            reports = reports.filter(status=data["status"])
        if data["from_"]:
            reports = reports.filter(created__date__gte=data["from_"])
        if data["to"]:
            reports = reports.filter(created__date__lte=data["to"])
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


def rows(reports, staff, absolute):
    """Dicts of the export's fields, one per report, fetched CHUNK at a time."""
    query = (
        reports.select_related("category", "kelurahan__kecamatan", "crew")
        .prefetch_related("photos")
        .annotate(point=AsGeoJSON("location", precision=6))
        .order_by("created", "pk")
    )
    today = timezone.localdate()
    for report in query.iterator(chunk_size=CHUNK):
        row = {
            "code": report.code,
            "category": report.category.slug,
            "category_name": report.category.name,
            "status": report.status,
            "created": report.created.isoformat(),
            "updated": report.updated.isoformat(),
            "due_date": report.due_date.isoformat(),
            "overdue": report.is_open and report.due_date < today,
            "kelurahan_code": report.kelurahan.code,
            "kelurahan": report.kelurahan.name,
            "kecamatan_code": report.kelurahan.kecamatan.code,
            "kecamatan": report.kelurahan.kecamatan.name,
            "crew": report.crew.name if report.crew else "",
            "support_count": report.support_count,
            "photos": [absolute(photo.image.url) for photo in report.photos.all()],
            "point": report.point,
        }
        if staff:
            row.update(hidden=report.hidden, routing_problem=report.routing_problem,
                       reporter_name=report.reporter_name)
        yield row


def geojson_stream(rows_, fields):
    """A FeatureCollection (RFC 7946: longitude, latitude; no crs member), written as it is read."""
    yield '{"type":"FeatureCollection","features":['
    for number, row in enumerate(rows_):
        properties = json.dumps({field: row[field] for field in fields}, ensure_ascii=False)
        yield ("," if number else "") + f'{{"type":"Feature","geometry":{row["point"]},"properties":{properties}}}'
    yield "]}\n"


def csv_stream(rows_, fields):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["lon", "lat", *fields])
    for row in rows_:
        lon, lat = json.loads(row["point"])["coordinates"]
        values = [" ".join(v) if isinstance(v, list) else v for v in (row[field] for field in fields)]
        writer.writerow([lon, lat, *values])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue()
