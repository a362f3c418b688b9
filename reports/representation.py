"""A report's properties, defined once as SQL expressions, so that PostgreSQL writes every interface's JSON and text.

The JSON API, nearby, duplicates, exports, OGC API items and Open311 take their fields from `properties()`;
an interface's own field names (Open311's, the exports' flat ones) are mapped in the shapes below, nowhere
else. Never the reporter's phone or e-mail; their name only when they chose to show it, and in a dispatcher's
export (EXPORT_CONTACT), whose every report read is logged (privacy.access).
"""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from itertools import chain
from zoneinfo import ZoneInfo

import greenlet
from django.conf import settings
from django.contrib.gis.db.models.functions import AsGeoJSON
from django.core.exceptions import EmptyResultSet
from django.core.files.storage import default_storage
from django.db import connection, connections
from django.db.models import (
    BooleanField,
    Case,
    ExpressionWrapper,
    F,
    Func,
    TextField,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast, Coalesce, Concat
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from psycopg2.errors import QueryCanceled

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


def field_or(expression):
    return F(expression) if isinstance(expression, str) else expression


class CityTime(Func):
    """A timestamp (a field's name or an expression) on the city's clock, whole seconds, with its offset:
    2026-11-28T08:05:00+07:00. The offset is a fixed interval (city_offset): a time zone looked up by name for
    every row cost more than the rest of a row. The timestamp's own text (the connection's DateStyle is ISO:
    2026-11-28 08:05:00.123456) cut to its seconds by a cast to varchar(19), which truncates as to_char does,
    and its space made a T: five time columns of 100,000 reports cost PostgreSQL 50 ms more than the bare
    columns, against 80-90 ms with to_char (docs/figures.md). A missing time stays NULL: null in JSON, an empty CSV
    cell."""

    template = "replace((%(expressions)s AT TIME ZONE INTERVAL %(offset)s)::text::varchar(19), ' ', 'T') || %(offset)s"
    output_field = TextField()

    def __init__(self, field):
        super().__init__(field_or(field), offset=f"'{city_offset()}'")


class DayFirst(Func):
    """A timestamp on the city's clock to the minute, as day/month/year: 06/12/2026 14:05. Its own text in the
    DateStyle SQL, DMY (06/12/2026 14:05:31.123456), which only the excel-id CSV's COPY sets
    (CsvDialect.date_style), cut to the minute by a cast to varchar(16): five time columns of 100,000 reports cost
    PostgreSQL 10-20 ms more than the bare columns, against 90 ms with to_char (docs/figures.md)."""

    template = "(%(expressions)s AT TIME ZONE INTERVAL %(offset)s)::text::varchar(16)"
    output_field = TextField()

    def __init__(self, field):
        super().__init__(field_or(field), offset=f"'{city_offset()}'")


class DayEnd(Func):
    """A date's last second on the city's clock: Open311's expected_datetime (the crew has the whole day)."""

    template = "%(expressions)s::text || 'T23:59:59' || %(offset)s"
    output_field = TextField()

    def __init__(self, field):
        super().__init__(F(field), offset=f"'{city_offset()}'")


class Degrees(Func):
    """A coordinate of the point, to six decimals (about 0.1 m), as a number (rounded in floating point: a
    conversion to numeric for every row cost several times the rest of it)."""

    template = "round(%(function)s(%(expressions)s) * 1000000) / 1000000"
    output_field = TextField()


class Metres(Func):
    template = "round((%(expressions)s)::numeric, 1)"
    output_field = TextField()


class DecimalComma(Func):
    """A number's text with a decimal comma: 100,405123."""

    template = "replace((%(expressions)s)::text, '.', ',')"
    output_field = TextField()


class DaysBetween(Func):
    """Days from one moment to a later one, to a tenth (the statistics' fix times are counted in tenths too)."""

    template = "round((extract(epoch FROM %(expressions)s) / 86400)::numeric, 1)"
    arg_joiner = " - "
    output_field = TextField()


class CsvText(Func):
    """Text a spreadsheet would run as a formula (starting with = + - @, a tab or a carriage return) gets a leading
    apostrophe (OWASP's advice); COPY quotes the cell where CSV needs it."""

    output_field = TextField()

    def as_sql(self, compiler, connection, **extra):
        expression = self.source_expressions[0]
        text, params = compiler.compile(expression)
        if any(isinstance(node, RawSQL) for node in expression.flatten()):
            # A subquery's text is read once: a CASE would run the subquery for its test and again for its value.
            return rf"regexp_replace({text}, '^([=+@\t\r-])', '''\1')", params
        # Every formula's start sorts before "A": one comparison of the first byte (in "C" order) clears most
        # cells, and only the rest compare the first character's code with each start.
        starts = ", ".join(str(ord(character)) for character in FORMULA_STARTS)
        return (f"CASE WHEN {text} >= 'A' COLLATE \"C\" THEN {text} WHEN ascii({text}) IN ({starts}) "
                f"THEN '''' || {text} ELSE {text} END", params * 5)


class AsDigit(Func):
    """A yes/no as 1 or 0: what a spreadsheet sums and GDAL reads as an integer."""

    template = "(%(expressions)s)::int"
    output_field = TextField()


def photo_array(item, where=""):
    """An array of `item` over the report's published photos, in their order (ARRAY(subquery): cheaper per report
    than an aggregate over a sorted subquery, and the ORM has no ordered json_agg). A photo waiting for a
    dispatcher's review (Photo.published) is in no interface."""
    return (f"ARRAY(SELECT {item} FROM reports_photo p WHERE p.report_id = reports_report.id AND p.published "
            f"{where} ORDER BY p.position)")


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


# The moments of a report's life, as its timestamp columns: filed, last changed, verified (its first move to
# verified, in progress or fixed: a dispatcher accepted it), first marked fixed, and closed (its last move to closed,
# rejected or duplicate, while it is still so). reports.workflow.moved writes them with the status.
MOMENTS = {"created": "created", "updated": "updated", "verified": "verified_at", "fixed": "fixed_at",
           "closed": "closed_at"}


def moment(name):
    """A moment of MOMENTS as an expression."""
    return F(MOMENTS[name])


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
        **{name: CityTime(moment(name)) for name in MOMENTS},
        "days_to_fix": DaysBetween(F("fixed_at"), F("created")),
        # The code of the report it was merged into.
        "duplicate_of": RawSQL("(SELECT d.code FROM reports_report d WHERE d.id = reports_report.duplicate_of_id)",
                               ()),
        # The complaint's ID in LAPOR!-SP4N, handed to it or from it (one LAPOR! link, one forwarding a link).
        "lapor_tracking_id": RawSQL(
            "(SELECT f.external_id FROM forwarding_forwarding f JOIN forwarding_link l ON l.id = f.link_id "
            "WHERE f.report_id = reports_report.id AND l.kind = 'lapor' AND f.external_id <> '')", ()),
        "due_date": Cast("due_date", TextField()),  # YYYY-MM-DD: the connection's DateStyle is ISO
        # Open311's expected_datetime: the crew has the whole due date.
        "due_end": DayEnd("due_date"),
        "overdue": overdue(),
        "support_count": F("support_count"),
        "name": Case(When(show_name=True, then=F("reporter_name")), default=Value("")),
        "photos": RawSQL("to_json(" + photo_array("json_build_object('url', %s || p.image, 'thumbnail', "
                                                  "%s || p.thumbnail, 'kind', p.kind)") + ")", (media, media)),
        "photo_list": RawSQL(f"array_to_string({photo_array('%s || p.image')}, ' ')", (media,)),
        # The first published resident's photo: one row of the index reports_photo_published.
        "media_url": RawSQL("coalesce((SELECT %s || p.image FROM reports_photo p WHERE p.report_id = reports_report.id "
                            "AND p.published AND p.kind = 'resident' ORDER BY p.position LIMIT 1), '')", (media,)),
        "url": Concat(Value(before), F("code"), Value(after)),
        "crew_name": Coalesce(F("crew__name"), Value("")),
        "office_name": Coalesce(F("office__name"), Value("")),  # the office that answers it
        # The latest public note: the first entry of the index reports_history_public_note, read alone.
        "status_notes": Coalesce(RawSQL(
            "(SELECT note FROM reports_statuschange h WHERE h.report_id = reports_report.id AND note <> '' AND public "
            "ORDER BY h.created DESC, h.id DESC LIMIT 1)", ()), status_label()),
        "lat": Degrees("location", function="ST_Y"), "lon": Degrees("location", function="ST_X"),
        "blank": Value(""),
        # The asset it is about (assets/): its kind, the city's identifier and the id the tiles give it; or null.
        "asset": RawSQL("(SELECT json_build_object('kind', k.code, 'identifier', a.identifier, 'id', a.id) "
                        "FROM assets_asset a JOIN assets_assetkind k ON k.id = a.kind_id "
                        "WHERE a.id = reports_report.asset_id)", ()),
        # The same flat, for the exports' columns: joinable to an asset layer by its identifier.
        "asset_id": F("asset_id"),
        "asset_identifier": RawSQL("coalesce((SELECT a.identifier FROM assets_asset a "
                                   "WHERE a.id = reports_report.asset_id), '')", ()),
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
          "description", "attributes", "created", "due_date", "overdue", "support_count", "name", "photos", "url",
          "asset"]
