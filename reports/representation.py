"""A report's properties, defined once as SQL expressions, so that PostgreSQL writes every interface's JSON and text.

The JSON API, nearby, duplicates, exports, OGC API items and Open311 take their fields from `properties()`;
an interface's own field names (Open311's, the exports' flat ones) are mapped in the shapes below, nowhere
else. Never the reporter's phone or e-mail; their name only when they chose to show it, and in a dispatcher's
export (EXPORT_CONTACT), whose every report read is logged (privacy.access).
"""

from datetime import datetime
from itertools import chain
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.gis.db.models.functions import AsGeoJSON
from django.core.exceptions import EmptyResultSet
from django.core.files.storage import default_storage
from django.db import connection
from django.db.models import BooleanField, Case, ExpressionWrapper, F, Func, TextField, Value, When
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast, Coalesce, Concat
from django.urls import reverse

from reports.models import OPEN_STATUSES, Report, Status, in_language, overdue_q

CODE_SLOT = "PP-000000"  # stands for the code in a URL reversed once per request


class JSONBuild(Func):
    """json_build_object, its keys in the order given (Django's JSONObject makes jsonb, which sorts them)."""

    function = "json_build_object"
    output_field = TextField()

    def __init__(self, **fields):
        super().__init__(*chain.from_iterable((Value(key), value) for key, value in fields.items()))


class AsJSON(Func):
    template = "(%(expressions)s)::json"
    output_field = TextField()


def city_offset():
    """The city's UTC offset, +07:00: taken once, as Indonesia keeps no summer time."""
    return datetime.now(ZoneInfo(settings.TIME_ZONE)).isoformat(timespec="seconds")[-6:]


class CityTime(Func):
    """A timestamp on the city's clock (settings.TIME_ZONE), whole seconds, with its offset:
    2026-11-28T08:05:00+07:00."""

    arg_joiner = " AT TIME ZONE "
    template = "to_char(%(expressions)s, 'YYYY-MM-DD\"T\"HH24:MI:SS') || %(offset)s"
    output_field = TextField()

    def __init__(self, field):
        super().__init__(F(field), Value(settings.TIME_ZONE), offset=f"'{city_offset()}'")


class DayEnd(Func):
    """A date's last second on the city's clock: Open311's expected_datetime (the crew has the whole day)."""

    template = "to_char(%(expressions)s, 'YYYY-MM-DD\"T23:59:59\"') || %(offset)s"
    output_field = TextField()

    def __init__(self, field):
        super().__init__(F(field), offset=f"'{city_offset()}'")


class Degrees(Func):
    """A coordinate of the point, to six decimals (about 0.1 m)."""

    template = "round(%(function)s(%(expressions)s)::numeric, 6)"
    output_field = TextField()


class Metres(Func):
    template = "round((%(expressions)s)::numeric, 1)"
    output_field = TextField()


class CsvCell(Func):
    """A value as a quoted CSV cell; text a spreadsheet would run as a formula gets a leading apostrophe (OWASP)."""

    template = (r"""'"' || replace(regexp_replace(coalesce((%(expressions)s)::text, ''), '^([-=+@\t\r])', '''\1'), """
                r"""'"', '""') || '"'""")
    output_field = TextField()


class CsvLine(Func):
    template = r"concat_ws(',', %(expressions)s) || E'\r\n'"
    output_field = TextField()


def photos_sql(select, where="", limit=""):
    """A correlated subquery over the report's published photos, in their order (the ORM has no ordered
    json_agg). A photo waiting for a dispatcher's review (Photo.published) is in no interface."""
    return (f"(SELECT {select} FROM (SELECT * FROM reports_photo p WHERE p.report_id = reports_report.id "
            f"AND p.published {where} ORDER BY p.position {limit}) p)")


def status_label():
    """The status's name in the request's language."""
    return Case(*(When(status=value, then=Value(str(label))) for value, label in Status.choices),
                output_field=TextField())


def overdue(today=None):
    return ExpressionWrapper(overdue_q(today), output_field=BooleanField())


def literal_sql(expression):
    """An expression on one report as literal SQL over the table reports_report (not aliased), for the queries
    written by hand (the vector tiles)."""
    query = Report.objects.all().query
    compiler = query.get_compiler(connection=connection)
    sql, params = expression.resolve_expression(query).as_sql(compiler, connection)
    with connection.cursor() as cursor:
        return cursor.mogrify(sql, params).decode()


