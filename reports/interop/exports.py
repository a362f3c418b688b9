"""GeoJSON (RFC 7946) and CSV exports of reports, streamed so a million rows cost flat memory.

PostgreSQL writes each report's feature or CSV line (reports.representation) and one COPY hands them over
a block at a time as it writes them: Python only passes bytes on.
"""

import csv

from django import forms
from django.db.models import Func, TextField
from django.http import JsonResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.views import APIView

from config.db_router import replica_alias
from geo.models import Kecamatan, Kelurahan
from offices.models import Office
from privacy import access
from privacy.models import ContactAccess
from reports import representation, roles
from reports.api.params import parse_bbox, parse_moment
from reports.api.schema import ERRORS, GEOJSON
from reports.models import STATUS_WORDS, Category, Report


class ExportFilter(forms.Form):
    bbox = forms.CharField(required=False, help_text="minLon,minLat,maxLon,maxLat")
    kelurahan = forms.ModelMultipleChoiceField(queryset=Kelurahan.objects.all(), to_field_name="code",
                                               required=False)
    kecamatan = forms.ModelChoiceField(queryset=Kecamatan.objects.all(), to_field_name="code", required=False)
    category = forms.ModelChoiceField(queryset=Category.objects.all(), to_field_name="slug", required=False)
    office = forms.ModelChoiceField(queryset=Office.objects.all(), to_field_name="slug", required=False)
    status = forms.ChoiceField(choices=[("", ""), *STATUS_WORDS], required=False)
    from_ = forms.CharField(required=False)
    to = forms.CharField(required=False)
    overdue = forms.NullBooleanField(required=False)
    # CSV only: representation.CsvDialect, for tools or for a spreadsheet set to Indonesian.
    dialect = forms.ChoiceField(choices=[(name, name) for name in representation.CSV_DIALECTS], required=False)
    # The older `sep=;` asked for semicolons, meant for the same spreadsheets: it gets their dialect.
    sep = forms.ChoiceField(choices=[(",", ","), (";", ";")], required=False)

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

    def csv_dialect(self):
        data = self.cleaned_data
        name = data["dialect"] or ("excel-id" if data["sep"] == ";" else "standar")
        return representation.CSV_DIALECTS[name]

    def clean_bbox(self):
        value = self.cleaned_data["bbox"]
        return parse_bbox(value) if value else None

    def errors_by_parameter(self):
        return {("from" if field == "from_" else field): messages for field, messages in self.errors.items()}

    def filter(self, reports):
        data = self.cleaned_data
        if data["bbox"] is not None:
            reports = reports.in_box(data["bbox"])
        if data["kelurahan"]:
            reports = reports.filter(kelurahan__in=data["kelurahan"])
        if data["kecamatan"]:
            reports = reports.filter(kelurahan__kecamatan=data["kecamatan"])
        if data["category"]:
            reports = reports.of_category(data["category"])
        if data["office"]:
            reports = reports.filter(office=data["office"])
        if data["status"]:
            reports = reports.in_status(data["status"])
        reports = reports.filed_between(data["from_"], data["to"])
        if data["overdue"] is True:
            reports = reports.overdue()
        return reports

    def narrows(self):
        """Whether a filter is asked for: without one, the export is (nearly) every report the user sees."""
        data = self.cleaned_data
        return any(data[field] for field in ("bbox", "kelurahan", "kecamatan", "category", "office", "status",
                                             "from_", "to")) or data["overdue"] is True

    def download_name(self, extension):
        """laporan-2026-11-28-jalan-baru.geojson: what was filtered, and when."""
        data = self.cleaned_data
        parts = ["laporan", timezone.localdate().isoformat()]
        parts += [data["category"].slug] if data["category"] else []
        parts += [data["office"].slug] if data["office"] else []
        parts += [data["status"]] if data["status"] else []
        parts += [data["kecamatan"].code] if data["kecamatan"] else []
        parts += [k.code for k in data["kelurahan"]][:3]
        parts += ["terlambat"] if data["overdue"] else []
        return "-".join(parts) + "." + extension


def geojson_stream(reports, feature, whole=False):
    """A FeatureCollection (RFC 7946: longitude, latitude; no crs member) of `feature` over `reports`: PostgreSQL
    writes every feature, each after a comma and ending its line (JSON allows the line breaks), and COPY hands
    them over a block at a time; Python passes the bytes on, and drops the comma before the first one only."""
    yield b'{"type":"FeatureCollection","features":['
    first = True
    after_comma = Func(feature, template="',' || (%(expressions)s)::text", output_field=TextField())
    for lines in representation.copied(reports, [after_comma], representation.JSON_LINES, whole):
        yield lines[1:] if first else lines
        first = False
    yield b"]}\n"


