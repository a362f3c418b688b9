"""Open311 GeoReport v2 (/open311/): the standard other civic-reporting systems speak.

Specification: https://wiki.open311.org/GeoReport_v2. Our sub-categories are its services, our reports its
service requests (the tracking code is the service_request_id). Only public reports and public fields leave;
a request filed here goes through the same form, lookup and rate limit as one from the map.
"""

import hashlib
import json
import logging
import secrets
import uuid
from datetime import timedelta
from functools import wraps
from xml.sax.saxutils import escape

from django.conf import settings
from django.db import connections
from django.db.models import F
from django.http import HttpResponse, JsonResponse, QueryDict
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from config.db_router import replica_alias
from geo import geocoding, lookup
from geo.models import Generation
from reports import filing, ratelimit, remote_media, representation
from reports.api.params import parse_moment
from reports.forms import CONTROL_CHARACTERS, ReportForm
from reports.interop.xmltext import xml_text
from reports.models import ApiCall, ApiClient, Category, Report, Status, StatusChange, in_category, statuses

logger = logging.getLogger(__name__)

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
UPDATES_SPECIFICATION = "https://github.com/mysociety/fixmystreet/wiki/Open311-FMS---Proposed-differences-to-Open311"
DEFAULT_UPDATES_WINDOW = timedelta(days=1)
# FixMyStreet asks for a window (the last two hours) and takes the answer as all of it, with no paging: a window is
# answered whole, so a longer one is refused (400 naming start_date) rather than cut.
MAX_UPDATES_WINDOW = timedelta(days=7)
# The status of an update in FixMyStreet's words (Open311.pm's map_state): "closed" alone reads there as fixed by
# the council, so what closes a report without a fix says which: "no further action", "duplicate".
UPDATE_STATUSES = {Status.SELESAI: "fixed", Status.DITUTUP: "closed", Status.DITOLAK: "no_further_action",
                   Status.DUPLIKAT: "duplicate"}
CHANGESET = "2026-11-30T00:00:00+07:00"  # when this endpoint's behaviour last changed
DEFAULT_WINDOW = timedelta(days=90)
MAX_REQUESTS = 1000
# Our form's field names as Open311 calls them, for error messages a client can act on.
FIELD_NAMES = {"category": "service_code", "lon": "long", "photos": "media_url", "name": "first_name"}
# XML list elements and the name of each item in them.
XML_ITEMS = {"attributes": "attribute", "values": "value", "endpoints": "endpoint", "formats": "format"}


class Open311Error(Exception):
    def __init__(self, code, description):
        super().__init__(description)
        self.code = code
        self.description = description


def digest(key):
    return hashlib.sha256(key.encode()).hexdigest()


def new_key():
    """A new API key and what the database keeps of it: (key, digest, prefix)."""
    key = secrets.token_urlsafe(24)
    return key, digest(key), key[:8]


def client_for(key):
    """The active ApiClient holding `key`, or None."""
    if not key:
        return None
    return ApiClient.objects.filter(key_digest=digest(key), active=True).first()


# Rendering: the same rows as JSON or as the specification's XML.

def render(fmt, root, body, item=None, status=200):
    """`body` is a list of `item` elements under `root`, or one object that is `root` itself."""
    if fmt == "json":
        return JsonResponse(body, safe=False, status=status, json_dumps_params={"ensure_ascii": False})
    return HttpResponse(xml_document(root, body, item), status=status, content_type="text/xml; charset=utf-8")


XML_DECLARATION = "<?xml version='1.0' encoding='utf-8'?>\n"


def xml_document(root, body, item=None):
    """The XML of `body` (as render takes it), written as text: what ElementTree writes of the same elements, in a
    quarter of the time (a list of a thousand requests 300 against 67 ms on a loaded machine)."""
    if isinstance(body, dict):
        return XML_DECLARATION + _xml(root, body)
    inner = "".join(_xml(item, row) for row in body)
    return XML_DECLARATION + (f"<{root}>{inner}</{root}>" if inner else f"<{root} />")


