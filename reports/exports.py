"""GeoJSON (RFC 7946) and CSV exports of reports, streamed so a million rows cost flat memory.

PostgreSQL writes each report's feature or CSV line (reports.representation) and a server-side cursor
hands them over in chunks: Python only joins text.
"""

import itertools
from datetime import datetime, time

from django import forms
from django.contrib.gis.geos import Polygon
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext_lazy as _

from geo.models import Kecamatan, Kelurahan
from reports.models import STATUS_WORDS, Category


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


def batched(texts, size):
    """Lists of `size` texts (itertools.batched from Python 3.12)."""
    texts = iter(texts)
    while group := list(itertools.islice(texts, size)):
        yield group


def geojson_stream(features, batch=500):
    """A FeatureCollection (RFC 7946: longitude, latitude; no crs member) of features PostgreSQL wrote as text,
    sent as it is read, `batch` features to a write."""
    yield '{"type":"FeatureCollection","features":['
    separator = ""
    for group in batched(features, batch):
        yield separator + ",".join(group)
        separator = ","
    yield "]}\n"


def csv_stream(lines, fields, batch=500):
    """A header, then the CSV lines PostgreSQL wrote (representation.csv_line), `batch` lines to a write."""
    yield ",".join(["lon", "lat", *fields]) + "\r\n"
    for group in batched(lines, batch):
        yield "".join(group)