STAFF = [*PUBLIC, "crew", "routing_problem", "hidden", "version"]
MAP = ["code", "category", "status", "support_count"]
# "Laporan saya" on a phone: where each of its reports is now.
MINE = ["code", "category_name", "status", "status_label", "updated", "url"]
# What the reporter gets back on filing (with their private link, made in Python: it holds the secret).
FILED = ["code", "status", "status_label", "kelurahan", "kecamatan", "crew", "due_date", "url"]
# The exports and OGC API items: flat, as a GIS table or a spreadsheet has them (photos: URLs separated by spaces,
# a text field that survives conversion to a Shapefile, which has no lists).
# What a planner reads a report for: the resident's text as public pages show it (redacted in place), the answers
# to the category's questions (by question code; a CSV holds them as JSON text), the moments of its life (empty
# until they happen), where it went (duplicate_of, LAPOR!), the asset it is about (joinable to its layer by the
# city's identifier) and its public page.
EXPORT = ["code", "category", "category_name", "status", "description", "address", "answers=attributes",
          "created", "verified", "fixed", "closed", "updated", "days_to_fix", "due_date", "overdue", "duplicate_of",
          "lapor_tracking_id", "asset_id", "asset_identifier", "kelurahan_code", "kelurahan=kelurahan_name",
          "kecamatan_code", "kecamatan=kecamatan_name", "crew=crew_name", "office=office_name", "support_count",
          "photos=photo_list", "url"]
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
    return Compiled(("object", tuple(shape)), lambda: _json_object(shape, absolute), absolute, extra)