def properties(absolute):
    """Every property a report shows, name -> expression; `absolute` makes a path a full URL (the request's)."""
    media = absolute(default_storage.url(""))
    before, after = absolute(reverse("report-detail", args=[CODE_SLOT])).split(CODE_SLOT)
    kelurahan = {"code": F("kelurahan__code"), "name": F("kelurahan__name")}
    kecamatan = {"code": F("kelurahan__kecamatan__code"), "name": F("kelurahan__kecamatan__name")}
    return {
        "code": F("code"),
        "category": F("category__slug"),
        "category_name": F(in_language("category__name_id", "category__name_en")),
        "status": F("status"),
        "status_label": status_label(),
        "open311_status": Case(When(status__in=OPEN_STATUSES, then=Value("open")), default=Value("closed")),
        "kelurahan": JSONBuild(**kelurahan),
        "kecamatan": JSONBuild(**kecamatan),
        "kelurahan_code": kelurahan["code"], "kelurahan_name": kelurahan["name"],
        "kecamatan_code": kecamatan["code"], "kecamatan_name": kecamatan["name"],
        "address": F("address"),
        "description": F("description"),
        "attributes": F("attributes"),
        "created": CityTime("created"),
        "updated": CityTime("updated"),
        "due_date": Func(F("due_date"), Value("YYYY-MM-DD"), function="to_char", output_field=TextField()),
        # Open311's expected_datetime: the crew has the whole due date.
        "due_end": DayEnd("due_date"),
        "overdue": overdue(),
        "support_count": F("support_count"),
        "name": Case(When(show_name=True, then=F("reporter_name")), default=Value("")),
        "photos": RawSQL(photos_sql("coalesce(json_agg(json_build_object('url', %s || p.image, 'thumbnail', "
                                    "%s || p.thumbnail, 'kind', p.kind)), '[]')"), (media, media)),
        "photo_urls": RawSQL(photos_sql("coalesce(json_agg(%s || p.image), '[]')"), (media,)),
        "photo_list": RawSQL(photos_sql("coalesce(string_agg(%s || p.image, ' '), '')"), (media,)),
        "media_url": RawSQL(photos_sql("coalesce(min(%s || p.image), '')", "AND p.kind = 'resident'", "LIMIT 1"),
                            (media,)),
        "url": Concat(Value(before), F("code"), Value(after)),
        "crew_name": Coalesce(F("crew__name"), Value("")),
        "status_notes": Coalesce(RawSQL(
            "(SELECT note FROM reports_statuschange h WHERE h.report_id = reports_report.id AND note <> '' "
            "ORDER BY h.created DESC, h.id DESC LIMIT 1)", ()), status_label()),
        "lat": Degrees("location", function="ST_Y"), "lon": Degrees("location", function="ST_X"),
        "blank": Value(""),
        # For staff only.
        "crew": Case(When(crew__isnull=False, then=JSONBuild(id=F("crew_id"), name=F("crew__name"))),
                     output_field=TextField()),
        "routing_problem": F("routing_problem"),
        "hidden": F("hidden"),
        "version": F("version"),
        "reporter_name": F("reporter_name"),
    }


# Each interface's fields, in its order: `name`, or `name=property` where it calls a property otherwise.
PUBLIC = ["code", "category", "category_name", "status", "status_label", "kelurahan", "kecamatan", "address",
          "description", "attributes", "created", "due_date", "overdue", "support_count", "name", "photos", "url"]
STAFF = [*PUBLIC, "crew", "routing_problem", "hidden", "version"]
MAP = ["code", "category", "status", "support_count"]
# What the reporter gets back on filing (with their private link, made in Python: it holds the secret).
FILED = ["code", "status", "status_label", "kelurahan", "kecamatan", "crew", "due_date", "url"]
# The exports and OGC API items: flat, as a GIS table or a spreadsheet has them.
EXPORT = ["code", "category", "category_name", "status", "created", "updated", "due_date", "overdue",
          "kelurahan_code", "kelurahan=kelurahan_name", "kecamatan_code", "kecamatan=kecamatan_name", "crew=crew_name",
          "support_count", "photos=photo_urls"]
EXPORT_STAFF = [*EXPORT, "hidden", "routing_problem"]
EXPORT_CONTACT = [*EXPORT_STAFF, "reporter_name"]
OPEN311 = [
    "service_request_id=code", "status=open311_status", "status_notes", "service_name=category_name",
    "service_code=category", "description", "agency_responsible=crew_name", "service_notice=blank",
    "requested_datetime=created", "updated_datetime=updated", "expected_datetime=due_end", "address",
    "address_id=blank", "zipcode=blank", "lat", "long=lon", "media_url",
]