def _xml(tag, value):
    if isinstance(value, dict):
        text = "".join(_xml(key, inner) for key, inner in value.items())
    elif isinstance(value, list):
        text = "".join(_xml(XML_ITEMS[tag], inner) for inner in value)
    elif isinstance(value, bool):
        text = "true" if value else "false"
    else:
        text = "" if value is None else escape(xml_text(value))
    return f"<{tag}>{text}</{tag}>" if text else f"<{tag} />"


def error_response(fmt, code, description):
    return render(fmt, "errors", [{"code": code, "description": description}], "error", status=code)


def endpoint(*methods):
    """Errors in the specification's form (a method not served too), and every call made with an API key
    recorded. GET endpoints answer HEAD as well."""
    allowed = {*methods, "HEAD"} if "GET" in methods else set(methods)

    def decorate(view):
        @csrf_exempt
        @wraps(view)
        def wrapper(request, fmt="json", **kwargs):
            if request.method not in allowed:
                response = error_response(fmt, 405, f"{request.method} is not served here; use {' or '.join(methods)}.")
                response["Allow"] = ", ".join(sorted(allowed))
                return response
            key = request.POST.get("api_key") or request.GET.get("api_key")
            client = client_for(key)
            try:
                if key and client is None:
                    raise Open311Error(403, "api_key is not valid.")
                jurisdiction = request.POST.get("jurisdiction_id") or request.GET.get("jurisdiction_id")
                if jurisdiction and jurisdiction != settings.OPEN311_JURISDICTION:
                    raise Open311Error(404, f"jurisdiction_id {jurisdiction} is not served here.")
                response = view(request, fmt, client=client, **kwargs)
            except Open311Error as error:
                response = error_response(fmt, error.code, error.description)
            if client is not None:
                ApiCall.objects.create(
                    client=client, method=request.method, path=request.path[:300], status_code=response.status_code,
                    remote_addr=request.META.get("REMOTE_ADDR"), report=getattr(response, "report", None),
                    token=getattr(response, "token", None),
                )
            return response

        return wrapper

    return decorate


def unknown(request, rest):
    """Any other path under /open311/: a GeoReport error (in XML when the path asks for it), never a page."""
    stem, dot, extension = rest.rpartition(".")
    if dot and extension not in ("json", "xml") and "/" not in extension:
        return error_response("json", 400, f"Format .{extension} is not served here; use .json or .xml.")
    return error_response("xml" if extension == "xml" else "json", 404,
                          f"/open311/{rest} is not a resource here; start at /open311/discovery.json.")


# Discovery and services.

@endpoint("GET")
def discovery(request, fmt, client):
    body = {
        "changeset": CHANGESET,
        "contact": settings.OPEN311_CONTACT,
        "key_service": settings.OPEN311_CONTACT,
        "endpoints": [{
            "specification": SPECIFICATION,
            "url": request.build_absolute_uri("/open311/v2"),
            "changeset": CHANGESET,
            "type": "production",
            "formats": ["application/json", "text/xml"],
        }, {
            # FixMyStreet's extension: every status change with its public note, for partners following reports.
            "specification": UPDATES_SPECIFICATION,
            "url": request.build_absolute_uri("/open311/v2/servicerequestupdates"),
            "changeset": CHANGESET,
            "type": "production",
            "formats": ["application/json", "text/xml"],
        }],
    }
    return render(fmt, "discovery", body)


def service_json(category):
    return {
        "service_code": category.slug,
        "service_name": category.name,
        "description": f"{category.parent.name}: {category.name}",
        "metadata": bool(category.attributes.all()),
        "type": "realtime",
        "keywords": ", ".join([category.parent.slug, category.parent.name_id, category.parent.name_en]),
        "group": category.parent.name,
    }