def feature(shape, absolute, **extra):
    """A GeoJSON Feature (RFC 7946) of a report, identified by its code, with the shape's properties; `extra`
    adds properties."""
    return Compiled(("feature", tuple(shape)), lambda: _feature(shape, absolute), absolute, extra)


def _json_object(shape, absolute):
    found = properties(absolute)
    return JSONBuild(**{name: found[column] for name, column in names(shape)})


def _feature(shape, absolute):
    return JSONBuild(type=Value("Feature"), id=F("code"), geometry=AsJSON(AsGeoJSON("location", precision=6)),
                     properties=_json_object(shape, absolute))


# The tables the representation reads beside reports_report, joined by the paths it follows.
JOINED = (F("category__name_id"), F("kelurahan__kecamatan__name"), F("crew__name"), F("office__name"))


class Compiled(Func):
    """A representation's JSON, compiled to SQL once per shape, language, site and photo address and day, then
    reused.

    Building and compiling its thirty-odd expressions cost Django several times what PostgreSQL takes to run a
    page of them. The SQL is compiled on a plain query of reports, where each joined table goes by its own
    name; resolving JOINED gives any other query of reports the same joins under the same names (a filter's
    join on the same path is reused, as Django does for foreign keys). `extra` expressions are compiled in the
    query at hand and added last to the object (a Feature's properties).
    """

    output_field = TextField()

    def __init__(self, key, build, absolute, extra):
        super().__init__(*JOINED, *extra.values())
        self.key = kept_key(key, absolute)
        self.build, self.names = build, list(extra)

    def as_sql(self, compiler, connection, **extra_context):
        sql, params = compiled_sql(self.key, self.build)
        if not self.names:
            return sql, params
        added, added_params = [], []
        for name, expression in zip(self.names, self.get_source_expressions()[len(JOINED):], strict=True):
            part, part_params = compiler.compile(expression)
            added.append(f"'{name}', {part}")
            added_params.extend(part_params)
        # The object ends the SQL: `...)` of a JSON object, `...))` of a Feature's properties.
        closing = "))" if self.key[0] == "feature" else ")"
        return f"{sql[: -len(closing)]}, {', '.join(added)}{closing}", (*params, *added_params)