# Spreadsheets take the byte-order mark as "this is UTF-8" (Excel on Windows reads ANSI otherwise).
BOM = "\ufeff".encode()


def spreadsheet_stream(header, rows, dialect=representation.STANDARD):
    """A CSV of `rows` (sequences of values) under `header`, in a dialect (representation.CsvDialect) by the same
    rules as the exports: bytes to stream."""
    class Line:
        def write(self, text):
            return text.encode()

    writer = csv.writer(Line(), delimiter=dialect.separator, lineterminator="\n")
    yield BOM + writer.writerow(header)
    for row in rows:
        yield writer.writerow([dialect.cell(value) for value in row])


def csv_stream(reports, columns, dialect=representation.STANDARD, whole=False):
    """A header, then the CSV PostgreSQL's COPY writes of `columns` ((header, expression) pairs,
    representation.csv_columns in the same dialect) over `reports` (`whole`: representation.copied's)."""
    separator = dialect.separator
    yield BOM + separator.join(name for name, _ in columns).encode() + b"\n"
    options = f"FORMAT csv, DELIMITER '{separator}'"
    yield from representation.copied(reports, [expression for _, expression in columns], options, whole,
                                     dialect.date_style)


EXPORT_PARAMETERS = [
    OpenApiParameter("bbox", str, description="minLon,minLat,maxLon,maxLat"),
    OpenApiParameter("kelurahan", str, many=True, description="Kelurahan code; repeat for several."),
    OpenApiParameter("kecamatan", str, description="Kecamatan code."),
    OpenApiParameter("category", str, description="Category slug; a main category takes its sub-categories."),
    OpenApiParameter("office", str, description="Office slug: the reports that office answers."),
    OpenApiParameter("status", str, enum=list(dict(STATUS_WORDS)), description="A status, or open or closed."),
    OpenApiParameter("from", str, description="Filed from: a date (its first moment) or a date-time."),
    OpenApiParameter("to", str, description="Filed until: a date (the whole day) or a date-time."),
    OpenApiParameter("overdue", bool),
    OpenApiParameter("dialect", str, enum=list(representation.CSV_DIALECTS), description=(
        "CSV only: standar (commas, decimal points, ISO 8601 times; the default) or excel-id (semicolons, decimal "
        "commas, dd/mm/yyyy hh:mm times: what a spreadsheet set to Indonesian reads).")),
    OpenApiParameter("sep", str, enum=[",", ";"], description="CSV only, older: ; is dialect=excel-id."),
]


class StreamsItsOwnFormat(BaseContentNegotiation):
    """The exports answer in the format their URL names, whatever the Accept header or ?format= say."""

    def select_parser(self, request, parsers):
        return parsers[0]

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class ExportView(APIView):
    """GET /api/v1/reports.geojson and .csv: filtered, streamed, named after the filters and the day.

    Visitors get public reports and fields; planners, dispatchers and admins hidden reports and staff fields
    too; a crew member, the hidden reports of their crews (Report.objects.visible_to). Dispatchers and admins
    get the reporter's name too, and each report whose name they get is a row of the access log. Nobody gets the
    reporter's phone or e-mail.
    """

    fmt = "geojson"
    content_negotiation_class = StreamsItsOwnFormat

    @extend_schema(parameters=EXPORT_PARAMETERS, responses={
        (200, "application/geo+json"): GEOJSON, (200, "text/csv"): OpenApiTypes.STR, 400: ERRORS})
    def get(self, request):
        query = ExportFilter(request.GET)
        if not query.is_valid():
            return JsonResponse(query.errors_by_parameter(), status=400)
        shape = representation.EXPORT_STAFF if roles.sees_hidden(request.user) else representation.EXPORT
        reports = query.filter(Report.objects.using(replica_alias()).visible_to(request.user)).order_by("pk")
        if access.sees_contact(request.user):
            # The log is written on the primary (privacy.access): the same filter, whatever the replica lags.
            shape = representation.EXPORT_CONTACT
            access.record_reads(request.user, reports, ContactAccess.Channel.EXPORT)
        absolute = request.build_absolute_uri
        if self.fmt == "geojson":
            body = geojson_stream(reports, representation.feature(shape, absolute), whole=not query.narrows())
            response = StreamingHttpResponse(body, content_type="application/geo+json")
        else:
            dialect = query.csv_dialect()
            body = csv_stream(reports, representation.csv_columns(shape, absolute, dialect), dialect,
                              whole=not query.narrows())
            response = StreamingHttpResponse(body, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{query.download_name(self.fmt)}"'
        return response