def reportable_categories():
    """Problems at a place, answered by the public-works crews: GeoReport v2 requires a location, and a complaint
    about an office's service has none to give, so those categories are not services here (docs/api.md)."""
    return (Category.objects.exclude(parent=None).filter(routing=Category.Routing.CREW).select_related("parent")
            .prefetch_related("attributes").order_by("parent__sort_order", "sort_order"))


def open311_reports(reports=None):
    """The public reports Open311 carries: of its services (reportable_categories), each with a location."""
    return (reports if reports is not None else Report.objects).public().filter(
        category__routing=Category.Routing.CREW, location__isnull=False)


@endpoint("GET")
def service_list(request, fmt, client):
    return render(fmt, "services", [service_json(c) for c in reportable_categories()], "service")


@endpoint("GET")
def service_definition(request, fmt, client, code):
    category = reportable_categories().filter(slug=code).first()
    if category is None:
        raise Open311Error(404, f"service_code {code} is not a service here.")
    attributes = [{
        "variable": True,
        "code": question.code,
        "datatype": question.datatype,
        "required": question.required,
        "datatype_description": "",
        "order": number,
        "description": question.label,
        **({"values": [{"key": key, "name": name} for key, name in question.choice_list()]}
           if question.is_list else {}),
    } for number, question in enumerate(category.attributes.all(), start=1)]
    return render(fmt, "service_definition", {"service_code": category.slug, "attributes": attributes})


# Service requests.

# The service requests of a list, newest first, as a JSON array PostgreSQL writes (representation.json_text).
# The object, the tables and the condition of open311_reports() are compiled once (representation.listing); a
# request adds its filters as parameters.
LIST_SQL = """SELECT '[' || coalesce(string_agg(page.item, ','), '') || ']' FROM (
    SELECT {item} AS item FROM {tables} WHERE {condition}{filters}
    ORDER BY "reports_report"."created" DESC LIMIT %(limit)s) page"""
# A request's filters, each on its parameter.
FILTERS = {
    "codes": '"reports_report"."code" = ANY(%(codes)s)',
    "statuses": '"reports_report"."status" = ANY(%(statuses)s)',
    "start": '"reports_report"."created" >= %(start)s',
    "end": '"reports_report"."created" <= %(end)s',
}


def requests_json(request, using="default", categories=None, **params):
    """The JSON array (text) of the service requests that pass the FILTERS given in `params` (and of the
    `categories`, slugs), in Open311's fields (representation.OPEN311): one precompiled statement."""
    item, tables, condition = representation.listing(
        representation.OPEN311, request.build_absolute_uri, ("open311", using),
        lambda: open311_reports(Report.objects.using(using)))
    filters = "".join(f" AND {FILTERS[name]}" for name in params)
    if categories:
        # The one rule for a category filter (reports.models.in_category), compiled for these slugs.
        chosen = Category.objects.using(using).filter(in_category(*categories, prefix="")).values("pk")
        with connections[using].cursor() as cursor:
            filters += ' AND "reports_report"."category_id" IN ({})'.format(
                cursor.mogrify(*chosen.query.sql_with_params()).decode().replace("%", "%%"))
    with connections[using].cursor() as cursor:
        cursor.execute(LIST_SQL.format(item=item, tables=tables, condition=condition, filters=filters),
                       {**params, "limit": MAX_REQUESTS})
        return cursor.fetchone()[0]


def request_list(fmt, found):
    """The JSON array `found` as it is, or as XML, which only reads it."""
    if fmt == "json":
        return HttpResponse(found, content_type="application/json")
    return render(fmt, "service_requests", json.loads(found), "request")


def date_parameter(name, text, end=False):
    """An ISO 8601 date or date-time (parse_moment: a bare end date is the whole day); an Open311 error naming
    the parameter otherwise."""
    moment = parse_moment(text, end)
    if moment is None:
        raise Open311Error(400, f"{name}: use ISO 8601, for example 2026-11-28T00:00:00+07:00.")
    return moment