_compiled = {}


def kept_key(key, absolute):
    """What compiled SQL is kept by: `key`, the language, the site's and the photos' addresses, and the day."""
    return (*key, get_language(), absolute("/"), default_storage.url(""), timezone.localdate().isoformat())


def kept(key, make):
    """make(), kept by `key` (of kept_key)."""
    found = _compiled.get(key)
    if found is None:
        if len(_compiled) >= 256:  # a day's keys: shapes by languages by the site's addresses
            _compiled.clear()
        found = _compiled[key] = make()
    return found


def compiled_sql(key, build):
    """(sql, params) of the representation `build()` makes, on a plain query of reports; kept by `key`."""
    def make():
        query = Report.objects.annotate(item=build()).query
        return query.get_compiler(connection=connection).compile(query.annotations["item"])

    return kept(key, make)


# Properties whose text is JSON's without escaping once quoted, and never null: slugs, our own words, ISO times and
# dates; and numbers (null where missing). Written as they are by json_text, not through to_json.
JSON_PLAIN = {"category", "status", "open311_status", "created", "updated", "due_date", "due_end"}
JSON_NUMBERS = {"lat", "lon", "support_count"}


def json_text(shape, expressions):
    """The shape's JSON object as one format() of its values, as text: to_json only for what may need escaping.
    PostgreSQL's json_agg of a row, or json_build_object, looks up each value's type four times in its catalogue
    for every report (PostgreSQL 15); for a list of a thousand that cost as much as the query itself."""
    template, values = [], []
    for name, column in names(shape):
        if column == "blank":
            template.append(f'"{name}":""')
        elif column in JSON_PLAIN:
            template.append(f'"{name}":"%s"')
            values.append(expressions[column])
        elif column in JSON_NUMBERS:
            template.append(f'"{name}":%s')
            values.append(Coalesce(Cast(expressions[column], TextField()), Value("null")))
        else:
            template.append(f'"{name}":%s')
            values.append(Coalesce(Cast(Func(expressions[column], function="to_json"), TextField()), Value("null")))
    return Func(Value("{" + ",".join(template) + "}"), *values, function="format", output_field=TextField())


def listing(shape, absolute, key, reports):
    """(object, tables, condition): the JSON text of the shape's object of a report (json_text), the tables it
    and the queryset `reports()` read, and its condition, as literal SQL for a statement that adds the conditions
    and the order a request asks for (with its own parameters, %(name)s). Compiled once per `key` (what
    `reports()` is), shape, language, site, photo address and day: building the queryset and the shape's
    expressions for every request cost Django more than all but PostgreSQL's work in a list of a thousand (the
    Open311 list)."""
    return kept(kept_key(("listing", key, tuple(shape)), absolute), lambda: _listing(shape, absolute, reports()))


def _listing(shape, absolute, reports):
    query = reports.annotate(item=json_text(shape, properties(absolute))).query
    compiler = query.get_compiler(connection=connections[reports.db])
    parts = (compiler.compile(query.annotations["item"]), compiler.get_from_clause(), compiler.compile(query.where))
    with connections[reports.db].cursor() as cursor:
        # Literal, and a % in it doubled: the statement's own parameters are added later.
        return tuple(cursor.mogrify(" ".join(sql) if isinstance(sql, list) else sql, params).decode()
                     .replace("%", "%%") for sql, params in parts)