def names(shape):
    """(name, property) pairs of a shape."""
    return [(name, column or name) for name, _, column in (field.partition("=") for field in shape)]


def fields(shape):
    return [name for name, _ in names(shape)]


def json_object(shape, absolute, **extra):
    """The shape's JSON object of a report, built by PostgreSQL; `extra` adds expressions (a distance)."""
    found = properties(absolute)
    return JSONBuild(**{name: found[column] for name, column in names(shape)}, **extra)


def feature(shape, absolute, with_id=False, **extra):
    """A GeoJSON Feature (RFC 7946) of a report with the shape's properties."""
    return JSONBuild(type=Value("Feature"), **({"id": F("code")} if with_id else {}),
                     geometry=AsJSON(AsGeoJSON("location", precision=6)),
                     properties=json_object(shape, absolute, **extra))


def csv_line(shape, absolute):
    """A report as one CSV line: lon, lat, then the shape's fields (a list's items separated by spaces)."""
    found = properties(absolute)
    found["photo_urls"] = found["photo_list"]
    return CsvLine(found["lon"], found["lat"], *(CsvCell(found[column]) for _, column in names(shape)))


def texts(reports, expression, chunk=2000):
    """The expression's text for each report, streamed from a server-side cursor `chunk` rows at a time."""
    return reports.annotate(text=Cast(expression, TextField())).values_list("text", flat=True).iterator(chunk)


def one(reports, expression):
    """The expression's text for the one report of `reports`, or None."""
    return reports.annotate(text=Cast(expression, TextField())).values_list("text", flat=True).first()


def json_array(reports, expression, keep=(), where="", order="", params=()):
    """One query: the JSON array (text) of `expression` over `reports`, in their order, or filtered (`where`)
    and ordered (`order`) by the annotations named in `keep`."""
    try:
        sql, inner = reports.annotate(item=expression).values("item", *keep).query.sql_with_params()
    except EmptyResultSet:  # a filter no report can pass (crew__in=[])
        return "[]"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT coalesce(json_agg(page.item {order and 'ORDER BY ' + order}), '[]')::text "
                       f"FROM ({sql}) page {where and 'WHERE ' + where}", (*inner, *params))
        return cursor.fetchone()[0]


def feature_collection(features_json):
    return f'{{"type":"FeatureCollection","features":{features_json}}}'


# The JSON API's shapes for its OpenAPI document (drf-spectacular takes these raw schemas).
TEXT, NUMBER, WHOLE, YES_NO = {"type": "string"}, {"type": "number"}, {"type": "integer"}, {"type": "boolean"}
PLACE = {"type": "object", "properties": {"code": TEXT, "name": TEXT}}
SCHEMAS = {
    "code": TEXT, "category": TEXT, "category_name": TEXT, "status": {"type": "string", "enum": Status.values},
    "status_label": TEXT, "kelurahan": PLACE, "kecamatan": PLACE, "address": TEXT, "description": TEXT,
    "attributes": {"type": "object", "additionalProperties": True},
    "created": {"type": "string", "format": "date-time"},
    "due_date": {"type": "string", "format": "date"}, "overdue": YES_NO, "support_count": WHOLE, "name": TEXT,
    "photos": {"type": "array", "items": {"type": "object", "properties": {
        "url": TEXT, "thumbnail": TEXT, "kind": TEXT}}},
    "url": {"type": "string", "format": "uri"},
    "crew": {"type": "object", "nullable": True, "properties": {"id": WHOLE, "name": TEXT}},
    "routing_problem": TEXT, "hidden": YES_NO, "version": WHOLE, "reporter_name": TEXT, "distance_m": NUMBER,
}


def feature_schema(shape):
    """The OpenAPI schema of a Feature of this shape (of the JSON API's: PUBLIC, STAFF, MAP)."""
    properties = {name: SCHEMAS[column] for name, column in names(shape)}
    return {"type": "object", "required": ["type", "geometry", "properties"], "properties": {
        "type": {"type": "string", "enum": ["Feature"]},
        "geometry": {"type": "object", "properties": {"type": TEXT, "coordinates": {"type": "array", "items": NUMBER}}},
        "properties": {"type": "object", "required": list(properties), "properties": properties}}}


def collection_schema(shape):
    return {"type": "object", "required": ["type", "features"], "properties": {
        "type": {"type": "string", "enum": ["FeatureCollection"]},
        "features": {"type": "array", "items": feature_schema(shape)}}}