def listed(text):
    return [part.strip() for part in text.split(",") if part.strip()]


def filtered_requests(params):
    """GET requests' filters, as requests_json's arguments; without dates, the last 90 days; newest first, at most
    1000. Lists come from the replica, if any; requests asked for by id from the primary (a client asks after
    those it has just filed)."""
    if params.get("service_request_id"):
        return {"codes": [code.upper() for code in listed(params["service_request_id"])]}
    found = {"using": replica_alias()}
    if params.get("service_code"):
        found["categories"] = listed(params["service_code"])
    if params.get("status"):
        wanted = set(listed(params["status"]))
        if not wanted <= {"open", "closed"}:
            raise Open311Error(400, "status: use open, closed or open,closed.")
        if len(wanted) == 1:
            found["statuses"] = list(statuses(wanted.pop()))
    start = date_parameter("start_date", params["start_date"]) if params.get("start_date") else None
    end = date_parameter("end_date", params["end_date"], end=True) if params.get("end_date") else None
    if start and end and start > end:
        raise Open311Error(400, "start_date: must not be after end_date.")
    found["start"] = start or (end or timezone.now()) - DEFAULT_WINDOW
    if end:
        found["end"] = end
    return found


@endpoint("GET", "POST")
def service_requests(request, fmt, client):
    if request.method == "POST":
        return file_request(request, fmt, client)
    return request_list(fmt, requests_json(request, **filtered_requests(request.GET)))


@endpoint("GET")
def request_detail(request, fmt, client, code):
    found = requests_json(request, codes=[code.upper()])
    if found == "[]":
        raise Open311Error(404, f"service_request_id {code} is not found.")
    return request_list(fmt, found)


@endpoint("GET")
def token_detail(request, fmt, client, token):
    call = ApiCall.objects.filter(token=token).select_related("report").first()
    if call is None or call.report is None or not open311_reports().filter(pk=call.report_id).exists():
        raise Open311Error(404, f"token {token} is not found.")
    return render(fmt, "service_requests", [{"service_request_id": call.report.code, "token": token}], "request")


@endpoint("GET")
def service_request_updates(request, fmt, client):
    """FixMyStreet's servicerequestupdates: one entry per status change of a public report in the window, all of
    them, oldest first, with its public note (an internal one is left out: description empty); without dates,
    the last day; a window longer than MAX_UPDATES_WINDOW is refused."""
    start = date_parameter("start_date", request.GET["start_date"]) if request.GET.get("start_date") else None
    end = (date_parameter("end_date", request.GET["end_date"], end=True) if request.GET.get("end_date")
           else timezone.now())
    start = start or end - DEFAULT_UPDATES_WINDOW
    if start > end:
        raise Open311Error(400, "start_date: must not be after end_date.")
    if end - start > MAX_UPDATES_WINDOW:
        raise Open311Error(400, f"start_date: at most {MAX_UPDATES_WINDOW.days} days before end_date; ask for "
                                "longer periods window by window.")
    changes = (StatusChange.objects.filter(report__in=open311_reports(), created__gte=start, created__lte=end)
               .exclude(from_status=F("to_status"))  # a move or a reassignment is no status update
               .select_related("report", "photo").order_by("created", "pk"))
    updates = [{
        "update_id": str(change.pk),
        "service_request_id": change.report.code,
        "status": UPDATE_STATUSES.get(change.to_status, "open"),
        "external_status_code": change.to_status,
        "updated_datetime": timezone.localtime(change.created).isoformat(timespec="seconds"),
        "description": change.public_note,
        "media_url": request.build_absolute_uri(change.photo.image.url) if change.photo else "",
    } for change in changes]
    return render(fmt, "service_request_updates", updates, "request_update")


# Filing.