@dataclass(frozen=True)
class CsvDialect:
    """How a CSV writes what is not text: its separator, decimal mark, times and dates (on the city's clock).

    `standar` is for tools (GDAL, pandas, R): commas, decimal points, ISO 8601 times with the city's offset.
    `excel-id` is what a spreadsheet set to Indonesian reads without an import dialog (Excel, LibreOffice Calc,
    tested): there `.` groups thousands, so 100.405 would be read as 100405; it takes semicolons, decimal commas
    and day/month/year with the time to the minute (06/12/2026 14:05), which it reads as a date. Both start with
    UTF-8's byte-order mark, which Excel on Windows needs to read UTF-8 rather than ANSI (GDAL and pandas skip it).
    """

    name: str
    separator: str
    decimal: str
    # The DateStyle its COPY writes dates and times in: ISO (the connection's own), or SQL, DMY for day/month/year
    # (06/12/2026 14:05), set for the COPY alone (copied).
    date_style: str = "ISO"
    python_time: str = ""  # strftime's patterns of the same, for a CSV Python writes
    python_date: str = ""

    def number(self, expression):
        return expression if self.decimal == "." else DecimalComma(expression)

    def time(self, expression):
        return CityTime(expression) if self.date_style == "ISO" else DayFirst(expression)

    def day(self, expression):
        # The date's own text in the COPY's DateStyle: 2026-12-06 or 06/12/2026 (cheaper than to_char).
        return Cast(expression, TextField())

    def cell(self, value):
        """A value Python holds, by the same rules, for a CSV Python writes: times on the city's clock, yes/no as
        1/0, numbers with the dialect's decimal mark, text that would run as a formula after an apostrophe."""
        if isinstance(value, datetime):
            moment = timezone.localtime(value)
            return moment.strftime(self.python_time) if self.python_time else moment.isoformat(timespec="seconds")
        if isinstance(value, date):
            return value.strftime(self.python_date) if self.python_date else value.isoformat()
        if isinstance(value, bool):
            return int(value)
        if isinstance(value, float | Decimal):
            return str(value).replace(".", self.decimal)
        if isinstance(value, str) and value[:1] in FORMULA_STARTS:
            return "'" + value
        return value


STANDARD = CsvDialect("standar", ",", ".")
EXCEL_ID = CsvDialect("excel-id", ";", ",", date_style="SQL, DMY", python_time="%d/%m/%Y %H:%M", python_date="%d/%m/%Y")
CSV_DIALECTS = {dialect.name: dialect for dialect in (STANDARD, EXCEL_ID)}
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

# CSV cells that are not text: whole numbers and yes/no stay unquoted numbers, decimals take the dialect's mark,
# times and dates are on the city's clock in the dialect's form. Our own words (codes, slugs, statuses) and
# addresses (http...) never start like a formula.
CSV_NUMBERS, CSV_DECIMALS, CSV_YES_NO = {"support_count", "version", "asset_id"}, {"days_to_fix"}, {"overdue", "hidden"}
CSV_DATES = {"due_date"}
CSV_JSON = {"attributes"}  # an object's text starts with {
CSV_OURS = {"code", "category", "status", "kelurahan_code", "kecamatan_code", "photo_list", "url", "duplicate_of",
            "lapor_tracking_id"}


def csv_columns(shape, absolute, dialect=STANDARD):
    """(header, expression) of each CSV column, by the rules every CSV we serve follows: lon, lat, then the
    shape's fields; times in columns named ..._wib."""
    found = properties(absolute)
    columns = [("lon", dialect.number(found["lon"])), ("lat", dialect.number(found["lat"]))]
    for name, column in names(shape):
        if column in CSV_NUMBERS or column in CSV_OURS:
            columns.append((name, found[column]))
        elif column in CSV_DECIMALS:
            columns.append((name, dialect.number(found[column])))
        elif column in CSV_YES_NO:
            columns.append((name, AsDigit(found[column])))
        elif column in MOMENTS:
            columns.append((f"{name}_wib", dialect.time(moment(column))))
        elif column in CSV_DATES:
            columns.append((name, dialect.day(F(column))))
        elif column in CSV_JSON:
            columns.append((name, Cast(found[column], TextField())))
        else:
            columns.append((name, CsvText(Cast(found[column], TextField()))))
    return columns


# COPY's CSV of one JSON column, with a delimiter and a quote that JSON text never holds raw (PostgreSQL writes
# control characters as \u escapes): each line is the JSON as PostgreSQL wrote it, never quoted.
JSON_LINES = "FORMAT csv, DELIMITER E'\\x01', QUOTE E'\\x02'"


def copied(reports, expressions, options, whole=False, date_style="ISO"):
    """PostgreSQL's own `COPY (...) TO STDOUT (options)` of `expressions` over `reports`, in primary-key order,
    as bytes: one COPY, streamed a block at a time as PostgreSQL writes it (copy_stream), so memory stays flat
    and a client that goes away stops it. `whole`: `reports` are most of the table (no filter narrows them), read
    in the primary key's order (WHOLE_PLAN); otherwise the planner sorts the few that pass. `date_style`: the
    DateStyle the COPY writes dates and times in (a CsvDialect's), if not the connection's own (ISO)."""
    named = {f"column_{n}": expression for n, expression in enumerate(expressions)}
    try:
        sql, params = reports.order_by().annotate(**named).values("pk", *named).query.sql_with_params()
    except EmptyResultSet:  # a filter no report can pass (crew__in=[])
        return
    with connections[reports.db].cursor() as cursor:
        rows = cursor.mogrify(sql, params).decode()
        plan = COPY_PLAN + (WHOLE_PLAN if whole else "") + (f" SET LOCAL DateStyle = '{date_style}';"
                                                             if date_style != "ISO" else "")
        yield from copy_stream(cursor.cursor, f"{plan} COPY (SELECT {', '.join(named)} FROM ({rows}) r "
                                              f"ORDER BY pk) TO STDOUT ({options})")
        if date_style != "ISO" and connections[reports.db].in_atomic_block:
            # Within a transaction (a test's) SET LOCAL would last until its end: the statements after the COPY
            # get the connection's ISO back, which reading a date needs.
            cursor.execute("SET LOCAL DateStyle TO DEFAULT")


# How the export is read, for its COPY only (SET LOCAL, sent with the COPY: the statements of one message are one
# transaction): by one process, as parallel workers cost more CPU in all for the same rows; a sort of the few
# reports a filter lets through in memory.
COPY_PLAN = "SET LOCAL max_parallel_workers_per_gather = 0; SET LOCAL work_mem = '64MB';"
# Most of the table: in the primary key's order as its index gives it, the small tables joined by lookups that keep
# that order, rather than by hash joins and a sort of every written row, which the planner prefers for a GeoJSON
# (100,000 reports: 100 MB sorted on disk before the first byte; PostgreSQL's CPU 1.80 -> 1.65 s, the CSV's
# 0.84 -> 0.81 s: docs/figures.md). Not for a narrow filter: the whole index read for a few reports (a street's
# box of 52 reports among 100,000: 2 -> 130 ms).
WHOLE_PLAN = " SET LOCAL enable_sort = off;"

# What the worker holds of a COPY before handing it on: a few hundred CSV lines, a few dozen features.
BLOCK = 256 * 1024


class Blocks:
    """The file psycopg2's copy_expert writes COPY's rows to (one write() a row): gathered, and every BLOCK bytes
    handed back to the greenlet that resumed the copy; dropped once the copy is being stopped."""

    def __init__(self):
        self.held, self.size, self.copying, self.dropping = [], 0, None, False

    def write(self, row):
        if self.dropping:
            return
        self.held.append(row)
        self.size += len(row)
        if self.size >= BLOCK:
            self.copying.parent.switch(self.taken())

    def taken(self):
        block = b"".join(self.held)
        self.held, self.size = [], 0
        return block


def copy_stream(cursor, sql):
    """The bytes of `sql` (a COPY ... TO STDOUT) on psycopg2's `cursor`, a block at a time as PostgreSQL sends them.

    psycopg2's copy_expert returns only once the COPY is over, calling its file's write() for every row; run in a
    greenlet (a coroutine of this same thread, not a thread), its write() switches back here with each block, and
    this generator hands it on and switches back to go on reading. The raw cursor is passed in: a greenlet starts
    with a context of its own, where Django's connection is not to be looked up. An error of the COPY is raised
    here; if the generator is closed before the end (the client went away), the COPY is cancelled and what is
    still on its way is read and dropped, so the connection is left ready for its next statement."""
    blocks = Blocks()
    blocks.copying = copying = greenlet.greenlet(lambda: cursor.copy_expert(sql, blocks) or blocks.taken())
    try:
        while True:
            copying.parent = greenlet.getcurrent()  # whoever resumes this generator
            block = copying.switch()
            if block:
                yield block
            if copying.dead:
                return
    finally:
        if copying:  # started and not finished: closed mid-COPY
            stop(cursor, copying, blocks)


def stop(cursor, copying, blocks):
    """Cancel a COPY that `copying` is reading, and read the rest of it, dropped, until PostgreSQL stops."""
    blocks.dropping = True
    cursor.connection.cancel()
    copying.parent = greenlet.getcurrent()
    try:
        copying.switch()
    except QueryCanceled:
        pass