def file_request(request, fmt, client):
    if client is None:
        raise Open311Error(403, "api_key is required to file a service request.")
    params = request.POST
    who = params.get("device_id") or params.get("email") or params.get("phone") or ""
    # A digest: the cache holds no e-mail address or phone number.
    sender = hashlib.sha256(who.encode()).hexdigest()[:16]
    if not ratelimit.allow_open311_filing(request, client, sender):
        raise Open311Error(429, "Too many requests from this sender; try again in an hour.")
    code = params.get("service_code", "")
    if Category.objects.filter(slug=code).exclude(routing=Category.Routing.CREW).exists():
        raise Open311Error(400, f"service_code: {code} is a complaint about an office's service, not a service "
                                "here; file it through the JSON API (docs/api.md).")
    lat, lon = params.get("lat", ""), params.get("long", "")
    address = checked_address(params.get("address_string", "").strip())
    if not (lat or lon):
        lat, lon = locate_address(address)
    name = " ".join(part for part in (params.get("first_name", ""), params.get("last_name", "")) if part).strip()
    data = QueryDict(mutable=True)
    data.update({
        "client_uuid": str(uuid.uuid4()), "category": params.get("service_code", ""), "lat": lat, "lon": lon,
        "description": params.get("description", ""), "name": name, "phone": params.get("phone", ""),
        "email": params.get("email", ""),
        # A client system passes contact details on with the consent it asked for (docs/privacy.md).
        "contact_consent": "on" if params.get("phone") or params.get("email") else "",
    })
    for key in params:
        if key.startswith("attribute["):  # attribute[code], or attribute[code][] for several values
            data.setlist(key.removesuffix("[]"), params.getlist(key))
    media = request.FILES.getlist("media")
    if params.get("media_url"):
        try:
            media.append(remote_media.fetch(params["media_url"]))
        except remote_media.Refused as refusal:
            raise Open311Error(400, f"media_url: {refusal}") from None
    form = ReportForm(data, {"photos": media} if media else {}, photo_optional=True)
    if not form.is_valid():
        raise Open311Error(400, "; ".join(
            f"{FIELD_NAMES.get(field, field)}: {' '.join(messages)}" for field, messages in form.errors.items()))
    try:
        report, _ = filing.file_report_from_form(form.cleaned_data, address=address)
    except lookup.OutsideCity as outside:
        raise Open311Error(400, f"lat: {outside}") from None
    token = secrets.token_urlsafe(16)
    notice = f"Kode pelacakan {report.code}. Batas waktu penanganan {report.due_date.isoformat()}."
    filed = {"service_request_id": report.code, "token": token, "service_notice": notice, "account_id": ""}
    response = render(fmt, "service_requests", [filed], "request")
    response.report, response.token = report, token
    return response


def checked_address(text):
    """address_string as kept with the report: at most filing.ADDRESS_MAX characters, none a page cannot show."""
    if len(text) > filing.ADDRESS_MAX:
        raise Open311Error(400, f"address_string: at most {filing.ADDRESS_MAX} characters (this has {len(text)}).")
    if CONTROL_CHARACTERS.search(text):
        raise Open311Error(400, "address_string: holds control characters; send it as plain text.")
    return text


def locate_address(text):
    """lat and long for an address_string, through the geocoder, inside the city."""
    if not text:
        raise Open311Error(400, "lat: lat and long, or address_string, are required.")
    west, south, east, north = Generation.objects.current().outline.extent
    try:
        places = geocoding.search(text, ((south, west), (north, east)), limit=1, wait=False)
    except geocoding.Busy:
        raise Open311Error(503, "address_string: the geocoder is busy (one address a second); try again in a "
                                "second, or send lat and long.") from None
    if not places:
        raise Open311Error(400, "address_string: this address is not found in Padang Panjang; send lat and long.")
    _, lat, lon = places[0]
    return str(lat), str(lon)