def one(reports, expression):
    """The expression's text for the one report of `reports`, or None."""
    return reports.annotate(text=Cast(expression, TextField())).values_list("text", flat=True).first()


def json_array(reports, expression, keep=(), where="", order="", params=()):
    """One query: the JSON array (text) of `expression` over `reports`, in their order, or filtered (`where`)
    and ordered (`order`) by the annotations named in `keep`."""
    statement = json_array_sql(reports, expression, keep, where, order)
    return run_json_array(statement, params, reports.db)


def json_array_sql(reports, expression, keep=(), where="", order=""):
    """json_array's statement as (sql, params), to run with run_json_array; None when no report can pass."""
    try:
        sql, inner = reports.annotate(item=expression).values("item", *keep).query.sql_with_params()
    except EmptyResultSet:  # a filter no report can pass (crew__in=[])
        return None
    return (f"SELECT coalesce(json_agg(page.item {order and 'ORDER BY ' + order}), '[]')::text "
            f"FROM ({sql}) page {where and 'WHERE ' + where}", inner)


def run_json_array(statement, params=(), using="default"):
    """The JSON array (text) of a statement of json_array_sql, with `params` after its own."""
    if statement is None:
        return "[]"
    sql, inner = statement
    with connections[using].cursor() as cursor:
        cursor.execute(sql, (*inner, *params))
        return cursor.fetchone()[0]


def feature_collection(features_json, time_stamp=None):
    """A FeatureCollection of the features' JSON array (text); with `time_stamp` (an aware datetime), the moment it
    describes as its `timeStamp`, in the current time zone."""
    if time_stamp is None:
        return f'{{"type":"FeatureCollection","features":{features_json}}}'
    stamp = timezone.localtime(time_stamp).isoformat(timespec="seconds")
    return f'{{"type":"FeatureCollection","timeStamp":"{stamp}","features":{features_json}}}'


# The JSON API's shapes for its OpenAPI document (drf-spectacular takes these raw schemas).
TEXT, NUMBER, WHOLE, YES_NO = {"type": "string"}, {"type": "number"}, {"type": "integer"}, {"type": "boolean"}
PLACE = {"type": "object", "properties": {"code": TEXT, "name": TEXT}}
SCHEMAS = {
    "code": TEXT, "category": TEXT, "category_name": TEXT, "status": {"type": "string", "enum": Status.values},
    "status_label": TEXT, "kelurahan": PLACE, "kecamatan": PLACE, "address": TEXT, "description": TEXT,
    "attributes": {"type": "object", "additionalProperties": True},
    "created": {"type": "string", "format": "date-time"}, "updated": {"type": "string", "format": "date-time"},
    "due_date": {"type": "string", "format": "date"}, "overdue": YES_NO, "support_count": WHOLE, "name": TEXT,
    "photos": {"type": "array", "items": {"type": "object", "properties": {
        "url": TEXT, "thumbnail": TEXT, "kind": TEXT}}},
    "url": {"type": "string", "format": "uri"},
    "crew": {"type": "object", "nullable": True, "properties": {"id": WHOLE, "name": TEXT}},
    "asset": {"type": "object", "nullable": True, "properties": {"kind": TEXT, "identifier": TEXT, "id": WHOLE}},
    "routing_problem": TEXT, "hidden": YES_NO, "version": WHOLE, "reporter_name": TEXT, "distance_m": NUMBER,
}


def feature_schema(shape):
    """The OpenAPI schema of a Feature of this shape (of the JSON API's: PUBLIC, STAFF, MAP)."""
    properties = {name: SCHEMAS[column] for name, column in names(shape)}
    return {"type": "object", "required": ["type", "id", "geometry", "properties"], "properties": {
        "type": {"type": "string", "enum": ["Feature"]}, "id": TEXT,
        # None for a complaint that names no place.
        "geometry": {"type": "object", "nullable": True,
                     "properties": {"type": TEXT, "coordinates": {"type": "array", "items": NUMBER}}},
        "properties": {"type": "object", "required": list(properties), "properties": properties}}}


def collection_schema(shape):
    return {"type": "object", "required": ["type", "features"], "properties": {
        "type": {"type": "string", "enum": ["FeatureCollection"]},
        "features": {"type": "array", "items": feature_schema(shape)}}}
